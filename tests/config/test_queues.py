"""Every task has a queue; time limits sit under the broker's visibility timeout; SMTP from env."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from config.celery_app import app

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ("config.", "common.", "shop.", "producers.", "impact.", "cms.", "demo.", "mailing.")


def project_tasks() -> set[str]:
    app.loader.import_default_modules()
    return {name for name in app.tasks if name.startswith(PROJECT)}


def test_every_project_task_has_a_route_to_one_of_the_four_queues():
    routes = settings.CELERY_TASK_ROUTES
    unrouted = project_tasks() - set(routes)
    assert unrouted == set(), (
        f"add these to CELERY_TASK_ROUTES (config/settings/queues.py): {unrouted}"
    )
    assert {route["queue"] for route in routes.values()} == {"payments", "email", "long", "celery"}
    assert set(routes) <= set(app.tasks)  # no route for a task that no longer exists


def test_tasks_are_published_to_their_queue():
    router = app.amqp.router
    queue = {name: router.route({}, name)["queue"].name for name in project_tasks()}
    assert queue == {
        "impact.tasks.impact_attribute_payment": "payments",
        "impact.tasks.impact_attribution_catch_up": "payments",
        "impact.tasks.impact_arrears_daily": "payments",
        "shop.payments.tasks.payments_refund_issue": "payments",
        "shop.payments.tasks.payments_expire_reservations": "payments",
        "config.tasks.email_send": "email",
        "config.tasks.email_outbox_catch_up": "email",
        "impact.tasks.impact_periodic_reassess": "long",
        "impact.tasks.impact_reassess_year": "long",
        "impact.tasks.impact_reassess_households": "long",
        "impact.tasks.impact_level_snapshot": "long",
        "shop.search.tasks.search_rebuild": "long",
        "impact.tasks.targeting_refresh_all": "long",
        "impact.tasks.targeting_refresh_households": "celery",
        "shop.search.tasks.product_reindex": "celery",
        "shop.tasks.analytics_flush": "celery",
        "producers.tasks.producers_certificates_daily": "celery",
    }


def test_only_idempotent_tasks_acknowledge_late():
    late = {name for name in project_tasks() if app.tasks[name].acks_late}
    assert late == {
        "impact.tasks.impact_attribute_payment",
        "impact.tasks.impact_attribution_catch_up",
        "impact.tasks.impact_arrears_daily",
        "impact.tasks.impact_level_snapshot",
        "shop.payments.tasks.payments_refund_issue",
        "shop.payments.tasks.payments_expire_reservations",
        "config.tasks.email_send",
        "config.tasks.email_outbox_catch_up",
        "producers.tasks.producers_certificates_daily",
        # a product's search document is rewritten whole; a rebuild starts from empty
        "shop.search.tasks.product_reindex",
        "shop.search.tasks.search_rebuild",
        # the targeting figures are recomputed from current data, replacing what was there
        "impact.tasks.targeting_refresh_all",
        "impact.tasks.targeting_refresh_households",
    }


def test_long_tasks_have_an_hour_and_the_visibility_timeout_exceeds_every_limit():
    long_tasks = {
        name for name, route in settings.CELERY_TASK_ROUTES.items() if route["queue"] == "long"
    }
    limits = {
        name: (app.tasks[name].soft_time_limit, app.tasks[name].time_limit) for name in long_tasks
    }
    assert limits == dict.fromkeys(long_tasks, (3300, 3600))
    assert (app.conf.task_soft_time_limit, app.conf.task_time_limit) == (540, 600)
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert visibility == 7200
    longest = max(
        app.tasks[name].time_limit or app.conf.task_time_limit for name in project_tasks()
    )
    assert visibility > longest


def settings_in_a_process(env: dict[str, str], code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django; django.setup(); from django.conf import settings; {code}",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_smtp_login_and_tls_come_from_the_environment():
    done = settings_in_a_process(
        {
            "EMAIL_HOST": "smtp.example.cn",
            "EMAIL_PORT": "587",
            "EMAIL_HOST_USER": "noreply@example.cn",
            "EMAIL_HOST_PASSWORD": "s3cret",
            "EMAIL_USE_TLS": "true",
            "EMAIL_TIMEOUT": "12",
        },
        "print(settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_HOST_USER,"
        " settings.EMAIL_HOST_PASSWORD, settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL,"
        " settings.EMAIL_TIMEOUT)",
    )
    assert (
        done.stdout.strip().splitlines()[-1]
        == "smtp.example.cn 587 noreply@example.cn s3cret True False 12"
    )


def test_tls_and_ssl_together_are_refused():
    done = settings_in_a_process({"EMAIL_USE_TLS": "true", "EMAIL_USE_SSL": "true"}, "print('ok')")
    assert done.returncode != 0
    assert "Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both." in done.stderr
