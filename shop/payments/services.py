"""Paying and refunding orders. Every state change of a payment happens here.

Each function that changes a payment locks its ``OrderPayment`` row first, so
a webhook, a staff member and a Celery task acting on the same order take
turns. "Payment confirmed" and "payment refunded" are fired from exactly one
function each (``_payment_confirm`` and ``_refund_complete``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import stripe
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from oscar.core.loading import get_model
from oscar.templatetags.currency_filters import currency

from common.money import ZERO, fen, largest_remainder, whole_fen
from shop.partner.exceptions import InsufficientStock

from .models import BankTransfer, OrderPayment, PaymentEvent, Refund, RefundLine, StripeEvent
from .signals import payment_confirmed, payment_refunded, stripe_refund_requested
from .stripe_api import from_fen, stripe_client, to_fen

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from oscar.apps.order.models import Line as LineType
    from oscar.apps.order.models import Order as OrderType
    from oscar.apps.payment.models import Source as SourceModel
    from oscar.apps.payment.models import SourceType as SourceTypeModel

logger = logging.getLogger("yixiang.payments")

Order = get_model("order", "Order")
Line = get_model("order", "Line")
Source = get_model("payment", "Source")
SourceType = get_model("payment", "SourceType")

PAY_LATER_STATUS = "Pay after delivery"
PAID_STATUS = "Paid"
CANCELLED_STATUS = "Cancelled"
SHIPPED_STATUS = "Shipped"
# Order and line statuses that say where the money is. Only this module moves an order or a
# line into one of them, or out of one except forward to shipping (``order_status_change``).
PAYMENT_STATUSES = frozenset({"Pending payment", PAY_LATER_STATUS, PAID_STATUS})
STRIPE_REFUND_EVENTS = frozenset(
    {
        "charge.refunded",
        "charge.refund.updated",
        "refund.created",
        "refund.updated",
        "refund.failed",
    }
)


# ---------------------------------------------------------------- placing


def order_payment_open(
    *, order: OrderType, method: str, terms_days: int | None = None, now: datetime | None = None
) -> OrderPayment:
    """Called as the order is placed: how it will be paid, and how long its stock is held."""
    now = now or timezone.now()
    hold_until = None
    if method == OrderPayment.Method.STRIPE:
        hold_until = now + timedelta(minutes=settings.PAYMENT_HOLD_STRIPE_MINUTES)
    elif method == OrderPayment.Method.TRANSFER:
        hold_until = now + timedelta(days=settings.PAYMENT_HOLD_TRANSFER_DAYS)
    elif method == OrderPayment.Method.PAY_LATER and not terms_days:
        raise ValidationError(_("Pay after delivery needs the unit's payment terms."))
    payment = OrderPayment.objects.create(
        order=order,
        method=method,
        amount_due=order.total_incl_tax,
        hold_until=hold_until,
        terms_days=terms_days if method == OrderPayment.Method.PAY_LATER else None,
    )
    Source.objects.create(
        order=order,
        source_type=_source_type(method),
        currency=order.currency,
        amount_allocated=order.total_incl_tax,
        reference=order.number,
    )
    return payment


def _source_type(method: str) -> SourceTypeModel:
    label = str(OrderPayment.Method(method).label)
    source_type, _created = SourceType.objects.get_or_create(code=method, defaults={"name": label})
    return source_type


def _source(payment: OrderPayment) -> SourceModel | None:
    return Source.objects.filter(order_id=payment.order_id).order_by("pk").first()


def order_payment_locked(payment_id: int) -> OrderPayment:
    """The payment, its row locked until the transaction ends (every change to a payment takes it)."""
    return OrderPayment.objects.select_for_update().select_related("order").get(pk=payment_id)


def _note(order: OrderType, message: str) -> None:
    order.notes.create(note_type="System", message=message)


# ---------------------------------------------------------------- the two domain events


def _payment_confirm(payment: OrderPayment, *, reference: str) -> PaymentEvent | None:
    """The one place where "payment confirmed" fires. ``payment`` is locked by the caller."""
    if payment.confirmed_at is not None:
        return None
    payment.state = OrderPayment.State.PAID
    payment.confirmed_at = timezone.now()
    payment.hold_until = None
    payment.save(update_fields=["state", "confirmed_at", "hold_until"])
    # The partial unique index makes a second confirmation of the order impossible.
    event = PaymentEvent.objects.create(
        order_payment=payment, kind=PaymentEvent.Kind.CONFIRMED, amount=payment.amount_received
    )
    order = payment.order
    if order.status == settings.OSCAR_INITIAL_ORDER_STATUS:
        order.set_status(PAID_STATUS)
    order.lines.filter(status=settings.OSCAR_INITIAL_LINE_STATUS).update(status=PAID_STATUS)
    _note(order, _("Payment confirmed (%(reference)s).") % {"reference": reference})
    logger.info("Order %s: payment confirmed (%s)", order.number, reference)
    payment_confirmed.send(sender=OrderPayment, event=event, order=order)
    return event


def _refund_complete(refund: Refund, *, stripe_refund_id: str | None = None) -> PaymentEvent | None:
    """The one place where "payment refunded" fires. The refund's payment is locked by the caller."""
    if refund.state == Refund.State.SUCCEEDED:
        return None
    payment = refund.order_payment
    refund.state = Refund.State.SUCCEEDED
    refund.completed_at = timezone.now()
    if stripe_refund_id:
        refund.stripe_refund = stripe_refund_id
    refund.save(update_fields=["state", "completed_at", "stripe_refund"])
    payment.amount_refunded += refund.amount
    payment.save(update_fields=["amount_refunded"])
    source = _source(payment)
    if source is not None:
        source.refund(refund.amount, reference=refund.stripe_refund or f"refund-{refund.pk}")
    event = PaymentEvent.objects.create(
        order_payment=payment, kind=PaymentEvent.Kind.REFUNDED, amount=refund.amount, refund=refund
    )
    _note(payment.order, _("Refunded %(amount)s.") % {"amount": currency(refund.amount)})
    logger.info("Order %s: refunded %s", payment.order.number, refund.amount)
    payment_refunded.send(sender=OrderPayment, event=event, order=payment.order, refund=refund)
    return event


# ---------------------------------------------------------------- stock held by unpaid orders


def order_release(payment: OrderPayment, *, note: str) -> bool:
    """Cancel an unpaid order and give its stock back. ``payment`` is locked by the caller."""
    if payment.state != OrderPayment.State.PENDING or payment.amount_received > ZERO:
        return False
    order = payment.order
    for line in order.lines.select_related("stockrecord", "product").order_by("stockrecord_id"):
        if line.num_allocated:
            line.cancel_allocation(line.num_allocated)
    payment.state = OrderPayment.State.CANCELLED
    payment.cancelled_at = timezone.now()
    payment.hold_until = None
    payment.save(update_fields=["state", "cancelled_at", "hold_until"])
    if order.status != CANCELLED_STATUS:
        order.status = CANCELLED_STATUS
        order.save(update_fields=["status"])
    order.lines.filter(status__in=PAYMENT_STATUSES).update(status=CANCELLED_STATUS)
    _note(order, note)
    logger.info("Order %s: cancelled, stock released (%s)", order.number, note)
    return True


def _order_reopen(payment: OrderPayment) -> bool:
    """Allocate a cancelled order's stock again (money arrived after all); False if it is gone."""
    order = payment.order
    lines = list(order.lines.select_related("stockrecord", "product").order_by("stockrecord_id"))
    try:
        with transaction.atomic():
            for line in lines:
                if line.stockrecord and line.product.get_product_class().track_stock:
                    line.stockrecord.allocate(line.quantity)
                    Line.objects.filter(pk=line.pk).update(
                        num_allocated=line.quantity, allocation_cancelled=False
                    )
    except InsufficientStock:
        return False
    payment.state = OrderPayment.State.PENDING
    payment.cancelled_at = None
    payment.save(update_fields=["state", "cancelled_at"])
    order.status = settings.OSCAR_INITIAL_ORDER_STATUS
    order.save(update_fields=["status"])
    order.lines.update(status=settings.OSCAR_INITIAL_LINE_STATUS)
    _note(order, _("Payment arrived after the order was cancelled; the order is open again."))
    return True


def payment_reservations_expire(*, now: datetime | None = None) -> list[str]:
    """Cancel unpaid orders whose hold has run out (beat task). Returns their numbers."""
    now = now or timezone.now()
    expired = list(
        OrderPayment.objects.filter(
            state=OrderPayment.State.PENDING, hold_until__lt=now, amount_received=ZERO
        ).values_list("pk", flat=True)
    )
    cancelled = []
    for payment_id in expired:
        with transaction.atomic():
            payment = order_payment_locked(payment_id)
            if not (
                payment.state == OrderPayment.State.PENDING
                and payment.hold_until
                and payment.hold_until < now
            ):
                continue
            # Stripe may have been paid meanwhile: ask it before cancelling.
            intent_id = (
                payment.stripe_payment_intent
                if payment.method == OrderPayment.Method.STRIPE
                else None
            )
            if intent_id and not _stripe_intent_cancel(payment, intent_id=intent_id):
                continue
            if payment.method == OrderPayment.Method.STRIPE:
                note = _(
                    "Not paid within %(minutes)d minutes: order cancelled and its stock released."
                ) % {"minutes": settings.PAYMENT_HOLD_STRIPE_MINUTES}
            else:
                note = _(
                    "No transfer within %(days)d days: order cancelled and its stock released."
                ) % {"days": settings.PAYMENT_HOLD_TRANSFER_DAYS}
            if order_release(payment, note=note):
                cancelled.append(payment.order.number)
    return cancelled


def _stripe_intent_cancel(payment: OrderPayment, *, intent_id: str) -> bool:
    """Before an expired Stripe order is cancelled, ask Stripe: it may have been paid meanwhile."""
    client = stripe_client()
    intent = client.v1.payment_intents.retrieve(intent_id).to_dict()
    status = intent.get("status")
    if status == "succeeded":
        _stripe_succeeded(payment, intent=intent)
        return False
    if status in ("processing", "requires_capture"):
        return False
    if status != "canceled":
        try:
            client.v1.payment_intents.cancel(intent_id)
        except stripe.InvalidRequestError:
            intent = client.v1.payment_intents.retrieve(intent_id).to_dict()
            if intent.get("status") == "succeeded":
                _stripe_succeeded(payment, intent=intent)
                return False
    return True


# ---------------------------------------------------------------- statuses and shipping


def _status_refusal(*, current: str, new: str, refunded_in_full: bool) -> str | None:
    """Why a status change asked for outside the payments services is refused; None if it may be made.

    Paid states are reached only here (Stripe's webhook, a recorded transfer,
    the unit's settlement): no one sets "Paid", "Pending payment" or "Pay after
    delivery" by hand, nor leaves them except forward to "Shipped" (a paid
    order, or a unit's order that pays after delivery), or to "Cancelled" once
    what was paid has gone back through a refund.
    """
    if new in PAYMENT_STATUSES:
        return _(
            "“%(status)s” is a payment status: it is set only when the payment is"
            " confirmed or recorded, never by hand."
        ) % {"status": new}
    if current not in PAYMENT_STATUSES:
        return None
    if new == SHIPPED_STATUS and current in (PAID_STATUS, PAY_LATER_STATUS):
        return None
    if new == CANCELLED_STATUS and current == PAID_STATUS:
        if refunded_in_full:
            return None
        return _("A paid order is cancelled only once what was paid has been refunded in full.")
    return _(
        "“%(status)s” is a payment status: only the payment (confirmed, recorded or"
        " cancelled) moves it on."
    ) % {"status": current}


def order_status_change(*, order: OrderType, new_status: str, by: User | None) -> None:
    """Staff change an order's status in the dashboard; payment statuses are refused.

    An unpaid order is cancelled through ``order_release`` (its stock goes back and
    its payment is marked cancelled), never by setting the status alone.
    """
    new_status = (new_status or "").strip()
    with transaction.atomic():
        payment = OrderPayment.objects.select_for_update().filter(order=order).first()
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if new_status == locked.status:
            return
        if new_status not in locked.available_statuses():
            raise ValidationError(
                _("“%(new)s” is not a status this order can move to from “%(current)s”.")
                % {"new": new_status, "current": locked.status}
            )
        unpaid = locked.status in ("Pending payment", PAY_LATER_STATUS)
        if unpaid and new_status == CANCELLED_STATUS and payment is not None:
            if locked.shipments.exists():
                raise ValidationError(
                    _("Lines of this order have shipped: it cannot be cancelled.")
                )
            payment.order = locked
            if not order_release(
                payment, note=_("Cancelled by %(user)s.") % {"user": by or _("the platform")}
            ):
                raise ValidationError(
                    _("Money has been received for this order: refund it before cancelling it.")
                )
            order.status = CANCELLED_STATUS
            return
        refunded_in_full = payment is not None and (
            payment.amount_received > ZERO and payment.amount_refunded == payment.amount_received
        )
        refusal = _status_refusal(
            current=locked.status, new=new_status, refunded_in_full=refunded_in_full
        )
        if refusal:
            raise ValidationError(refusal)
        locked.set_status(new_status)
        order.status = locked.status


def order_lines_status_change(
    *, order: OrderType, lines: Iterable[LineType], new_status: str, by: User | None
) -> list[tuple[LineType, str]]:
    """Change the status of some lines of an order (dashboard); payment statuses are refused.

    Every line is checked before any is changed: either all change or none.
    Returns each line with its old status.
    """
    new_status = (new_status or "").strip()
    lines = list(lines)
    if any(line.order_id != order.pk for line in lines):
        raise ValidationError(_("That line is not part of this order."))
    refunded = {
        row["line_id"]: row["amount"] or ZERO
        for row in RefundLine.objects.filter(line__in=lines, refund__state=Refund.State.SUCCEEDED)
        .values("line_id")
        .annotate(amount=Sum("amount"))
    }
    errors = []
    for line in lines:
        if new_status == line.status:
            continue
        if new_status not in line.available_statuses():
            errors.append(
                _("“%(new)s” is not a status line #%(line)d can move to from “%(current)s”.")
                % {"new": new_status, "line": line.pk, "current": line.status}
            )
            continue
        refusal = _status_refusal(
            current=line.status,
            new=new_status,
            refunded_in_full=refunded.get(line.pk, ZERO) >= line.line_price_incl_tax,
        )
        if refusal:
            errors.append(_("Line #%(line)d: %(why)s") % {"line": line.pk, "why": refusal})
    if errors:
        raise ValidationError(errors)
    changed = []
    with transaction.atomic():
        for line in lines:
            old = line.status
            if old != new_status:
                line.set_status(new_status)
                changed.append((line, old))
    return changed


def order_statuses_settable(*, order: OrderType) -> list[str]:
    """The statuses staff may move an order to by hand (what the dashboard offers)."""
    payment = OrderPayment.objects.filter(order=order).first()
    refunded_in_full = payment is not None and (
        payment.amount_received > ZERO and payment.amount_refunded == payment.amount_received
    )
    unpaid = order.status in ("Pending payment", PAY_LATER_STATUS)
    return [
        status
        for status in order.available_statuses()
        if (unpaid and status == CANCELLED_STATUS and payment is not None)
        or _status_refusal(current=order.status, new=status, refunded_in_full=refunded_in_full)
        is None
    ]


def order_shipping_refusal(*, order: OrderType) -> str | None:
    """Why the order cannot be shipped now; None if it can.

    An order paid first (card or transfer) ships once its payment is confirmed;
    a unit's order that pays after delivery ships at once; a cancelled order never.
    """
    payment = OrderPayment.objects.filter(order=order).first()
    if order.status == CANCELLED_STATUS or (
        payment is not None and payment.state == OrderPayment.State.CANCELLED
    ):
        return _("This order is cancelled: it cannot be shipped.")
    if payment is not None and (payment.is_paid or payment.method == OrderPayment.Method.PAY_LATER):
        return None
    return _("This order is not paid: ship it once it is paid.")


def order_shipping_check(*, order: OrderType) -> None:
    """Refuse (ValidationError) to ship an order that is not paid and does not pay after delivery."""
    refusal = order_shipping_refusal(order=order)
    if refusal:
        raise ValidationError(refusal)


def order_payment_event_refuse() -> None:
    """Oscar's dashboard "payment events" are not ours: money is recorded only by this module."""
    raise ValidationError(
        _(
            "Payments are recorded only through the payments pages (a bank transfer, a refund)"
            " or by Stripe; not as an order event."
        )
    )


# ---------------------------------------------------------------- bank transfer and pay after delivery


def _money_clean(value: Decimal | str, *, field: str) -> Decimal:
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValidationError({field: _("Enter an amount in yuan, such as 58.00.")}) from exc
    if not whole_fen(amount):
        raise ValidationError({field: _("Amounts are in yuan to the fen: at most two decimals.")})
    if amount <= ZERO:
        raise ValidationError({field: _("The amount must be more than zero.")})
    return fen(amount)


def order_transfer_record(
    *, order: OrderType, amount: Decimal | str, received_on: date, bank_reference: str, by: User
) -> BankTransfer:
    """Staff saw a transfer arrive: record it; the order is paid once nothing is left due."""
    amount = _money_clean(amount, field="amount")
    reference = (bank_reference or "").strip()
    if not reference:
        raise ValidationError({"bank_reference": _("Enter the bank's reference for the transfer.")})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("A transfer cannot be received in the future.")})
    with transaction.atomic():
        payment = order_payment_locked(order.payment.pk)
        if payment.method not in (OrderPayment.Method.TRANSFER, OrderPayment.Method.PAY_LATER):
            raise ValidationError(_("This order is not paid by bank transfer."))
        if payment.state == OrderPayment.State.CANCELLED:
            raise ValidationError(_("This order is cancelled: no payment can be recorded for it."))
        if payment.is_paid:
            raise ValidationError(_("This order is already paid in full."))
        if amount > payment.balance_due:
            raise ValidationError(
                {
                    "amount": _("%(amount)s is more than the balance due, %(balance)s.")
                    % {"amount": currency(amount), "balance": currency(payment.balance_due)}
                }
            )
        if payment.transfers.filter(bank_reference=reference).exists():
            raise ValidationError(
                {"bank_reference": _("A transfer with this bank reference is already recorded.")}
            )
        transfer = BankTransfer.objects.create(
            order_payment=payment,
            amount=amount,
            received_on=received_on,
            bank_reference=reference,
            recorded_by=by,
        )
        payment.amount_received += amount
        payment.save(update_fields=["amount_received"])
        source = _source(payment)
        if source is not None:
            source.debit(amount, reference=reference)
        if payment.balance_due == ZERO:
            _payment_confirm(payment, reference=reference)
        else:
            _note(
                payment.order,
                _("Transfer of %(amount)s received (%(reference)s); %(balance)s still due.")
                % {
                    "amount": currency(amount),
                    "reference": reference,
                    "balance": currency(payment.balance_due),
                },
            )
    return transfer


def order_shipped_payment_due(*, order: OrderType, shipped_on: date) -> None:
    """Pay after delivery: payment falls due the unit's terms after the first shipment."""
    payment = OrderPayment.objects.filter(
        order=order, method=OrderPayment.Method.PAY_LATER, due_on__isnull=True
    ).first()
    if payment is None or payment.terms_days is None:
        return
    payment.due_on = shipped_on + timedelta(days=payment.terms_days)
    payment.save(update_fields=["due_on"])


def order_paid_email(*, order: OrderType) -> None:
    """Tell the buyer their payment arrived (queued through Celery by the e-mail backend)."""
    address = order.email
    if not address:
        return
    payment = OrderPayment.objects.get(order=order)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Payment received for order %(number)s") % {"number": order.number}
        body = render_to_string(
            "payments/email/payment_confirmed.txt", {"order": order, "payment": payment}
        )
    send_mail(subject, body, settings.OSCAR_FROM_EMAIL, [address])


# ---------------------------------------------------------------- refunds


@dataclass(frozen=True)
class RefundLineRequest:
    line_id: int
    quantity: int = 0
    amount: Decimal | None = None  # None: the price of ``quantity`` units


def _refunded_by_line(payment: OrderPayment) -> dict[int, tuple[int, Decimal]]:
    rows = (
        RefundLine.objects.filter(refund__order_payment=payment)
        .exclude(refund__state=Refund.State.FAILED)
        .values("line_id")
        .annotate(quantity=Sum("quantity"), amount=Sum("amount"))
    )
    return {row["line_id"]: (row["quantity"] or 0, row["amount"] or ZERO) for row in rows}


def _refund_outstanding(payment: OrderPayment) -> Decimal:
    return (
        payment.refunds.filter(state=Refund.State.REQUESTED).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )


def order_refund_request(
    *, order: OrderType, lines: Sequence[RefundLineRequest], reason: str, by: User
) -> Refund:
    """Give back whole or part lines. Through Stripe for card payments, recorded otherwise."""
    with transaction.atomic():
        payment = order_payment_locked(order.payment.pk)
        if payment.amount_received <= ZERO:
            raise ValidationError(
                _("Nothing has been paid for this order, so nothing can be refunded.")
            )
        order_lines = {line.pk: line for line in payment.order.lines.all()}
        already = _refunded_by_line(payment)
        parts: list[tuple[LineType, int, Decimal]] = []
        for request in lines:
            if request.quantity == 0 and not request.amount:
                continue
            line = order_lines.get(request.line_id)
            if line is None:
                raise ValidationError(_("That line is not part of this order."))
            refunded_quantity, refunded_amount = already.get(line.pk, (0, ZERO))
            left_quantity = line.quantity - refunded_quantity
            left_amount = line.line_price_incl_tax - refunded_amount
            if request.quantity < 0 or request.quantity > left_quantity:
                raise ValidationError(
                    _("“%(title)s”: at most %(left)d more can be refunded.")
                    % {"title": line.title, "left": left_quantity}
                )
            if request.amount is None:
                if request.quantity == left_quantity:
                    amount = left_amount
                else:
                    unit = line.line_price_incl_tax / line.quantity
                    amount = fen(unit * request.quantity)
            else:
                amount = _money_clean(request.amount, field="amount")
            if amount > left_amount:
                raise ValidationError(
                    _("“%(title)s”: at most %(left)s more can be refunded.")
                    % {"title": line.title, "left": currency(left_amount)}
                )
            if amount > ZERO:
                parts.append((line, request.quantity, amount))
        if not parts:
            raise ValidationError(_("Choose the lines and quantities to refund."))
        total = sum((amount for _line, _q, amount in parts), ZERO)
        refundable = (
            payment.amount_received - payment.amount_refunded - _refund_outstanding(payment)
        )
        if total > refundable:
            raise ValidationError(
                _("You cannot refund more than was paid: at most %(max)s.")
                % {"max": currency(refundable)}
            )
        refund = Refund.objects.create(
            order_payment=payment,
            amount=total,
            reason=(reason or "").strip()[:255],
            requested_by=by,
        )
        RefundLine.objects.bulk_create(
            RefundLine(refund=refund, line=line, quantity=quantity, amount=amount)
            for line, quantity, amount in parts
        )
        if payment.method == OrderPayment.Method.STRIPE:
            _stripe_refund_request(refund)
        else:
            # Money paid by transfer goes back by transfer: staff record that they sent it.
            _refund_complete(refund)
    return refund


def _stripe_refund_request(refund: Refund) -> None:
    """The one place where "Stripe refund requested" fires: the receiver queues ``refund_issue``."""
    stripe_refund_requested.send(sender=Refund, refund=refund)


def refund_issue(*, refund_id: int) -> str:
    """Issue a requested refund at Stripe (Celery task body); safe to run any number of times."""
    refund = Refund.objects.select_related("order_payment").get(pk=refund_id)
    if refund.state != Refund.State.REQUESTED:
        return refund.state
    payment = refund.order_payment
    intent_id = payment.stripe_payment_intent
    # Only a Stripe payment's refund is issued here, and Stripe's money came through its intent.
    assert intent_id is not None, f"refund {refund.pk}: the payment has no PaymentIntent"
    client = stripe_client()
    # A refund made by an earlier attempt that died before recording it is found, not made again;
    # the idempotency key covers the same case at Stripe's end.
    found = _stripe_refund_for(client, intent_id, refund.pk)
    if found is None:
        try:
            found = client.v1.refunds.create(
                params={
                    "payment_intent": intent_id,
                    "amount": to_fen(refund.amount),
                    "metadata": {"yixiang_refund": str(refund.pk), "order": payment.order.number},
                },
                options={"idempotency_key": refund.idempotency_key},
            ).to_dict()
        except stripe.InvalidRequestError as exc:
            with transaction.atomic():
                order_payment_locked(payment.pk)
                Refund.objects.filter(pk=refund.pk, state=Refund.State.REQUESTED).update(
                    state=Refund.State.FAILED, failure=str(exc.user_message or exc)[:1000]
                )
            logger.error(
                "Order %s: Stripe refused refund %s: %s", payment.order.number, refund.pk, exc
            )
            return Refund.State.FAILED
    with transaction.atomic():
        order_payment_locked(payment.pk)
        refund = (
            Refund.objects.select_for_update()
            .select_related("order_payment__order")
            .get(pk=refund_id)
        )
        _stripe_refund_apply(refund, found)
    return refund.state


def _stripe_refund_for(
    client: stripe.StripeClient, intent_id: str, refund_id: int
) -> dict[str, Any] | None:
    listed = client.v1.refunds.list(params={"payment_intent": intent_id, "limit": 100}).to_dict()
    for item in listed.get("data", []):
        if (item.get("metadata") or {}).get("yixiang_refund") == str(refund_id):
            return item
    return None


def _stripe_refund_apply(refund: Refund, stripe_refund: dict[str, Any]) -> None:
    """Bring our refund to the state Stripe gives it. The payment is locked by the caller."""
    status = stripe_refund.get("status")
    if refund.stripe_refund != stripe_refund["id"] and refund.stripe_refund is None:
        refund.stripe_refund = stripe_refund["id"]
        refund.save(update_fields=["stripe_refund"])
    if status == "succeeded":
        _refund_complete(refund, stripe_refund_id=stripe_refund["id"])
    elif status in ("failed", "canceled") and refund.state == Refund.State.REQUESTED:
        refund.state = Refund.State.FAILED
        refund.failure = stripe_refund.get("failure_reason") or status
        refund.save(update_fields=["state", "failure"])


def _lines_share(
    lines: Iterable[LineType], amount: Decimal, already: dict[int, tuple[int, Decimal]]
) -> list[tuple[LineType, Decimal]]:
    """Spread an amount over lines in proportion to what is left of each, by largest remainder."""
    lefts = [
        (line, line.line_price_incl_tax - already.get(line.pk, (0, ZERO))[1]) for line in lines
    ]
    lefts = [(line, left) for line, left in lefts if left > ZERO]
    total_left = sum((left for _line, left in lefts), ZERO)
    if total_left <= ZERO:
        return []
    shares = largest_remainder([left for _line, left in lefts], min(amount, total_left))
    return [(line, share) for (line, _left), share in zip(lefts, shares, strict=True)]


def _stripe_refund_seen(payment: OrderPayment, stripe_refund: dict[str, Any]) -> None:
    """A refund Stripe has: ours (by id or metadata) is brought up to date, any other recorded."""
    refund = Refund.objects.filter(stripe_refund=stripe_refund["id"]).first()
    if refund is None:
        ours = (stripe_refund.get("metadata") or {}).get("yixiang_refund")
        if ours and ours.isdigit():
            refund = Refund.objects.filter(pk=int(ours), order_payment=payment).first()
    if refund is None:
        if stripe_refund.get("status") != "succeeded":
            return
        # Made outside the platform (in Stripe's dashboard): recorded against the lines in proportion.
        amount = from_fen(stripe_refund["amount"])
        refund = Refund.objects.create(
            order_payment=payment,
            amount=amount,
            reason=_("Refunded in Stripe"),
            stripe_refund=stripe_refund["id"],
        )
        shares = _lines_share(
            payment.order.lines.order_by("pk"), amount, _refunded_by_line(payment)
        )
        RefundLine.objects.bulk_create(
            RefundLine(refund=refund, line=line, quantity=0, amount=share)
            for line, share in shares
            if share > ZERO
        )
    refund = (
        Refund.objects.select_for_update().select_related("order_payment__order").get(pk=refund.pk)
    )
    refund.order_payment = payment
    _stripe_refund_apply(refund, stripe_refund)


# ---------------------------------------------------------------- Stripe


def order_stripe_intent(*, order: OrderType) -> dict[str, Any]:
    """The PaymentIntent the buyer pays on the Stripe page; made once per order."""
    client = stripe_client()
    with transaction.atomic():
        payment = order_payment_locked(order.payment.pk)
        if payment.method != OrderPayment.Method.STRIPE:
            raise ValidationError(_("This order is not paid by card, Alipay or WeChat Pay."))
        if payment.stripe_payment_intent:
            return client.v1.payment_intents.retrieve(payment.stripe_payment_intent).to_dict()
        params: dict[str, Any] = {
            "amount": to_fen(payment.amount_due),
            "currency": "cny",
            "payment_method_types": list(settings.STRIPE_PAYMENT_METHOD_TYPES),
            "metadata": {"order_number": payment.order.number},
        }
        if "wechat_pay" in params["payment_method_types"]:
            params["payment_method_options"] = {"wechat_pay": {"client": "web"}}
        intent = client.v1.payment_intents.create(
            # stripe-python 16 types only the newer allowed_payment_method_types; Stripe and
            # localstripe take payment_method_types.
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": f"yixiang-order-{payment.order.number}"},
        ).to_dict()
        payment.stripe_payment_intent = intent["id"]
        payment.save(update_fields=["stripe_payment_intent"])
    return intent


def stripe_event_record(*, event: dict[str, Any]) -> str:
    """Store a verified Stripe event once by its id and act on it, all in one transaction.

    A second delivery of the same event finds the id taken and does nothing; if
    acting on it fails, nothing is stored and the caller answers 500 so Stripe
    sends it again.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = StripeEvent.objects.create(
                    stripe_id=event["id"],
                    type=event.get("type", ""),
                    created=datetime.fromtimestamp(int(event.get("created", 0)), tz=UTC),
                    payload=event,
                )
        except IntegrityError:
            return "duplicate"
        outcome = _stripe_event_process(event)
        record.outcome = outcome
        record.save(update_fields=["outcome"])
    return outcome


def _payment_for_intent(intent: dict[str, Any]) -> OrderPayment | None:
    payment = (
        OrderPayment.objects.select_for_update()
        .select_related("order")
        .filter(stripe_payment_intent=intent["id"])
        .first()
    )
    if payment is None:
        number = (intent.get("metadata") or {}).get("order_number")
        if number:
            payment = (
                OrderPayment.objects.select_for_update()
                .select_related("order")
                .filter(
                    order__number=number,
                    method=OrderPayment.Method.STRIPE,
                    stripe_payment_intent__isnull=True,
                )
                .first()
            )
            if payment is not None:
                payment.stripe_payment_intent = intent["id"]
                payment.save(update_fields=["stripe_payment_intent"])
    return payment


def _stripe_event_process(event: dict[str, Any]) -> str:
    kind = event.get("type", "")
    obj = (event.get("data") or {}).get("object") or {}
    if kind.startswith("payment_intent."):
        payment = _payment_for_intent(obj)
        if payment is None:
            logger.warning(
                "Stripe event %s: PaymentIntent %s is no order of ours", event["id"], obj.get("id")
            )
            return "unknown payment intent"
        if kind == "payment_intent.succeeded":
            return _stripe_succeeded(payment, intent=obj)
        if kind in ("payment_intent.payment_failed", "payment_intent.canceled"):
            return _stripe_failed(payment, kind=kind)
        return "ignored"
    if kind in STRIPE_REFUND_EVENTS:
        intent_id: str | None = obj.get("payment_intent")
        payment = _payment_for_intent({"id": intent_id}) if intent_id else None
        if intent_id is None or payment is None:
            logger.warning("Stripe event %s: no order for PaymentIntent %s", event["id"], intent_id)
            return "unknown payment intent"
        return _stripe_reconcile(payment, intent_id=intent_id)
    return "ignored"


def _stripe_succeeded(payment: OrderPayment, *, intent: dict[str, Any]) -> str:
    if payment.is_paid:
        return "already paid"
    received = from_fen(int(intent.get("amount_received") or intent["amount"]))
    if payment.state == OrderPayment.State.CANCELLED and not _order_reopen(payment):
        # Paid after the hold ran out and the stock went to someone else: the money goes back.
        payment.amount_received = received
        payment.save(update_fields=["amount_received"])
        refund = Refund.objects.create(
            order_payment=payment,
            amount=received,
            reason=_("Paid after the order was cancelled and its stock sold"),
        )
        _stripe_refund_request(refund)
        _note(payment.order, _("Paid after cancellation with the stock gone: refunding in full."))
        return "paid after cancellation: refunding"
    payment.amount_received = received
    payment.save(update_fields=["amount_received"])
    if received != payment.amount_due:
        logger.error(
            "Order %s: Stripe received %s, %s was due",
            payment.order.number,
            received,
            payment.amount_due,
        )
    _payment_confirm(payment, reference=intent["id"])
    return "paid"


def _stripe_failed(payment: OrderPayment, *, kind: str) -> str:
    if payment.is_paid or payment.state != OrderPayment.State.PENDING:
        return "ignored"
    if kind == "payment_intent.canceled":
        note = _("The payment was cancelled: order cancelled and its stock released.")
    else:
        note = _("The payment failed: order cancelled and its stock released.")
    order_release(payment, note=note)
    return "released"


def _stripe_reconcile(payment: OrderPayment, *, intent_id: str) -> str:
    """Bring the order to the state Stripe has, whatever order the events came in."""
    client = stripe_client()
    intent = client.v1.payment_intents.retrieve(intent_id).to_dict()
    outcome = "reconciled"
    if intent.get("status") == "succeeded" and not payment.is_paid:
        outcome = _stripe_succeeded(payment, intent=intent)
    listed = client.v1.refunds.list(params={"payment_intent": intent["id"], "limit": 100}).to_dict()
    for item in sorted(listed.get("data", []), key=lambda r: (r.get("created", 0), r["id"])):
        _stripe_refund_seen(payment, item)
    return outcome
