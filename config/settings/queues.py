"""Queues, time limits, the single beat and the e-mail outbox (issue #18, "One beat, many workers").

Imported at the end of base.py (which adds QUEUES_APPS and QUEUES_BEAT_SCHEDULE to its
lists), so every settings module has these. Plain
assignments; everything an operator may tune comes from the environment.
"""

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

# Added to INSTALLED_APPS and CELERY_BEAT_SCHEDULE by base.py, which imports this module last.
QUEUES_APPS = ["django_celery_beat", "mailing"]

# ---------------------------------------------------------------- queues
# Four queues, one worker pool each (README "Workers and schedules"): a slow import or the
# monthly evaluation never delays a payment's attribution or an order's e-mail.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    # Money and the attribution ledger: short, urgent, each idempotent.
    "impact.tasks.impact_attribute_payment": {"queue": "payments"},
    "impact.tasks.impact_attribution_catch_up": {"queue": "payments"},
    "impact.tasks.impact_arrears_daily": {"queue": "payments"},
    "shop.payments.tasks.payments_refund_issue": {"queue": "payments"},
    "shop.payments.tasks.payments_expire_reservations": {"queue": "payments"},
    # The outbox.
    "config.tasks.email_send": {"queue": "email"},
    "config.tasks.email_outbox_catch_up": {"queue": "email"},
    # Long jobs: evaluations and re-assessments of many households, report rebuilds.
    "impact.tasks.impact_periodic_reassess": {"queue": "long"},
    "impact.tasks.impact_reassess_year": {"queue": "long"},
    "impact.tasks.impact_reassess_households": {"queue": "long"},
    "impact.tasks.impact_level_snapshot": {"queue": "long"},
    "impact.tasks.targeting_refresh_all": {"queue": "long"},
    "shop.search.tasks.search_rebuild": {"queue": "long"},
    # The rest: one product's search document, certificate reminders, analytics counters.
    "shop.search.tasks.product_reindex": {"queue": "celery"},
    "shop.tasks.analytics_flush": {"queue": "celery"},
    "impact.tasks.targeting_refresh_households": {"queue": "celery"},
    "producers.tasks.producers_certificates_daily": {"queue": "celery"},
}

# Attribution (impact.ledger.services.attribution_jobs_drain): each task claims ready jobs in
# batches of ATTRIBUTION_BATCH_SIZE (one transaction each), at most ATTRIBUTION_BATCHES_PER_RUN
# batches per task; what is left waits for the next task or the minute's catch-up.
ATTRIBUTION_BATCH_SIZE = env.int("ATTRIBUTION_BATCH_SIZE", default=200)
ATTRIBUTION_BATCHES_PER_RUN = env.int("ATTRIBUTION_BATCHES_PER_RUN", default=50)
if ATTRIBUTION_BATCH_SIZE < 1 or ATTRIBUTION_BATCHES_PER_RUN < 1:
    raise ImproperlyConfigured(
        "ATTRIBUTION_BATCH_SIZE and ATTRIBUTION_BATCHES_PER_RUN must be ≥ 1."
    )

# Tasks acknowledge their message when they start (a worker lost mid-task loses the task),
# except those marked acks_late=True in code because running them twice does no harm:
# the attribution job row is locked and marked done with its entries; the outbox row is
# claimed before sending; a refund carries Stripe's idempotency key; expiring reservations,
# the arrears refresh and the certificate reminders (one row per reminder) recompute state.
# Re-assessments add an assessment each run, so they are not acks_late.
CELERY_TASK_ACKS_LATE = False

# Time limits: every task 10 minutes unless said otherwise; the long queue's tasks an hour.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=9 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=10 * 60)
LONG_TASK_TIME_LIMIT = env.int("CELERY_LONG_TASK_TIME_LIMIT", default=60 * 60)
CELERY_TASK_ANNOTATIONS = {
    name: {"time_limit": LONG_TASK_TIME_LIMIT, "soft_time_limit": LONG_TASK_TIME_LIMIT - 5 * 60}
    for name, route in CELERY_TASK_ROUTES.items()
    if route["queue"] == "long"
}
# Redis hands an unacknowledged (acks_late) message to another worker after this long: it must
# exceed the longest task's time limit, or a task still running would be started a second time.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * LONG_TASK_TIME_LIMIT)
}
if CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= max(
    LONG_TASK_TIME_LIMIT, CELERY_TASK_TIME_LIMIT
):
    raise ImproperlyConfigured("CELERY_VISIBILITY_TIMEOUT must exceed the longest time limit.")

# ---------------------------------------------------------------- one beat
# django-celery-beat keeps the schedule and each job's last run in the database; a Redis lock
# lets one beat process (of any number started) send jobs (config/beat.py). CELERY_BEAT_SCHEDULE
# stays the source of truth: the leading beat writes it to the database when it takes over.
CELERY_BEAT_SCHEDULER = "config.beat:SingleBeatScheduler"
CELERY_BEAT_SYNC_EVERY = 1  # save a job's last run as soon as it is sent
CELERY_BEAT_MAX_LOOP_INTERVAL = 5
BEAT_LOCK_URL = env("BEAT_LOCK_URL", default=env("CELERY_BROKER_URL", default=""))
BEAT_LOCK_TIMEOUT = env.int("BEAT_LOCK_TIMEOUT", default=30)

QUEUES_BEAT_SCHEDULE = {
    # E-mail left in the outbox by a broker that was down, and failed sends due for a retry.
    "email-outbox-catch-up": {
        "task": "config.tasks.email_outbox_catch_up",
        "schedule": crontab(minute="*"),
    },
}

# ---------------------------------------------------------------- e-mail (SMTP)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)  # implicit TLS, usually port 465
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both.")
EMAIL_OUTBOX_MAX_ATTEMPTS = env.int("EMAIL_OUTBOX_MAX_ATTEMPTS", default=8)
# The beat's catch-up leaves a new message this long to the task queued when it was written.
EMAIL_OUTBOX_CATCH_UP_AFTER = env.int("EMAIL_OUTBOX_CATCH_UP_AFTER", default=60)  # seconds
# A claimed message no worker marked sent within this long may be tried again.
EMAIL_OUTBOX_LEASE = max(300, 4 * EMAIL_TIMEOUT)
