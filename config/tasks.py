import logging
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

logger = logging.getLogger("yixiang.email")


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def email_send(self: Task, payload: dict[str, Any]) -> None:
    """Deliver one queued message through the real backend; retry on failure."""
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload["from_email"],
        to=payload["to"],
        cc=payload["cc"],
        bcc=payload["bcc"],
        reply_to=payload["reply_to"],
        headers=payload["headers"],
    )
    for content, mimetype in payload["alternatives"]:
        message.attach_alternative(content, mimetype)
    try:
        connection = get_connection(settings.EMAIL_DELIVERY_BACKEND)
        connection.send_messages([message])
    except Exception as exc:
        logger.warning("e-mail to %s failed, will retry: %s", payload["to"], exc)
        raise self.retry(exc=exc) from exc
