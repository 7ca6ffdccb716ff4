"""Reads of the units app."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Case, Count, DecimalField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from common.money import ZERO, sum_fen
from impact.targeting.figures import FOLD_BELOW, IN_WARNING
from producers.models import Producer
from shop.payments.models import PaymentEvent

from .models import (
    OrderList,
    UnitOrder,
    UnitPlan,
    WorkUnit,
    WorkUnitMember,
    WorkUnitStep,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from impact.models import Region

# The roles that place orders, and so may choose pay after delivery.
ORDERING_ROLES = (WorkUnitMember.Role.BUYER, WorkUnitMember.Role.ADMINISTRATOR)


def work_unit_for_user(*, user: "User | AnonymousUser") -> WorkUnit | None:
    """The unit the user acts for, whatever its review status; None for anyone else."""
    if not user.is_authenticated:
        return None
    return WorkUnit.objects.filter(members__user=user).first()


def pay_later_terms_for_user(*, user: "User | AnonymousUser") -> int | None:
    """Days to pay after delivery, for a buyer or administrator of an approved unit; else None."""
    if not user.is_authenticated:
        return None
    return (
        WorkUnit.objects.filter(
            status=WorkUnit.Status.APPROVED,
            members__user=user,
            members__role__in=ORDERING_ROLES,
        )
        .values_list("payment_terms_days", flat=True)
        .first()
    )


def work_unit_list(*, status: str | None = None) -> QuerySet[WorkUnit]:
    """Units for the back office: those awaiting review first, then approved, then rejected."""
    units = WorkUnit.objects.all()
    if status:
        units = units.filter(status=status)
    review_order = Case(
        *(
            When(status=value, then=Value(rank))
            for rank, value in enumerate(WorkUnit.Status.values)
        ),
        default=Value(len(WorkUnit.Status.values)),
    )
    return units.order_by(review_order, "name")


def work_unit_members(*, unit: WorkUnit) -> QuerySet[WorkUnitMember]:
    return unit.members.select_related("user").order_by("role", "user__username")


def work_unit_steps(*, unit: WorkUnit) -> QuerySet[WorkUnitStep]:
    return unit.steps.select_related("by")


def work_unit_membership(*, user: "User | AnonymousUser") -> WorkUnitMember | None:
    """The user's membership (unit and role), whatever the unit's status; None for anyone else."""
    if not user.is_authenticated:
        return None
    return WorkUnitMember.objects.select_related("unit__paired_county").filter(user=user).first()


# ---------------------------------------------------------------------- the yearly progress

WARN_FROM_MONTH = 10
WARN_DAYS_LEFT = 90


@dataclass(frozen=True)
class Progress:
    """A unit's purchases in a year against its reserved share, figures to the fen."""

    year: int
    plan: UnitPlan | None
    paid: Decimal  # confirmed payments of the year's orders
    refunded: Decimal  # refunds of those orders
    orders_paid: int
    today: datetime.date

    @property
    def days_left(self) -> int:
        """Days left in the year after today (0 for a past year)."""
        if self.year < self.today.year:
            return 0
        if self.year > self.today.year:
            return (datetime.date(self.year, 12, 31) - datetime.date(self.year - 1, 12, 31)).days
        return (datetime.date(self.year, 12, 31) - self.today).days

    @property
    def purchased(self) -> Decimal:
        return self.paid - self.refunded

    @property
    def reserved(self) -> Decimal | None:
        return self.plan.reserved_amount if self.plan else None

    @property
    def left_to_buy(self) -> Decimal | None:
        if self.reserved is None:
            return None
        return max(self.reserved - self.purchased, ZERO)

    @property
    def percent(self) -> Decimal | None:
        """Purchases as a percentage of the reserved amount, to one decimal (may pass 100)."""
        if self.reserved is None:
            return None
        if self.reserved == ZERO:
            return Decimal("100.0")
        return (self.purchased * 100 / self.reserved).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def bar_percent(self) -> Decimal:
        """The width of the progress bar: the percentage, capped at 100."""
        return min(self.percent or Decimal("0"), Decimal("100"))

    @property
    def reached(self) -> bool:
        return self.reserved is not None and self.purchased >= self.reserved

    @property
    def year_running_out(self) -> bool:
        """From October, or with fewer than 90 days left, while the share is not reached."""
        if self.reserved is None or self.reached or self.year != self.today.year:
            return False
        return self.today.month >= WARN_FROM_MONTH or self.days_left < WARN_DAYS_LEFT


def _year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.datetime(year, 1, 1, tzinfo=zone)
    end = datetime.datetime(year + 1, 1, 1, tzinfo=zone)
    return start, end


def unit_progress(
    *, unit: WorkUnit, year: int | None = None, today: datetime.date | None = None
) -> Progress:
    """The unit's purchases of a year's orders, net of refunds, against its plan.

    Counts what was paid (the payments app's "payment confirmed" events) and
    refunded ("payment refunded" events) for the unit's orders placed in the
    year, in one aggregate query: an unpaid order counts nothing until it is paid.
    """
    today = today or timezone.localdate()
    year = year or today.year
    start, end = _year_bounds(year)
    money = DecimalField(max_digits=14, decimal_places=2)
    events = PaymentEvent.objects.filter(
        order_payment__order__unit_order__unit=unit,
        order_payment__order__date_placed__gte=start,
        order_payment__order__date_placed__lt=end,
    )
    figures = events.aggregate(
        paid=Coalesce(
            Sum("amount", filter=Q(kind=PaymentEvent.Kind.CONFIRMED)),
            Value(ZERO),
            output_field=money,
        ),
        refunded=Coalesce(
            Sum("amount", filter=Q(kind=PaymentEvent.Kind.REFUNDED)),
            Value(ZERO),
            output_field=money,
        ),
        orders_paid=Count("pk", filter=Q(kind=PaymentEvent.Kind.CONFIRMED)),
    )
    return Progress(
        year=year,
        plan=UnitPlan.objects.filter(unit=unit, year=year).first(),
        paid=sum_fen(figures["paid"]),
        refunded=sum_fen(figures["refunded"]),
        orders_paid=figures["orders_paid"],
        today=today,
    )


def unit_plan_due(*, unit: WorkUnit, today: datetime.date | None = None) -> bool:
    """A unit with a canteen files this year's plan by 31 March; True when it has not yet."""
    today = today or timezone.localdate()
    return unit.has_canteen and not UnitPlan.objects.filter(unit=unit, year=today.year).exists()


def unit_plans(*, unit: WorkUnit) -> QuerySet[UnitPlan]:
    return UnitPlan.objects.filter(unit=unit).order_by("-year")


# ---------------------------------------------------------------------- orders and lists


def unit_orders(*, unit: WorkUnit) -> QuerySet[UnitOrder]:
    """The unit's orders, newest first, with their payment, buyer and inspection."""
    return (
        UnitOrder.objects.filter(unit=unit)
        .select_related("order", "order__payment", "placed_by", "inspection")
        .order_by("-order__date_placed", "-pk")
    )


def unit_order_by_number(*, number: str) -> UnitOrder | None:
    return (
        UnitOrder.objects.select_related(
            "order", "order__payment", "unit", "placed_by", "inspection"
        )
        .filter(order__number=number)
        .first()
    )


def unit_order_producers(*, unit_order: UnitOrder) -> list[dict[str, Any]]:
    """The order's producers: whether each has shipped, and the buyer's rating once inspected."""
    order = unit_order.order
    shipped = set(order.shipments.values_list("producer_id", flat=True))
    ratings: dict[int, int] = {}
    inspection = getattr(unit_order, "inspection", None)
    if inspection is not None:
        ratings = dict(inspection.ratings.values_list("producer_id", "rating"))
    producers = (
        Producer.objects.filter(partner__order_lines__order=order).distinct().order_by("name")
    )
    return [
        {
            "producer": producer,
            "shipped": producer.pk in shipped,
            "rating": ratings.get(producer.pk),
        }
        for producer in producers
    ]


def unit_order_lists(*, unit: WorkUnit) -> QuerySet[OrderList]:
    return (
        OrderList.objects.filter(unit=unit)
        .prefetch_related("lines__product")
        .select_related("created_by")
        .order_by("name")
    )


# ---------------------------------------------------------------------- 帮扶: pairing and reach


def in_county(county: "Region | int", prefix: str = "") -> Q:
    """Producers (through ``prefix``) whose region is the county or a township or village in it."""
    county_id = county if isinstance(county, int) else county.pk
    return (
        Q(**{f"{prefix}region_id": county_id})
        | Q(**{f"{prefix}region__parent_id": county_id})
        | Q(**{f"{prefix}region__parent__parent_id": county_id})
    )


def counties_with_producers(*, also: "Region | None" = None) -> QuerySet["Region"]:
    """Counties with a producer on the platform (those a unit may pair with), and ``also``."""
    from impact.models import Region

    county_ids: set[int] = set()
    for ids in Producer.objects.values_list(
        "region_id", "region__parent_id", "region__parent__parent_id"
    ):
        county_ids.update(pk for pk in ids if pk is not None)
    if also is not None:
        county_ids.add(also.pk)
    return Region.objects.filter(level=Region.Level.COUNTY, pk__in=county_ids).order_by(
        "code", "name"
    )


@dataclass(frozen=True)
class PairedPurchases:
    """A unit's purchases in a year from its paired county, against the year's plan for it."""

    county: "Region"
    year: int
    purchased: Decimal  # paid lines from producers in the county, net of their refunds
    planned: Decimal | None  # the year's plan for the county (None: no amount planned)

    @property
    def percent(self) -> Decimal | None:
        if not self.planned:
            return None
        return (self.purchased * 100 / self.planned).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def bar_percent(self) -> Decimal:
        return min(self.percent or Decimal("0"), Decimal("100"))


def unit_paired_purchases(
    *, unit: WorkUnit, year: int, plan: UnitPlan | None = None
) -> PairedPurchases | None:
    """What the unit's paid orders of the year bought from producers in its paired county, net
    of refunds of those lines; None when it has no paired county. Two queries."""
    from oscar.core.loading import get_model

    from shop.payments.models import OrderPayment, Refund, RefundLine

    if unit.paired_county_id is None:
        return None
    Line = get_model("order", "Line")
    start, end = _year_bounds(year)
    lines = Line.objects.filter(
        in_county(unit.paired_county_id, "partner__producer__"),
        order__unit_order__unit=unit,
        order__date_placed__gte=start,
        order__date_placed__lt=end,
        order__payment__confirmed_at__isnull=False,
    ).exclude(order__payment__state=OrderPayment.State.CANCELLED)
    money = DecimalField(max_digits=14, decimal_places=2)
    figures = lines.aggregate(
        bought=Coalesce(Sum("line_price_incl_tax"), Value(ZERO), output_field=money),
    )
    refunded = RefundLine.objects.filter(
        line__in=lines.values("pk"), refund__state=Refund.State.SUCCEEDED
    ).aggregate(total=Coalesce(Sum("amount"), Value(ZERO), output_field=money))["total"]
    return PairedPurchases(
        county=unit.paired_county,  # type: ignore[arg-type]  # not None: checked above
        year=year,
        purchased=sum_fen(figures["bought"]) - sum_fen(refunded),
        planned=plan.paired_amount if plan is not None else None,
    )


@dataclass(frozen=True)
class WarningReach:
    """What a unit's orders of a year made due to households now in warning, and paid out to them.

    From the ledger (应兑付, net of reversals) and the payouts' allocations to those lines
    (已兑付). Counts and amounts only; fewer than ``FOLD_BELOW`` households are folded.
    """

    year: int
    due: Decimal
    due_households: int
    paid_out: Decimal
    paid_out_households: int

    @property
    def due_folded(self) -> bool:
        return self.due_households < FOLD_BELOW

    @property
    def paid_out_folded(self) -> bool:
        return self.paid_out_households < FOLD_BELOW

    @property
    def reaches_anyone(self) -> bool:
        return self.due > ZERO


def unit_warning_reach(*, unit: WorkUnit, year: int) -> WarningReach:
    """The unit's orders placed in ``year``: their ledger entries to households whose current
    level is in warning (net per household, those above zero) and the counting payouts set
    against those lines for those households. Two queries."""
    from impact.ledger.selectors import paid_out_to_lines
    from impact.models import AttributionEntry

    start, end = _year_bounds(year)
    orders = {
        "line__order__unit_order__unit": unit,
        "line__order__date_placed__gte": start,
        "line__order__date_placed__lt": end,
    }
    rows = (
        AttributionEntry.objects.filter(household__status__level__in=IN_WARNING, **orders)
        .values("household_id")
        .annotate(net=Sum("amount"))
        .filter(net__gt=0)
        .values_list("net", flat=True)
        .order_by()
    )
    nets = list(rows)
    paid_out, paid_households = paid_out_to_lines(
        payout__household__status__level__in=IN_WARNING, **orders
    )
    return WarningReach(
        year=year,
        due=sum_fen(sum(nets, ZERO)),
        due_households=len(nets),
        paid_out=paid_out,
        paid_out_households=paid_households,
    )


@dataclass(frozen=True)
class HelpFirstRow:
    """One product of the quick order's help-first list (帮扶优先): its lift per ¥1,000."""

    product: Any
    lift: Any  # impact.targeting.Lift
    price: Decimal | None
    paired: bool  # from the unit's paired county

    @property
    def folded(self) -> bool:
        """Fewer than 5 households in warning: shown as "不足 5 户", never counted out."""
        return self.lift.households_in_warning < FOLD_BELOW


HELP_FIRST_LENGTH = 12


def unit_help_first(
    *, unit: WorkUnit, request: Any = None, length: int = HELP_FIRST_LENGTH
) -> list[HelpFirstRow]:
    """Products on sale ranked by lift per ¥1,000 to households in warning (best first), the
    unit's paired county's first when it has one; those reaching nobody in warning left out.

    A fixed number of queries (the lifts, then the products with what their cards show),
    whatever the length.
    """
    from impact.targeting import products_by_lift
    from shop.selectors import product_card_queryset, product_shop_price

    ranked: list[tuple[int, Any, bool]] = []
    if unit.paired_county_id is not None:
        ranked = [
            (pk, lift, True)
            for pk, lift in products_by_lift(county_id=unit.paired_county_id, limit=length)
        ]
    if len(ranked) < length:
        seen = {pk for pk, _lift, _paired in ranked}
        rest = products_by_lift(limit=length + len(seen))
        ranked += [(pk, lift, False) for pk, lift in rest if pk not in seen]
    ranked = [row for row in ranked if row[1].to_warning > ZERO][:length]
    products = product_card_queryset().filter(pk__in=[pk for pk, _lift, _paired in ranked])
    by_pk = {product.pk: product for product in products if product.upc}
    rows = []
    for pk, lift, paired in ranked:
        product = by_pk.get(pk)
        if product is None:
            continue
        price = product_shop_price(product=product, request=request)
        if price is None:
            continue
        rows.append(HelpFirstRow(product=product, lift=lift, price=price, paired=paired))
    return rows
