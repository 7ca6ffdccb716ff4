"""What was paid for each order, how, and every refund; Stripe's events, stored once each."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.money import ZERO

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _money(verbose_name: StrOrPromise, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


class OrderPayment(models.Model):
    """How one order is paid, what has arrived and what has gone back."""

    class Method(models.TextChoices):
        STRIPE = "stripe", _("Card, Alipay or WeChat Pay")
        TRANSFER = "transfer", _("Bank transfer")
        PAY_LATER = "pay_later", _("Pay after delivery")

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting payment")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    order = models.OneToOneField(
        "order.Order", on_delete=models.PROTECT, related_name="payment", verbose_name=_("order")
    )
    method = models.CharField(_("payment method"), max_length=16, choices=Method.choices)
    state = models.CharField(
        _("payment state"), max_length=16, choices=State.choices, default=State.PENDING
    )
    amount_due = _money(_("amount due"))
    amount_received = _money(_("amount received"), default=ZERO)
    amount_refunded = _money(_("amount refunded"), default=ZERO)
    stripe_payment_intent = models.CharField(
        _("Stripe PaymentIntent"), max_length=255, unique=True, null=True, blank=True
    )
    # Stock stays allocated to an unpaid order until then; the order is then cancelled.
    hold_until = models.DateTimeField(_("stock held until"), null=True, blank=True)
    # Pay after delivery: the unit's terms, and the date payment falls due once shipped.
    terms_days = models.PositiveIntegerField(_("payment terms (days)"), null=True, blank=True)
    due_on = models.DateField(_("payment due on"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("payment confirmed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("order payment")
        verbose_name_plural = _("order payments")
        # Platform finance's own (common.roles.FINANCE_PERMISSIONS).
        permissions = [
            ("record_transfer", "Can record a bank transfer"),
            ("refund_payment", "Can refund a payment"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_received__gte=0), name="payments_received_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0)
                & Q(amount_refunded__lte=models.F("amount_received")),
                name="payments_refunded_within_received",
            ),
        ]
        indexes = [models.Index(fields=["state", "hold_until"], name="payments_hold_idx")]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.method} {self.state}"

    @property
    def balance_due(self) -> Decimal:
        if self.state == self.State.CANCELLED:
            return ZERO
        return max(self.amount_due - self.amount_received, ZERO)

    @property
    def is_paid(self) -> bool:
        return self.confirmed_at is not None


class BankTransfer(models.Model):
    """A transfer (对公转账) staff saw arrive on the platform's account for an order."""

    order_payment = models.ForeignKey(
        OrderPayment, on_delete=models.PROTECT, related_name="transfers"
    )
    amount = _money(_("amount"))
    received_on = models.DateField(_("received on"))
    bank_reference = models.CharField(_("bank reference"), max_length=64)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("bank transfer")
        verbose_name_plural = _("bank transfers")
        ordering = ["received_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_transfer_positive"),
            models.UniqueConstraint(
                fields=["order_payment", "bank_reference"], name="payments_transfer_reference_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank_reference}: {self.amount}"


class Refund(models.Model):
    """Money going back to the buyer, for whole or part lines."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        SUCCEEDED = "succeeded", _("Refunded")
        FAILED = "failed", _("Failed")

    order_payment = models.ForeignKey(
        OrderPayment, on_delete=models.PROTECT, related_name="refunds"
    )
    amount = _money(_("amount"))
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.REQUESTED
    )
    stripe_refund = models.CharField(
        _("Stripe refund"), max_length=255, unique=True, null=True, blank=True
    )
    failure = models.TextField(_("failure"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_refund_positive"),
        ]

    def __str__(self) -> str:
        return f"refund {self.pk}: {self.amount} {self.state}"

    @property
    def idempotency_key(self) -> str:
        """The same key on every attempt, so Stripe never issues this refund twice."""
        return f"yixiang-refund-{self.pk}"


class RefundLine(models.Model):
    """How much of one order line a refund gives back."""

    refund = models.ForeignKey(Refund, on_delete=models.PROTECT, related_name="lines")
    line = models.ForeignKey("order.Line", on_delete=models.PROTECT, related_name="refund_lines")
    quantity = models.PositiveIntegerField(_("quantity"), default=0)
    amount = _money(_("amount"))

    class Meta:
        verbose_name = _("refund line")
        verbose_name_plural = _("refund lines")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="payments_refund_line_amount"),
            models.UniqueConstraint(fields=["refund", "line"], name="payments_refund_line_once"),
        ]

    def __str__(self) -> str:
        return f"line {self.line_id}: {self.quantity} / {self.amount}"


class PaymentEvent(models.Model):
    """A payment domain event: an order paid in full, or a refund made. Never changed."""

    class Kind(models.TextChoices):
        CONFIRMED = "confirmed", _("Payment confirmed")
        REFUNDED = "refunded", _("Payment refunded")

    order_payment = models.ForeignKey(OrderPayment, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    amount = _money(_("amount"))
    refund = models.OneToOneField(
        Refund, on_delete=models.PROTECT, null=True, blank=True, related_name="event"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        ordering = ["created_at", "pk"]
        constraints = [
            # "Payment confirmed" happens once per order, whatever tries to fire it twice.
            models.UniqueConstraint(
                fields=["order_payment"],
                condition=Q(kind="confirmed"),
                name="payments_confirmed_once_per_order",
            ),
            models.CheckConstraint(
                condition=Q(kind="confirmed", refund__isnull=True)
                | Q(kind="refunded", refund__isnull=False),
                name="payments_event_refund_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class StripeEvent(models.Model):
    """A webhook event from Stripe, stored once by its id whatever the number of deliveries."""

    stripe_id = models.CharField(_("Stripe event id"), max_length=255, unique=True)
    type = models.CharField(_("type"), max_length=128)
    created = models.DateTimeField(_("created at Stripe"))
    payload = models.JSONField(_("payload"))
    outcome = models.CharField(_("outcome"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
        ordering = ["received_at", "pk"]

    def __str__(self) -> str:
        return f"{self.stripe_id} {self.type}"
