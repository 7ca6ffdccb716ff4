"""The Celery application, wired as cookiecutter-django does it."""

import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("yixiang")
# All Celery settings live in Django settings under the CELERY_ namespace.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Tasks carry the request id of the request that queued them (signals in config/request_id.py).
import config.request_id  # noqa: E402, F401


@setup_logging.connect
def _logging_from_django(loglevel: int | None = None, **kwargs: object) -> None:
    """Workers log through Django's LOGGING (whose handlers mask ID numbers), not Celery's own."""
    from logging import getLogger
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
    if loglevel:
        getLogger("celery").setLevel(loglevel)
