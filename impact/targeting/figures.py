"""Targeting, the pure part: the gap to the line, the lift of ¥1,000 and the projection of sales.

No ORM, no settings: households' figures (``rules.HouseholdFigures``), benefit links
(``attribution.LinkRule``) and prices in; amounts, counts and levels out. Everything here
is a projection of what sales would make due (应兑付), assuming it is paid out (预计).

- ``gap_to_line``: the smallest platform income, to the fen, that makes ``rules.assess``
  give Ⅴ green on the household's current figures; ``None`` when no income can (members
  temporarily unable to work, 两不愁三保障 or safe water not met).
- ``lift_amounts``: ¥``sales`` of one product at ``price`` (``sales / price`` units,
  fractional) over its links: per-unit links pay per_unit × units, share links share% of
  the sales; the linked total is capped at the sales and split by largest remainder.
- ``sales_amounts``: whole units of a product, split exactly as the ledger splits a paid
  line (``attribution.line_split``).
- ``lift_tally`` / ``gap_tally`` / ``projection_tally``: what those amounts do to the
  households reached, on their current level and figures.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, Decimal

from common.money import ZERO, fen, largest_remainder

from ..ledger.attribution import LinkRule, line_split
from ..monitoring.rules import HouseholdFigures, Level, Thresholds, assess

IN_WARNING: tuple[Level, ...] = (Level.BLUE, Level.PURPLE, Level.YELLOW)
GAP_BANDS = (200, 500, 1000, 2000)
FOLD_BELOW = 5
LIFT_SALES = Decimal(1000)


def gap_to_line(figures: HouseholdFigures, thresholds: Thresholds) -> Decimal | None:
    """The smallest platform income (yuan, to the fen) that takes the household to Ⅴ green.

    From the rules: income must reach line × members (and the standard × members, should a
    multiplier ever be below 1), plus the rigid expenditure when there is some (Ⅲ purple
    by rigid expenditure). Members temporarily unable to work (Ⅲ), 两不愁三保障 or safe
    water unmet (Ⅰ) fire whatever the income: ``None``. 0 when the figures are already green.
    The answer is checked by ``assess``: if the rules ever disagree, ``None``.
    """
    if not figures.basic_needs_met or not figures.safe_water or figures.unable_to_work > 0:
        return None
    members = figures.members
    needed = max(thresholds.line, thresholds.standard) * members
    if figures.rigid > 0:
        needed += figures.rigid
    gap = max(fen(needed - figures.income, ROUND_CEILING), ZERO)
    raised = replace(figures, platform_income=figures.platform_income + gap)
    if assess(raised, thresholds).level != Level.GREEN:
        return None
    return gap


@dataclass(frozen=True)
class Reached:
    """A household as targeting reads it: its current level and this year's figures.

    ``headroom``: payouts that would not count as income because the income record already
    says it includes more platform payouts than were paid (``platform_counted``); usually 0.
    """

    household_id: int
    level: Level | None
    figures: HouseholdFigures | None
    headroom: Decimal = ZERO

    @property
    def in_warning(self) -> bool:
        return self.level in IN_WARNING and self.figures is not None

    def raised(self, amount: Decimal) -> HouseholdFigures:
        """The figures once ``amount`` more is paid out to the household this year."""
        assert self.figures is not None
        counted = max(amount - self.headroom, ZERO)
        return replace(self.figures, platform_income=self.figures.platform_income + counted)

    def gap(self, thresholds: Thresholds) -> Decimal | None:
        """What must be paid out to the household to take it to green (``gap_to_line`` + headroom)."""
        if self.figures is None:
            return None
        gap = gap_to_line(self.figures, thresholds)
        if gap is None or gap == ZERO:
            return gap
        return gap + self.headroom


# ---------------------------------------------------------------------- splitting sales


def lift_amounts(
    *, sales: Decimal, price: Decimal, links: Sequence[LinkRule]
) -> dict[int, Decimal]:
    """Each household's part of ¥``sales`` of one product at ``price`` (fractional units)."""
    if not links or sales <= 0 or price <= 0:
        return {}
    units = sales / price
    weights = []
    for link in links:
        if link.per_unit is not None:
            weights.append(link.per_unit * units)
        elif link.share_percent is not None:
            weights.append(sales * link.share_percent / 100)
        else:
            raise ValueError(f"link {link.link_id} has no rule")
    total = min(fen(sum(weights, Decimal(0))), fen(sales))
    amounts: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for link, amount in zip(links, largest_remainder(weights, total), strict=True):
        if amount > ZERO:
            amounts[link.household_id] += amount
    return dict(amounts)


def sales_amounts(
    *, quantity: int, price: Decimal, links: Sequence[LinkRule]
) -> dict[int, Decimal]:
    """Each household's part of a paid line of ``quantity`` whole units at ``price`` (the ledger's split)."""
    amounts: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for part in line_split(quantity=quantity, net=price * quantity, links=links):
        if part.amount != ZERO:
            amounts[part.household_id] += part.amount
    return dict(amounts)


def amounts_add(into: dict[int, Decimal], more: Mapping[int, Decimal]) -> None:
    for household_id, amount in more.items():
        into[household_id] = into.get(household_id, ZERO) + amount


# ---------------------------------------------------------------------- what it does


@dataclass(frozen=True)
class LiftTally:
    to_warning: Decimal
    to_all: Decimal
    households_reached: int
    households_in_warning: int
    crossing: int
    by_level: dict[int, int]


def lift_tally(
    amounts: Mapping[int, Decimal],
    households: Mapping[int, Reached],
    gaps: Mapping[int, Decimal | None],
) -> LiftTally:
    """What the amounts do: to households in warning, to all, and how many reach their gap.

    ``gaps``: each household in warning's payout gap (``Reached.gap``), computed once by the caller.
    Households without figures for the year are reached but of no known level.
    """
    to_warning = to_all = ZERO
    reached = in_warning = crossing = 0
    by_level: Counter[int] = Counter()
    for household_id, amount in amounts.items():
        if amount <= ZERO:
            continue
        reached += 1
        to_all += amount
        household = households.get(household_id)
        if household is None or household.figures is None or household.level is None:
            continue
        by_level[int(household.level)] += 1
        if household.in_warning:
            in_warning += 1
            to_warning += amount
            gap = gaps.get(household_id)
            if gap is not None and amount >= gap:
                crossing += 1
    return LiftTally(to_warning, to_all, reached, in_warning, crossing, dict(by_level))


@dataclass(frozen=True)
class GapTally:
    households_in_warning: int
    within: dict[int, int]
    total_needed: Decimal
    unreachable: int


def gap_tally(households: Iterable[Reached], gaps: Mapping[int, Decimal | None]) -> GapTally:
    """The households in warning among ``households``: how many within each band per person, and in all."""
    in_warning = unreachable = 0
    within = dict.fromkeys(GAP_BANDS, 0)
    total = ZERO
    for household in households:
        if not household.in_warning:
            continue
        in_warning += 1
        gap = gaps.get(household.household_id)
        if gap is None:
            unreachable += 1
            continue
        total += gap
        members = household.figures.members if household.figures is not None else 1
        for band in GAP_BANDS:
            if gap <= band * members:
                within[band] += 1
    return GapTally(in_warning, within, total, unreachable)


@dataclass(frozen=True)
class ProjectionTally:
    to_households: Decimal
    to_warning: Decimal
    households_reached: int
    households_in_warning_reached: int
    crossing: dict[int, int] = field(default_factory=dict)
    gap_closed: Decimal = ZERO

    @property
    def crossing_total(self) -> int:
        return sum(self.crossing.values())


def projection_tally(
    amounts: Mapping[int, Decimal], households: Mapping[int, Reached], thresholds: Thresholds
) -> ProjectionTally:
    """Each household's amount added to its platform income and re-assessed by ``rules.assess``."""
    to_households = to_warning = gap_closed = ZERO
    reached = in_warning = 0
    crossing: Counter[int] = Counter()
    for household_id, amount in amounts.items():
        if amount <= ZERO:
            continue
        reached += 1
        to_households += amount
        household = households.get(household_id)
        if household is None or not household.in_warning:
            continue
        assert household.level is not None
        in_warning += 1
        to_warning += amount
        gap = household.gap(thresholds)
        if gap is not None:
            gap_closed += min(amount, gap)
        if assess(household.raised(amount), thresholds).level == Level.GREEN:
            crossing[int(household.level)] += 1
    return ProjectionTally(
        to_households, to_warning, reached, in_warning, dict(crossing), gap_closed
    )
