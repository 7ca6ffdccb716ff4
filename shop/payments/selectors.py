"""Reads for payments: which methods a buyer may use, and what staff must chase."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import F, QuerySet
from django.utils import timezone

from shop.units.selectors import pay_later_terms_for_user

from .models import OrderPayment
from .stripe_api import stripe_enabled

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


@dataclass(frozen=True)
class MethodOffer:
    method: str
    terms_days: int | None = None

    @property
    def label(self) -> str:
        return str(OrderPayment.Method(self.method).label)


def payment_methods_for(*, user: User | AnonymousUser) -> list[MethodOffer]:
    """Stripe only with keys; bank transfer always; pay after delivery for approved units' buyers."""
    offers = []
    if stripe_enabled():
        offers.append(MethodOffer(OrderPayment.Method.STRIPE))
    offers.append(MethodOffer(OrderPayment.Method.TRANSFER))
    terms = pay_later_terms_for_user(user=user)
    if terms:
        offers.append(MethodOffer(OrderPayment.Method.PAY_LATER, terms_days=terms))
    return offers


def _payments() -> QuerySet[OrderPayment]:
    return OrderPayment.objects.select_related("order", "order__user").order_by("-created_at")


def payments_awaiting_transfer() -> QuerySet[OrderPayment]:
    """Transfer orders placed and not yet paid in full."""
    return _payments().filter(method=OrderPayment.Method.TRANSFER, state=OrderPayment.State.PENDING)


def payments_pay_later_outstanding(*, today: date | None = None) -> QuerySet[OrderPayment]:
    """Pay-after-delivery orders not yet paid; ``overdue`` marks those past their due date."""
    today = today or timezone.localdate()
    return (
        _payments()
        .filter(method=OrderPayment.Method.PAY_LATER, state=OrderPayment.State.PENDING)
        .order_by(F("due_on").asc(nulls_last=True), "pk")
    )


def payments_overdue(*, today: date | None = None) -> QuerySet[OrderPayment]:
    today = today or timezone.localdate()
    return payments_pay_later_outstanding().filter(due_on__lt=today)
