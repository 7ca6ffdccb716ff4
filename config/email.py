"""An e-mail backend that hands every message to a Celery task.

Oscar sends the order confirmation while placing the order; with this backend
the message is only queued (after the surrounding transaction commits), so a
mail server that is down or slow can never fail an order. The task delivers
through ``EMAIL_DELIVERY_BACKEND`` and retries on failure.
"""

import logging
from collections.abc import Sequence
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from config.tasks import email_send

logger = logging.getLogger("yixiang.email")


def message_to_dict(message: EmailMessage) -> dict[str, Any]:
    alternatives = [
        [alternative[0], alternative[1]] for alternative in getattr(message, "alternatives", [])
    ]
    return {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": alternatives,
    }


class CeleryEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        count = 0
        for message in email_messages:
            payload = message_to_dict(message)

            def queue(payload: dict[str, Any] = payload) -> None:
                try:
                    email_send.delay(payload)
                except Exception:  # the broker is down: log it, never fail the caller
                    logger.exception("could not queue e-mail to %s", payload["to"])

            transaction.on_commit(queue)
            count += 1
        return count
