"""Paying for an order as staff do when the bank transfer arrives: the whole total at once.

Most tests outside the payments app need an order paid before the ledger, the campaign
counters or the unit's figures can move; this is that step, written once.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from shop.payments.services import order_payment_open, order_transfer_record
from tests.producers.factories import order as make_order


def pay_in_full(order: Any, *, by: AbstractBaseUser | None, reference: str | None = None) -> None:
    """Staff record a transfer of the whole total, received today: the order is paid."""
    order_transfer_record(
        order=order,
        amount=order.total_incl_tax,
        received_on=timezone.localdate(),
        bank_reference=reference or f"T-{order.number}",
        by=by,
    )


def awaiting_transfer(lines: list[tuple[str, int]], **fields: Any) -> Any:
    """An order of demo products (UPC, quantity) waiting for its bank transfer, as checkout leaves it."""
    order = make_order(lines=lines, status="Pending payment", **fields)
    order_payment_open(order=order, method="transfer")
    return order
