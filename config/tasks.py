"""The e-mail tasks (queue ``email``). Thin: each calls one service of the outbox."""

import logging
from typing import Any

from celery import shared_task

from mailing.services import outgoing_email_catch_up, outgoing_email_deliver

logger = logging.getLogger("yixiang.email")


# acks_late: delivery claims the outbox row first, so a redelivered task never sends twice.
@shared_task(acks_late=True)
def email_send(outgoing_email_id: int) -> str:
    """Deliver one outbox message (queued when the transaction that wrote it committed)."""
    return outgoing_email_deliver(outgoing_email_id=outgoing_email_id)


@shared_task(acks_late=True)
def email_outbox_catch_up() -> dict[str, Any]:
    """Messages whose task never ran (broker down) or whose retry is due: deliver them (beat)."""
    return outgoing_email_catch_up()
