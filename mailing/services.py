"""Delivering the e-mail outbox: claim a message, send it once, mark it.

Delivery is at most once per claim: ``outgoing_email_deliver`` takes the row
with a conditional UPDATE (pending, due, not claimed by a live lease), sends
through ``EMAIL_DELIVERY_BACKEND`` and marks it sent. A second worker given
the same message finds it claimed or sent and does nothing. Only a worker that
dies after the SMTP server accepted the message but before marking it can send
it again, once its lease has run out.
"""

import datetime
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.db.models import F, Q
from django.utils import timezone

from .models import OutgoingEmail

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


def message_from_dict(payload: dict[str, Any]) -> EmailMultiAlternatives:
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
    return message


def outgoing_email_create(*, message: EmailMessage) -> OutgoingEmail:
    """Write one message to the outbox (in the caller's transaction)."""
    payload = message_to_dict(message)
    return OutgoingEmail.objects.create(
        subject=str(message.subject)[:998],
        recipients=", ".join(payload["to"] + payload["cc"] + payload["bcc"]),
        payload=payload,
    )


# Messages written by the worker that sends them, by name (``email_renderer``).
Renderer = Callable[..., EmailMessage]
_RENDERERS: dict[str, Renderer] = {}


def email_renderer(name: str) -> Callable[[Renderer], Renderer]:
    """Register a function that writes a message from plain values (ids, a language code).

    A renderer runs in the worker, at delivery, and returns the ``EmailMessage`` to send.
    """

    def register(function: Renderer) -> Renderer:
        _RENDERERS[name] = function
        return function

    return register


def outgoing_email_create_later(
    *, renderer: str, params: dict[str, Any], recipients: str
) -> OutgoingEmail:
    """Write to the outbox (in the caller's transaction) a message the worker will write.

    The row holds the renderer's name and its plain arguments, not the text: a request
    that places an order does not render the confirmation's templates. At delivery the
    text replaces them in the row, so what was sent is what the outbox shows.
    """
    if renderer not in _RENDERERS:
        raise LookupError(f"no e-mail renderer named {renderer!r}")
    return OutgoingEmail.objects.create(
        subject="", recipients=recipients, payload={"render": renderer, "params": params}
    )


def _written(outgoing: OutgoingEmail) -> EmailMessage:
    """The message of an outbox row, written first (and kept in the row) if it waits for that."""
    if "render" not in outgoing.payload:
        return message_from_dict(outgoing.payload)
    message = _RENDERERS[outgoing.payload["render"]](**outgoing.payload["params"])
    OutgoingEmail.objects.filter(pk=outgoing.pk).update(
        subject=str(message.subject)[:998], payload=message_to_dict(message)
    )
    return message


def _retry_delay(attempts: int) -> datetime.timedelta:
    """1, 2, 4, 8 … minutes after each failure, at most an hour."""
    return datetime.timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def outgoing_email_deliver(*, outgoing_email_id: int) -> str:
    """Send one outbox message if it is still pending and due; say what happened.

    Returns ``"sent"``, ``"retry"`` (failed, tried again later), ``"failed"``
    (gave up after ``EMAIL_OUTBOX_MAX_ATTEMPTS``) or ``"skipped"`` (sent
    already, given up, not due yet, or being sent by another worker).
    """
    now = timezone.now()
    claimed = (
        OutgoingEmail.objects.filter(
            pk=outgoing_email_id, status=OutgoingEmail.Status.PENDING, next_attempt_at__lte=now
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(
            claimed_until=now + datetime.timedelta(seconds=settings.EMAIL_OUTBOX_LEASE),
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return "skipped"
    outgoing = OutgoingEmail.objects.get(pk=outgoing_email_id)
    try:
        connection = get_connection(settings.EMAIL_DELIVERY_BACKEND, fail_silently=False)
        connection.send_messages([_written(outgoing)])
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if outgoing.attempts >= settings.EMAIL_OUTBOX_MAX_ATTEMPTS:
            OutgoingEmail.objects.filter(pk=outgoing.pk).update(
                status=OutgoingEmail.Status.FAILED, claimed_until=None, last_error=error
            )
            logger.error(
                "e-mail %s to %s given up after %d attempts: %s",
                outgoing.pk,
                outgoing.recipients,
                outgoing.attempts,
                error,
            )
            return "failed"
        OutgoingEmail.objects.filter(pk=outgoing.pk).update(
            claimed_until=None,
            last_error=error,
            next_attempt_at=timezone.now() + _retry_delay(outgoing.attempts),
        )
        logger.warning(
            "e-mail %s to %s failed (attempt %d), will retry: %s",
            outgoing.pk,
            outgoing.recipients,
            outgoing.attempts,
            error,
        )
        return "retry"
    OutgoingEmail.objects.filter(pk=outgoing.pk).update(
        status=OutgoingEmail.Status.SENT, sent_at=timezone.now(), claimed_until=None, last_error=""
    )
    return "sent"


def outgoing_email_catch_up(
    *, older_than: datetime.timedelta | None = None, limit: int = 200
) -> dict[str, int]:
    """Deliver pending messages whose task never ran (broker down) or whose retry is due (beat).

    A message is left ``older_than`` (``EMAIL_OUTBOX_CATCH_UP_AFTER`` seconds) to the task
    queued when it was written; delivering it here as well would be harmless, only wasted.
    """
    if older_than is None:
        older_than = datetime.timedelta(seconds=settings.EMAIL_OUTBOX_CATCH_UP_AFTER)
    due = list(
        OutgoingEmail.objects.filter(
            status=OutgoingEmail.Status.PENDING,
            next_attempt_at__lte=timezone.now() - older_than,
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    report = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    for pk in due:
        report[outgoing_email_deliver(outgoing_email_id=pk)] += 1
    return report


def outgoing_email_retry(*, ids: list[int] | None = None) -> int:
    """Put given-up messages back in the queue (all of them, or those ``ids``)."""
    failed = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.FAILED)
    if ids is not None:
        failed = failed.filter(pk__in=ids)
    return failed.update(
        status=OutgoingEmail.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
