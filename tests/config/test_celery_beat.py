"""Every scheduled job names a task that exists."""

from django.conf import settings

from config.celery_app import app


def test_every_beat_entry_runs_a_registered_task():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled == {
        "impact.tasks.impact_periodic_reassess",
        "impact.tasks.impact_attribution_catch_up",
        "impact.tasks.impact_arrears_daily",
        "impact.tasks.impact_level_snapshot",
        "impact.tasks.targeting_refresh_all",
        "producers.tasks.producers_certificates_daily",
        "shop.payments.tasks.payments_expire_reservations",
        "shop.tasks.analytics_flush",
        "config.tasks.email_outbox_catch_up",
    }
    assert scheduled <= set(app.tasks)
