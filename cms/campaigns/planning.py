"""Planning a campaign by its lift (issue #21): the plan view, and what the stream's payouts did.

Every figure here but the paid-out amounts is a projection (预计 / 测算) from
``impact.targeting``: what the campaign's products' current benefit links would
pay households now in warning if the sales were made and paid out, by the pure
split and rules. Aggregates only: a group of fewer than ``FOLD_BELOW`` households
is folded ("不足 5 户"), never a household's name, code or ID number.

``campaign`` is a campaign page (``cms.CampaignPage``), annotated as Wagtail's ``Page``.
The number of queries does not depend on the number of products or households.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import OuterRef, Subquery, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Page

from common.money import ZERO, largest_remainder, sum_fen
from common.roles import is_platform_operations
from impact.ledger.selectors import counting_allocations
from impact.models import Assessment, Household, HouseholdStatus, PayoutAllocation, Threshold
from impact.monitoring import rules
from impact.targeting import (
    FOLD_BELOW,
    IN_WARNING,
    Lift,
    Projection,
    gap_to_line,
    lifts,
    project_amounts,
    project_sales,
)

from .models import CampaignProduct
from .services import campaign_can_run

#: The largest sales target the plan takes (¥100 million): more is a typing slip.
TARGET_MAX = Decimal("100000000.00")


def campaign_can_plan(*, campaign: Page, user: User | AnonymousUser) -> bool:
    """Who may plan a campaign: whoever may run it (its cadre, staff), and platform operations."""
    return campaign_can_run(campaign=campaign, user=user) or is_platform_operations(user)


def lift_sort_key(lift: Lift | None) -> tuple[int, Decimal, int]:
    """Best lift first: what ¥1,000 pays households in warning, then how many it takes over."""
    if lift is None:
        return (1, ZERO, 0)
    return (0, -lift.to_warning, -lift.crossing)


# ---------------------------------------------------------------------- the campaign's products


@dataclass(frozen=True)
class PlanProduct:
    product_id: int
    title: str
    upc: str
    lift: Lift | None  # None: no figure yet (not on sale, or no benefit link in force)


def campaign_plan_products(*, campaign: Page) -> list[PlanProduct]:
    """The campaign's featured products, best lift per ¥1,000 first; two queries."""
    seen: set[int] = set()
    items = []
    for item in (
        CampaignProduct.objects.filter(page=campaign)
        .select_related("product")
        .order_by("sort_order", "pk")
    ):
        if item.product_id not in seen:
            seen.add(item.product_id)
            items.append(item)
    figures = lifts(scope="product", ids=list(seen))
    products = [
        PlanProduct(
            product_id=item.product_id,
            title=item.product.get_title(),
            upc=item.product.upc or "",
            lift=figures.get(item.product_id),
        )
        for item in items
    ]
    products.sort(key=lambda product: lift_sort_key(product.lift))
    return products


# ---------------------------------------------------------------------- the plan


class Spread:
    """How the part of the target not given per product is spread over the others."""

    LIFT = "lift"
    EVEN = "even"
    NONE = "none"  # every product's amount was given


@dataclass(frozen=True)
class PlanLine:
    product: PlanProduct
    amount: Decimal
    given: bool  # typed by the host, not spread


@dataclass(frozen=True)
class Plan:
    target: Decimal
    lines: list[PlanLine]
    spread: str
    projection: Projection


def plan_spread(
    *, target: Decimal, products: list[PlanProduct], given: Mapping[int, Decimal]
) -> tuple[list[PlanLine], str]:
    """The target over the products: the given amounts as typed, the rest spread to the fen.

    The rest goes to the products without a given amount in proportion to their lift
    (what ¥1,000 of each pays households now in warning); evenly when none of them has
    any. The amounts add up to the target exactly. Pure.
    """
    rest = target - sum(given.values(), ZERO)
    free = [product for product in products if product.product_id not in given]
    spread = Spread.NONE
    shares: dict[int, Decimal] = {}
    if free:
        weights = [product.lift.to_warning if product.lift else ZERO for product in free]
        spread = Spread.LIFT
        if sum(weights, ZERO) <= 0:
            weights = [Decimal(1)] * len(free)
            spread = Spread.EVEN
        for product, share in zip(free, largest_remainder(weights, rest), strict=True):
            shares[product.product_id] = share
    lines = [
        PlanLine(
            product=product,
            amount=given.get(product.product_id, shares.get(product.product_id, ZERO)),
            given=product.product_id in given,
        )
        for product in products
    ]
    return lines, spread


def campaign_plan(
    *, products: list[PlanProduct], target: Decimal, given: Mapping[int, Decimal]
) -> Plan:
    """The plan for a sales target: the amounts by product, and what they would do (预计)."""
    lines, spread = plan_spread(target=target, products=products, given=given)
    projection = project_amounts(
        amounts={line.product.product_id: line.amount for line in lines if line.amount > 0}
    )
    return Plan(target=target, lines=lines, spread=spread, projection=projection)


# ---------------------------------------------------------------------- after the stream


@dataclass
class CampaignOutcome:
    """What the campaign's paid-out income did to the households in warning it reached.

    Reached: households that producers have paid (已兑付, counting payouts only) against
    the campaign's credited order lines. In warning: their latest assessment at the
    campaign's start was Ⅱ blue, Ⅲ purple or Ⅳ yellow. Their gap to the line then and
    now is the smallest income that would make them Ⅴ green on that assessment's figures
    and its year's thresholds (``gap_to_line``). A gap narrows from any income, not only
    the campaign's: the paid-out amount is shown beside it, not as its cause.
    """

    households_paid: int = 0
    paid_out: Decimal = ZERO
    in_warning: int = 0
    paid_out_to_warning: Decimal = ZERO
    gap_smaller: int = 0
    crossed: int = 0
    gap_at_start: Decimal = ZERO
    gap_now: Decimal = ZERO
    gap_closed: Decimal = ZERO
    sold: dict[int, int] = field(default_factory=dict)
    projection: Projection | None = None

    @property
    def folded(self) -> bool:
        """Fewer than 5 households in warning reached: no figure about them is shown."""
        return self.in_warning < FOLD_BELOW

    @property
    def paid_folded(self) -> bool:
        return self.households_paid < FOLD_BELOW


def _figures_of(assessment: Assessment) -> rules.HouseholdFigures:
    """The figures an assessment was made on, as the rules read them (from what it stored).

    Whether the household is in 低保 does not change what income makes it green, so it is
    left out; 两不愁三保障 and safe water are read from the rules that fired.
    """
    stored: Mapping[str, Any] = assessment.figures
    codes = {hit.get("code") for hit in assessment.rules_fired or []}
    return rules.HouseholdFigures(
        members=int(stored["members"]),
        labour=int(stored["labour"]),
        subsistence=False,
        basic_needs_met="basic_needs_unmet" not in codes,
        safe_water="unsafe_water" not in codes,
        recorded_income=Decimal(
            stored.get("recorded_income")
            or Decimal(stored["income"]) - Decimal(stored.get("platform_income", "0"))
        ),
        platform_income=Decimal(stored.get("platform_income", "0")),
        rigid=Decimal(stored.get("rigid", "0")),
        unable_to_work=int(stored.get("unable_to_work", "0")),
    )


def _gap(assessment: Assessment, thresholds: Mapping[int, rules.Thresholds]) -> Decimal | None:
    if assessment.level == rules.Level.GREEN:
        return ZERO
    year = thresholds.get(assessment.year)
    if year is None:
        return None
    return gap_to_line(_figures_of(assessment), year)


def campaign_outcome(
    *, campaign: Page, sold: Mapping[int, int], starts_at: datetime.datetime | None = None
) -> CampaignOutcome:
    """The campaign's paid-out income and the reached households in warning; a fixed number of
    queries. ``sold``: product id -> units sold (net of refunds), for the projection."""
    starts_at = starts_at or campaign.starts_at
    allocations = PayoutAllocation.objects.filter(
        counting_allocations(), line__campaign_line__campaign=campaign
    )
    paid = {
        row["payout__household_id"]: sum_fen(row["amount"])
        for row in allocations.order_by()
        .values("payout__household_id")
        .annotate(amount=Sum("amount"))
    }
    paid = {household: amount for household, amount in paid.items() if amount > 0}
    outcome = CampaignOutcome(
        households_paid=len(paid), paid_out=sum(paid.values(), ZERO), sold=dict(sold)
    )
    if paid:
        latest_at_start = (
            Assessment.objects.filter(household_id=OuterRef("pk"), assessed_at__lte=starts_at)
            .order_by("-assessed_at", "-pk")
            .values("pk")[:1]
        )
        reached = Household.objects.filter(
            pk__in=allocations.values("payout__household_id")
        ).annotate(start_assessment=Subquery(latest_at_start))
        at_start = {
            assessment.household_id: assessment
            for assessment in Assessment.objects.filter(
                pk__in=reached.values("start_assessment"), level__in=list(IN_WARNING)
            )
        }
        statuses = {
            status.household_id: status
            for status in HouseholdStatus.objects.filter(
                household_id__in=list(at_start)
            ).select_related("assessment")
        }
        thresholds = {
            row.year: rules.Thresholds(
                year=row.year, standard=row.national_standard, multiplier=row.multiplier
            )
            for row in Threshold.objects.all()
        }
        for household_id, start in at_start.items():
            outcome.in_warning += 1
            outcome.paid_out_to_warning += paid.get(household_id, ZERO)
            status = statuses.get(household_id)
            before = _gap(start, thresholds)
            now = _gap(status.assessment, thresholds) if status else None
            if status is not None and status.level == rules.Level.GREEN:
                outcome.crossed += 1
            if before is not None:
                outcome.gap_at_start += before
            if now is not None:
                outcome.gap_now += now
            if before is not None and now is not None and now < before:
                outcome.gap_smaller += 1
                outcome.gap_closed += before - now
    quantities = {product: units for product, units in sold.items() if units > 0}
    outcome.projection = project_sales(quantities=quantities) if quantities else None
    return outcome


def fold(count: int) -> str:
    """A count of households as shown: "不足 5 户" for 1 to 4."""
    if 0 < count < FOLD_BELOW:
        return _("fewer than %(n)s households") % {"n": FOLD_BELOW}
    return str(count)


# ---------------------------------------------------------------------- as the pages show them

LIFT_ASSUMPTIONS = [
    gettext_lazy(
        "Lift per ¥1,000 is a projection (预计): ¥1,000 of the product's sales at its current "
        "price, split over its producer's benefit links in force today as the ledger would "
        "split them, assuming what is due is paid out; what goes to households now in warning "
        "(Ⅱ blue, Ⅲ purple, Ⅳ yellow), and how many of them it would take to Ⅴ green on their "
        "current figures and this year's line."
    ),
    gettext_lazy(
        "Groups of fewer than 5 households are not counted out: they show as “fewer than 5 "
        "households”. No household is named."
    ),
]


def lift_words(lift: Lift | None) -> dict[str, Any]:
    """A product's lift as the chooser and the plan say it."""
    if lift is None:
        return {"none": True, "text": _("No figure yet: not on sale, or no benefit link in force")}
    if lift.folded:
        return {
            "none": False,
            "folded": True,
            "text": _("Projected: reaches %(households)s")
            % {"households": households_phrase(lift.households_reached)},
            "in_warning": fold(lift.households_reached),
        }
    return {
        "none": False,
        "folded": False,
        "text": _(
            "Projected ¥%(amount)s to households in warning, %(households)s can cross the line"
        )
        % {"amount": lift.to_warning, "households": households_phrase(lift.crossing)},
        "in_warning": fold(lift.households_in_warning),
    }


def _money(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


def projection_rows(projection: Projection | None) -> list[tuple[str, str]]:
    """(label, value) rows of a projection; amounts to households in warning hidden under 5."""
    if projection is None:
        return []
    hidden = _("not shown: fewer than 5 households")
    folded = projection.households_in_warning_reached < FOLD_BELOW
    rows = [
        (_("Sales projected, whole units at today's price (测算)"), _money(projection.sales)),
        (_("Due to linked households (预计应兑付)"), _money(projection.to_households)),
        (_("Households reached (预计)"), fold(projection.households_reached)),
        (_("Households in warning reached (预计)"), fold(projection.households_in_warning_reached)),
        (
            _("Of which to households in warning (预计)"),
            hidden if folded else _money(projection.to_warning),
        ),
    ]
    for level in IN_WARNING:
        rows.append(
            (
                _("Would cross the line, now %(level)s (预计)")
                % {"level": f"{level.numeral} {level.colour}"},
                hidden if folded else fold(projection.crossing.get(int(level), 0)),
            )
        )
    rows += [
        (
            _("Households in warning that would cross the line (预计)"),
            hidden if folded else fold(projection.crossing_total),
        ),
        (
            _("Gap to the line closed (预计)"),
            hidden if folded else _money(projection.gap_closed),
        ),
    ]
    return rows


def outcome_rows(outcome: CampaignOutcome) -> list[tuple[str, str]]:
    """(label, value) rows of what the campaign's paid-out income did; folded under 5."""
    hidden = _("not shown: fewer than 5 households")
    rows = [
        (
            _("Households paid out of the campaign's sales (已兑付)"),
            fold(outcome.households_paid),
        ),
        (
            _("Paid out to them (已兑付)"),
            hidden if outcome.paid_folded else _money(outcome.paid_out),
        ),
        (
            _("Of them, in warning when the campaign started"),
            fold(outcome.in_warning),
        ),
    ]
    for label, value in (
        (_("Paid out to those in warning (已兑付)"), _money(outcome.paid_out_to_warning)),
        (_("Of those, with a smaller gap to the line now"), fold(outcome.gap_smaller)),
        (_("Of those, crossed the line since the start (now Ⅴ green)"), fold(outcome.crossed)),
        (_("Their gap to the line at the start"), _money(outcome.gap_at_start)),
        (_("Their gap to the line now"), _money(outcome.gap_now)),
        (_("Gap closed since the start"), _money(outcome.gap_closed)),
    ):
        rows.append((label, hidden if outcome.folded else value))
    return rows


def households_phrase(count: int) -> str:
    """A count of households in a sentence: "3 户", or "不足 5 户" for 1 to 4."""
    if 0 < count < FOLD_BELOW:
        return fold(count)
    return _("%(n)s households") % {"n": count}
