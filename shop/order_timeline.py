"""Reads for the buyer's view of an order: its timeline and what a bank transfer needs.

The timeline is 待付款 → 已付款 → 已发货 → 已签收 → 已完成 (a unit paying after
delivery is paid after receipt), each step with the time it was reached, taken
from the payment record, the producers' shipments, Oscar's shipping events and
the order's status changes; refunds and a cancellation are steps of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from shop.payments.models import OrderPayment, Refund

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
    from oscar.apps.order.models import Order

    from producers.models import Shipment

# Oscar shipping event types (by code) that mean the buyer signed for the parcel.
DELIVERED_EVENT_CODES = frozenset({"delivered", "received", "signed"})


@dataclass
class TimelineStep:
    key: str
    label: StrOrPromise
    reached: bool
    at: datetime | None = None
    shipments: list[Shipment] = field(default_factory=list)
    amount: Decimal | None = None
    note: StrOrPromise = ""


@dataclass
class BankTransferDue:
    """What a buyer needs to pay an order by bank transfer (对公转账)."""

    amount: Decimal
    currency: str
    reference: str
    account_name: str
    bank: str
    account_number: str
    hold_until: datetime | None


def _status_change_at(order: Order, status: str) -> datetime | None:
    changes = [c for c in order.status_changes.all() if c.new_status == status]
    return min((c.date_created for c in changes), default=None)


def order_timeline(*, order: Order) -> list[TimelineStep]:
    """The order's steps, in the order the buyer lives them; unreached steps have no time."""
    payment = OrderPayment.objects.filter(order=order).first()
    shipments = list(order.shipments.select_related("producer").order_by("shipped_at", "pk"))
    delivered_events = [
        event
        for event in order.shipping_events.select_related("event_type").order_by("date_created")
        if event.event_type.code in DELIVERED_EVENT_CODES
    ]
    status = order.status
    complete = status == "Complete"

    placed = TimelineStep("placed", _("Order placed"), True, order.date_placed)
    paid_at = payment.confirmed_at if payment is not None else _status_change_at(order, "Paid")
    paid = TimelineStep("paid", _("Paid"), paid_at is not None, paid_at)
    if paid_at is None and payment is not None and payment.is_paid:
        paid.reached = True
    shipped_at = shipments[0].shipped_at if shipments else _status_change_at(order, "Shipped")
    shipped = TimelineStep(
        "shipped",
        _("Shipped"),
        shipped_at is not None or status in ("Shipped", "Complete"),
        shipped_at,
        shipments=shipments,
    )
    delivered_at = delivered_events[0].date_created if delivered_events else None
    delivered = TimelineStep(
        "delivered", _("Delivered"), delivered_at is not None or complete, delivered_at
    )
    completed = TimelineStep(
        "complete", _("Complete"), complete, _status_change_at(order, "Complete")
    )

    pay_later = payment is not None and payment.method == OrderPayment.Method.PAY_LATER
    if pay_later:
        placed.note = _("Pay after delivery")
        steps = [placed, shipped, delivered, paid, completed]
    else:
        steps = [placed, paid, shipped, delivered, completed]

    if payment is not None:
        for refund in payment.refunds.all():
            if refund.state == Refund.State.FAILED:
                continue
            done = refund.state == Refund.State.SUCCEEDED
            steps.append(
                TimelineStep(
                    "refund",
                    _("Refunded") if done else _("Refund requested"),
                    True,
                    refund.completed_at if done else refund.created_at,
                    amount=refund.amount,
                    note=refund.reason,
                )
            )
    if status == "Cancelled":
        cancelled_at = (payment.cancelled_at if payment is not None else None) or (
            _status_change_at(order, "Cancelled")
        )
        steps = [step for step in steps if step.reached]
        steps.append(TimelineStep("cancelled", _("Cancelled"), True, cancelled_at))
    return steps


def order_bank_transfer_due(*, order: Order) -> BankTransferDue | None:
    """The transfer details while an order paid by bank transfer still waits for its money."""
    payment = OrderPayment.objects.filter(order=order).first()
    if (
        payment is None
        or payment.method != OrderPayment.Method.TRANSFER
        or payment.state != OrderPayment.State.PENDING
        or payment.balance_due <= 0
    ):
        return None
    bank = settings.PLATFORM_BANK_ACCOUNT
    return BankTransferDue(
        amount=payment.balance_due,
        currency=order.currency,
        reference=order.number,
        account_name=bank["account_name"],
        bank=bank["bank"],
        account_number=bank["account_number"],
        hold_until=payment.hold_until,
    )
