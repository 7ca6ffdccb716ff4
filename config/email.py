"""An e-mail backend that writes every message to the outbox and hands it to a Celery task.

Oscar sends the order confirmation while placing the order, and payments send
"payment received" while recording it; with this backend each message is a
row of ``mailing.OutgoingEmail`` written in that same transaction, and only
after the transaction commits is a task queued to deliver it. A mail server
that is down or slow never fails the order; a broker that is down loses
nothing: the message stays pending and the beat's catch-up task
(``config.tasks.email_outbox_catch_up``) delivers it when the broker is back.
Delivery goes through ``EMAIL_DELIVERY_BACKEND`` (see mailing/services.py).

``email_later`` writes the same kind of row for a message the worker writes itself (the
order confirmation): the request that places an order renders no e-mail templates.
"""

import logging
from collections.abc import Sequence
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from config.tasks import email_send
from mailing.models import OutgoingEmail
from mailing.services import outgoing_email_create, outgoing_email_create_later

logger = logging.getLogger("yixiang.email")


def outgoing_email_queue(outgoing: OutgoingEmail) -> None:
    """Queue the delivery of an outbox row once the transaction that wrote it commits."""

    def queue(pk: int = outgoing.pk, to: str = outgoing.recipients) -> None:
        try:
            email_send.delay(pk)
        except Exception:  # the broker is down: the outbox's catch-up sends it later
            logger.warning("could not queue e-mail %s to %s: left in the outbox", pk, to)

    transaction.on_commit(queue)


def email_later(*, renderer: str, params: dict[str, Any], recipients: str) -> OutgoingEmail:
    """Send a message the worker writes with the renderer named (``mailing.services``), with
    the same outbox guarantee as a message sent through this backend."""
    outgoing = outgoing_email_create_later(renderer=renderer, params=params, recipients=recipients)
    outgoing_email_queue(outgoing)
    return outgoing


class CeleryEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            outgoing_email_queue(outgoing_email_create(message=message))
        return len(email_messages)
