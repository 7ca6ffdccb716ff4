"""The order confirmation, written by the e-mail worker rather than in the request placing it.

Oscar renders the confirmation's two templates (text and HTML, with the impact
receipt and the bank-transfer details) inside the "place order" request: about
half its CPU. The checkout writes an outbox row naming this renderer instead
(``config.email.email_later``), in the order's own request, and the worker that
delivers the row writes the message here, in the buyer's language, through
Oscar's own dispatcher, so the customer's e-mail record and the order's
communication event are kept as Oscar keeps them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse
from django.utils import translation
from oscar.core.loading import get_class, get_model

from mailing.services import email_renderer

Order = get_model("order", "Order")
OrderDispatcher = get_class("order.utils", "OrderDispatcher")

logger = logging.getLogger("oscar.checkout")

ORDER_PLACED = "order_placed"


class _Kept(BaseEmailBackend):
    """A mail connection that keeps what Oscar's dispatcher sends, for the outbox to send."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.messages: list[EmailMessage] = []

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.messages.extend(email_messages)
        return len(email_messages)


def order_status_path(order: Any) -> str:
    """Where the buyer follows the order: their account's order page, or the guest link."""
    if order.user_id is not None:
        return reverse("customer:order", kwargs={"order_number": order.number})
    return reverse(
        "customer:anon-order",
        kwargs={"order_number": order.number, "hash": order.verification_hash()},
    )


def order_placed_recipient(order: Any) -> str:
    """The address Oscar's dispatcher would write to ("" when a user has none)."""
    if order.is_anonymous:
        return order.guest_email or ""
    return order.user.email or ""


@email_renderer(ORDER_PLACED)
def order_placed_message(*, order_id: int, language: str) -> EmailMessage:
    """Oscar's ORDER_PLACED message for an order, in ``language`` (the buyer's, when placed)."""
    order = Order.objects.select_related("user", "shipping_address").get(pk=order_id)
    kept = _Kept()
    with translation.override(language):
        context = {
            "user": order.user or AnonymousUser(),
            "order": order,
            "lines": order.lines.all(),
            "status_path": order_status_path(order),
        }
        OrderDispatcher(logger=logger, mail_connection=kept).send_order_placed_email_for_user(
            order, context
        )
    if len(kept.messages) != 1:
        raise RuntimeError(f"order {order.number}: {len(kept.messages)} confirmations written")
    return kept.messages[0]
