"""Background work of the producers app. Thin: each task calls one service, and is safe to retry."""

from celery import shared_task
from django.utils import timezone

from .certification import certificates_remind_and_expire


@shared_task(acks_late=True)
def producers_certificates_daily() -> dict:
    """Remind producers of certificates running out, and tell them of products gone off sale (Celery beat, daily)."""
    return certificates_remind_and_expire(today=timezone.localdate())
