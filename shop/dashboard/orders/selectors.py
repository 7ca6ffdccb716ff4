"""Reads for the dashboard's order pages: a partner user sees only its own lines."""

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery, Sum
from oscar.core.loading import get_model

from common.money import ZERO, fen, sum_fen
from producers.models import Producer, Shipment
from shop.payments.models import Refund, RefundLine

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from oscar.apps.order.models import Order

Line = get_model("order", "Line")

# Orders that are not (or no longer) sales: awaiting payment, or cancelled.
UNSOLD_ORDER_STATUSES = ("Pending payment", "Cancelled")


def order_lines_for_user(*, user: "User", order: "Order") -> QuerySet[Any]:
    """Staff see every line of an order; a partner user only its partners' lines."""
    lines = order.lines.select_related("partner", "product")
    if user.is_staff:
        return lines.all()
    return lines.filter(partner__users=user)


def order_notes_for_user(*, user: "User", order: "Order") -> QuerySet[Any]:
    """Staff see every note; a partner user the platform's notes and its own partners' notes."""
    notes = order.notes.select_related("user")
    if user.is_staff:
        return notes.all()
    return notes.filter(Q(user__is_staff=True) | Q(user__partners__users=user)).distinct()


def order_shipments_for_user(*, user: "User", order: "Order") -> QuerySet[Shipment]:
    shipments = Shipment.objects.filter(order=order).select_related("producer", "by")
    if user.is_staff:
        return shipments
    return shipments.filter(producer__partner__users=user)


def order_producer_for_user(*, user: "User", order: "Order") -> Producer | None:
    """The approved producer, among the user's, whose lines are in the order."""
    return (
        Producer.objects.filter(
            partner__users=user,
            partner__in=order.lines.values("partner"),
            status=Producer.Status.APPROVED,
        )
        .order_by("pk")
        .first()
    )


def orders_with_partner_totals(*, user: "User", orders: QuerySet[Any]) -> QuerySet[Any]:
    """Orders annotated with the total and the number of items of the user's own lines."""
    own = Line.objects.filter(order=OuterRef("pk"), partner__users=user).order_by().values("order")
    return orders.annotate(
        partner_total=Subquery(own.annotate(total=Sum("line_price_incl_tax")).values("total")),
        partner_items=Subquery(own.annotate(items=Sum("quantity")).values("items")),
    )


@dataclass(frozen=True)
class SalesFigures:
    order_count: int
    units: int
    total: Decimal  # ordered (not awaiting payment, not cancelled), gross of refunds
    by_product: list[dict[str, Any]]
    paid_net: Decimal = ZERO  # paid, net of refunds: the basis of the impact pages


def partner_sales(*, user: "User") -> SalesFigures:
    """Order count, units and sales total of the user's partners' lines, by product.

    Staff see every partner's. Two bases: ordered (orders awaiting payment and
    cancelled ones are not sales; refunds not taken off) and paid, net of
    refunds (``paid_net``: the basis of the impact pages). Amounts are the
    lines' prices including tax, after discounts.
    """
    lines = Line.objects.exclude(order__status__in=UNSOLD_ORDER_STATUSES)
    if not user.is_staff:
        lines = lines.filter(partner__users=user)
    totals = lines.aggregate(
        order_count=Count("order", distinct=True),
        units=Sum("quantity"),
        total=Sum("line_price_incl_tax"),
    )
    by_product = list(
        lines.values("partner_id", "partner_name", "product_id")
        .annotate(
            title=Max("title"),
            upc=Max("upc"),
            order_count=Count("order", distinct=True),
            units=Sum("quantity"),
            total=Sum("line_price_incl_tax"),
        )
        .order_by("partner_name", "-total", "title")
    )
    # Paid, net of refunds: the lines of orders whose payment is confirmed, less what was
    # refunded on them (the basis of the impact pages' sales).
    paid = Line.objects.filter(order__payment__confirmed_at__isnull=False)
    refunded = RefundLine.objects.filter(
        line__order__payment__confirmed_at__isnull=False, refund__state=Refund.State.SUCCEEDED
    )
    if not user.is_staff:
        paid = paid.filter(partner__users=user)
        refunded = refunded.filter(line__partner__users=user)
    paid_product = {
        (row["partner_id"], row["product_id"]): sum_fen(row["total"])
        for row in paid.values("partner_id", "product_id").annotate(
            total=Sum("line_price_incl_tax")
        )
    }
    for row in refunded.values("line__partner_id", "line__product_id").annotate(
        total=Sum("amount")
    ):
        key = (row["line__partner_id"], row["line__product_id"])
        paid_product[key] = paid_product.get(key, ZERO) - sum_fen(row["total"])
    for row in by_product:
        row["paid_net"] = fen(paid_product.get((row["partner_id"], row["product_id"]), ZERO))
    return SalesFigures(
        order_count=totals["order_count"],
        units=totals["units"] or 0,
        total=totals["total"] or ZERO,
        by_product=by_product,
        paid_net=fen(sum(paid_product.values(), ZERO)),
    )
