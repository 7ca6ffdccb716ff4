"""The staff's impact reports: what the figures are, read with SQL aggregates from the summary tables.

Reads only. Every function here costs a fixed number of queries whatever the
size of the ledger: sums and counts come from ``SalesMonth``,
``AttributionMonth`` and ``HouseholdPeriodIncome`` (kept current by the
ledger, see ``impact.ledger.rollups``), warning levels from ``HouseholdStatus``
and ``LevelSnapshot``. Nothing loops over ledger rows in Python.

Every report reads within a ``Scope``: the counties a staff member may read
(``impact.monitoring.access.report_scope``). Sales are scoped by the producer's
county, attributed income and households by the household's county.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.money import ZERO, fen, sum_fen

from ..ledger.rollups import month_start
from ..ledger.selectors import INCOME_SOURCE_LABELS
from ..models import (
    AttributionMonth,
    BuyerType,
    Clue,
    HelpMeasure,
    Household,
    HouseholdPeriodIncome,
    HouseholdStatus,
    LevelSnapshot,
    MonitoringTarget,
    Region,
    SalesLevelChange,
    SalesMonth,
)
from ..monitoring.access import Scope
from ..monitoring.rules import Level

LEVELS = [level.value for level in Level]  # 1 (Ⅰ red) … 5 (Ⅴ green)
GREEN = Level.GREEN.value
OPEN_STAGES = [Clue.Stage.OPEN, Clue.Stage.VERIFIED, Clue.Stage.NOTICE, Clue.Stage.TOWNSHIP]


# Period ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A year ("2026"), a quarter ("2026Q2") or a month ("2026-05"): [start, end)."""

    key: str
    kind: str
    start: datetime.date
    end: datetime.date

    @property
    def label(self) -> str:
        if self.kind == "year":
            return _("%(year)s") % {"year": self.start.year}
        if self.kind == "quarter":
            return _("%(year)s Q%(quarter)s") % {
                "year": self.start.year,
                "quarter": (self.start.month - 1) // 3 + 1,
            }
        return _("%(year)s-%(month)02d") % {"year": self.start.year, "month": self.start.month}

    @property
    def months(self) -> list[datetime.date]:
        months, month = [], self.start
        while month < self.end:
            months.append(month)
            month = _next_month(month)
        return months


def _next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def period_parse(value: str | None, *, today: datetime.date | None = None) -> Period:
    """A period from its key; this year when empty. An unknown key is a ValidationError."""
    today = today or timezone.localdate()
    value = (value or "").strip() or str(today.year)
    try:
        if len(value) == 4 and value.isdigit():
            year = int(value)
            period = Period(value, "year", datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1))
        elif len(value) == 6 and value[4] == "Q" and value[:4].isdigit() and value[5] in "1234":
            year, quarter = int(value[:4]), int(value[5])
            start = datetime.date(year, 3 * quarter - 2, 1)
            period = Period(value, "quarter", start, _next_month(_next_month(_next_month(start))))
        elif len(value) == 7 and value[4] == "-" and value[:4].isdigit() and value[5:].isdigit():
            start = datetime.date(int(value[:4]), int(value[5:]), 1)
            period = Period(value, "month", start, _next_month(start))
        else:
            raise ValueError(value)
    except ValueError:
        raise ValidationError(
            _(
                "Unknown period “%(value)s”: give a year (2026), a quarter (2026Q2) or a month (2026-05)."
            )
            % {"value": value}
        ) from None
    if not 2000 <= period.start.year <= 2100:
        raise ValidationError(_("The period must lie between 2000 and 2100."))
    return period


def period_choices(*, today: datetime.date | None = None, years: int = 3) -> list[Period]:
    """The periods a report offers: recent years, this and last year's quarters and months."""
    today = today or timezone.localdate()
    choices = []
    for year in range(today.year, today.year - years, -1):
        choices.append(period_parse(str(year)))
        if year >= today.year - 1:
            for quarter in range(4, 0, -1):
                if datetime.date(year, 3 * quarter - 2, 1) <= today:
                    choices.append(period_parse(f"{year}Q{quarter}"))
            for month in range(12, 0, -1):
                if datetime.date(year, month, 1) <= today:
                    choices.append(period_parse(f"{year}-{month:02d}"))
    return choices


# Overview: where households stand ---------------------------------------------------------------


@dataclass
class RegionRow:
    region_id: int
    name: str
    counts: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def in_warning(self) -> int:
        return self.total - self.counts.get(GREEN, 0)

    @property
    def by_level(self) -> list[int]:
        return [self.counts.get(level, 0) for level in LEVELS]


TARGET_TYPES = list(MonitoringTarget.Type.values)


@dataclass
class OfficialRow:
    """One region's official figures: current monitoring targets by type, the period's
    inclusions and eliminations, and its clues in review (open, and of those overdue)."""

    region_id: int
    name: str
    targets: dict[str, int]
    included: int = 0
    eliminated: int = 0
    clues_open: int = 0
    clues_overdue: int = 0

    @property
    def targets_total(self) -> int:
        return sum(self.targets.values())

    @property
    def by_type(self) -> list[int]:
        return [self.targets.get(kind, 0) for kind in TARGET_TYPES]


@dataclass
class Overview:
    levels: dict[int, int]
    unassessed: int
    region_level: str
    regions: list[RegionRow]
    months: list[tuple[datetime.date, dict[int, int]]]
    clues_open: int
    clues_overdue: int
    clues_by_stage: dict[str, int]
    measures: list[tuple[str, str, int, int]]  # mode, label, in progress, all
    period: Period | None = None
    targets: dict[str, int] = field(default_factory=dict)  # current targets by type
    included: int = 0  # in the period
    eliminated: int = 0  # in the period
    official_regions: list[OfficialRow] = field(default_factory=list)

    @property
    def targets_total(self) -> int:
        return sum(self.targets.values())

    @property
    def targets_by_type(self) -> list[tuple[str, str, int]]:
        return [
            (kind, str(label), self.targets.get(kind, 0))
            for kind, label in MonitoringTarget.Type.choices
        ]

    @property
    def households(self) -> int:
        return sum(self.levels.values()) + self.unassessed

    @property
    def in_warning(self) -> int:
        return sum(count for level, count in self.levels.items() if level != GREEN)


def _within(region: Region, prefix: str) -> Q:
    """Households (reached by ``prefix``) in a county, a township or a village: one indexed test."""
    if region.level == Region.Level.COUNTY:
        return Q(**{f"{prefix}county_id": region.pk})
    if region.level == Region.Level.TOWNSHIP:
        return Q(**{f"{prefix}region__parent_id": region.pk})
    return Q(**{f"{prefix}region_id": region.pk})


def report_overview(
    *,
    scope: Scope,
    region: Region | None = None,
    months: int = 12,
    now: datetime.datetime | None = None,
    period: Period | None = None,
) -> Overview:
    """Official figures and, apart, the automatic screening, by region; help measures by mode.

    Official: current monitoring targets by type, the targets included and the risks
    eliminated in ``period`` (default: this year), clues in review (open, overdue: past
    due and still before county approval; dismissed clues never count). Screening:
    households by warning level now and month by month. ``region`` drills down: none
    lists counties, a county its townships, a township its villages. Ten queries whatever
    the number of households.
    """
    now = now or timezone.now()
    period = period or period_parse(None, today=timezone.localdate(now))
    statuses = scope.filter(HouseholdStatus.objects.all(), "household__county_id")
    households = scope.filter(Household.objects.all())
    targets = scope.filter(MonitoringTarget.objects.all(), "household__county_id")
    clues = scope.filter(Clue.objects.filter(stage__in=OPEN_STAGES))
    if region is not None:
        statuses = statuses.filter(_within(region, "household__"))
        households = households.filter(_within(region, ""))
        targets = targets.filter(_within(region, "household__"))
        clues = clues.filter(_within(region, "household__"))
    levels = dict.fromkeys(LEVELS, 0)
    for row in statuses.values("level").annotate(n=Count("pk")):
        levels[row["level"]] = row["n"]
    total = households.count()

    if region is None:
        group, level_name = "household__county_id", Region.Level.COUNTY
        clue_group = "county_id"  # a self-declaration not yet linked to a household counts too
    elif region.level == Region.Level.COUNTY:
        group, level_name = "household__region__parent_id", Region.Level.TOWNSHIP
        clue_group = group
    else:
        group, level_name = "household__region_id", Region.Level.VILLAGE
        clue_group = group
    grouped: dict[int, dict[int, int]] = {}
    for row in statuses.values(group, "level").annotate(n=Count("pk")):
        grouped.setdefault(row[group], {})[row["level"]] = row["n"]

    # Official: current targets by type; the period's inclusions and eliminations; clues.
    official: dict[int, OfficialRow] = {}

    def official_row(pk: int) -> OfficialRow:
        return official.setdefault(pk, OfficialRow(pk, "", {}))

    for row in (
        targets.filter(eliminated_on__isnull=True).values(group, "type").annotate(n=Count("pk"))
    ):
        official_row(row[group]).targets[row["type"]] = row["n"]
    included_in = Q(included_on__gte=period.start, included_on__lt=period.end)
    eliminated_in = Q(eliminated_on__gte=period.start, eliminated_on__lt=period.end)
    for row in (
        targets.filter(included_in | eliminated_in)
        .values(group)
        .annotate(
            included=Count("pk", filter=included_in), eliminated=Count("pk", filter=eliminated_in)
        )
    ):
        official_row(row[group]).included = row["included"]
        official_row(row[group]).eliminated = row["eliminated"]
    for row in clues.values(clue_group).annotate(
        open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now))
    ):
        official_row(row[clue_group]).clues_open = row["open"]
        official_row(row[clue_group]).clues_overdue = row["overdue"]
    by_stage = dict(clues.values_list("stage").annotate(n=Count("pk")).values_list("stage", "n"))

    names = dict(
        Region.objects.filter(pk__in=list(set(grouped) | set(official))).values_list("pk", "name")
    )
    rows = sorted(
        (RegionRow(pk, names.get(pk, "—"), counts) for pk, counts in grouped.items()),
        key=lambda row: (-row.in_warning, row.name),
    )
    for pk in grouped:
        official_row(pk)
    for official_entry in official.values():
        official_entry.name = names.get(official_entry.region_id, "—")
    official_rows = sorted(
        official.values(),
        key=lambda entry: (-entry.targets_total, -entry.clues_open, entry.name),
    )
    target_totals = dict.fromkeys(TARGET_TYPES, 0)
    for official_entry in official_rows:
        for kind, count in official_entry.targets.items():
            target_totals[kind] += count

    # Month by month: the snapshots of the past months, then now.
    this_month = month_start(timezone.localdate(now))
    first = this_month
    for _i in range(months - 1):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    snapshots = scope.filter(LevelSnapshot.objects.filter(month__gte=first, month__lt=this_month))
    if region is not None:
        snapshots = snapshots.filter(
            **{
                {"county": "county_id", "township": "township_id"}.get(
                    region.level, "village_id"
                ): region.pk
            }
        )
    by_month: dict[datetime.date, dict[int, int]] = {}
    for row in snapshots.values("month", "level").annotate(n=Sum("households")):
        by_month.setdefault(row["month"], {})[row["level"]] = row["n"]
    series = []
    month = first
    while month < this_month:
        series.append((month, by_month.get(month, {})))
        month = _next_month(month)
    series.append((this_month, dict(levels)))

    measures = scope.filter(HelpMeasure.objects.all(), "household__county_id")
    if region is not None:
        measures = measures.filter(_within(region, "household__"))
    by_mode = {
        row["mode"]: (row["active"], row["n"])
        for row in measures.values("mode").annotate(
            n=Count("pk"),
            active=Count("pk", filter=Q(ended__isnull=True) | Q(ended__gt=timezone.localdate(now))),
        )
    }
    mode_rows = [
        (mode, str(label), *by_mode.get(mode, (0, 0))) for mode, label in HelpMeasure.Mode.choices
    ]
    return Overview(
        levels=levels,
        unassessed=total - sum(levels.values()),
        region_level=level_name,
        regions=rows,
        months=series,
        clues_open=sum(row.clues_open for row in official_rows),
        clues_overdue=sum(row.clues_overdue for row in official_rows),
        clues_by_stage=by_stage,
        measures=mode_rows,
        period=period,
        targets=target_totals,
        included=sum(row.included for row in official_rows),
        eliminated=sum(row.eliminated for row in official_rows),
        official_regions=official_rows,
    )


# Platform impact -----------------------------------------------------------------------------


@dataclass
class PlatformImpact:
    period: Period
    sales: Decimal
    attributed: Decimal
    households_reached: int
    median_per_household: Decimal | None
    # Events in the period: a level moved out of warning that platform payouts made the difference
    # for (``SalesLevelChange`` with its counterfactual); cumulative, it never falls.
    moved_out_of_warning: int
    # Now: households at green whose level without platform payouts is in warning. It falls when
    # payouts are reversed or disputed, or the household falls back. Not risk elimination.
    above_line_now: int
    months: list[tuple[datetime.date, Decimal, Decimal]] = field(default_factory=list)

    @property
    def attributed_share(self) -> Decimal | None:
        if not self.sales:
            return None
        return (self.attributed * 100 / self.sales).quantize(Decimal("0.1"))


def _median(queryset: QuerySet[HouseholdPeriodIncome], count: int) -> Decimal | None:
    """The median of ``amount`` over ``queryset`` (of ``count`` rows), read with ORDER BY/OFFSET."""
    if not count:
        return None
    middle = list(
        queryset.order_by("amount").values_list("amount", flat=True)[
            (count - 1) // 2 : count // 2 + 1
        ]
    )
    return fen(sum(middle, ZERO) / len(middle), ROUND_HALF_EVEN)


def households_reached(*, scope: Scope, period_key: str) -> QuerySet[HouseholdPeriodIncome]:
    """The households whose attributed income in the period is above zero, one row each."""
    return scope.filter(HouseholdPeriodIncome.objects.filter(period=period_key, amount__gt=0))


def households_above_line_by_platform(*, scope: Scope) -> int:
    """Households green now only thanks to platform payouts: one aggregate query.

    Their current level is green and, at the same assessment, without the
    payouts it would be in warning. A current count: it falls as soon as a
    payout stops counting or the household falls back. Official risk
    elimination (风险消除) is another thing, granted only by the review.
    """
    return (
        scope.filter(HouseholdStatus.objects.all(), "household__county_id")
        .filter(level=GREEN, level_without__lt=GREEN)
        .count()
    )


def sales_credits_out_of_warning(scope: Scope) -> QuerySet[SalesLevelChange]:
    """Credited level changes out of warning: payouts made the difference at that moment."""
    return scope.filter(SalesLevelChange.objects.all(), "household__county_id").filter(
        level_before__lt=GREEN, level_after=GREEN, level_without__lt=GREEN
    )


def report_platform(*, scope: Scope, period: Period) -> PlatformImpact:
    """What the platform's sales did in a period. Six queries whatever the ledger's size."""
    sales_rows = scope.filter(
        SalesMonth.objects.filter(month__gte=period.start, month__lt=period.end)
    )
    attribution_rows = scope.filter(
        AttributionMonth.objects.filter(month__gte=period.start, month__lt=period.end)
    )
    sales_by_month = {
        month: sum_fen(total)
        for month, total in sales_rows.values_list("month")
        .annotate(total=Sum("amount"))
        .values_list("month", "total")
    }
    attributed_by_month = {
        month: sum_fen(total)
        for month, total in attribution_rows.values_list("month")
        .annotate(total=Sum("amount"))
        .values_list("month", "total")
    }
    reached = households_reached(scope=scope, period_key=period.key)
    count = reached.count()
    start = timezone.make_aware(datetime.datetime.combine(period.start, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(period.end, datetime.time.min))
    moved = (
        sales_credits_out_of_warning(scope)
        .filter(created_at__gte=start, created_at__lt=end)
        .values("household_id")
        .distinct()
        .count()
    )
    months = [
        (month, sales_by_month.get(month, ZERO), attributed_by_month.get(month, ZERO))
        for month in period.months
    ]
    return PlatformImpact(
        period=period,
        sales=sum(sales_by_month.values(), ZERO),
        attributed=sum(attributed_by_month.values(), ZERO),
        households_reached=count,
        median_per_household=_median(reached, count),
        moved_out_of_warning=moved,
        above_line_now=households_above_line_by_platform(scope=scope),
        months=months,
    )


# Breakdowns ------------------------------------------------------------------------------------

BREAKDOWNS = {
    "product": gettext_lazy("Product"),
    "producer": gettext_lazy("Producer"),
    "campaign": gettext_lazy("Campaign"),
    "buyer": gettext_lazy("Buyer type"),
    "source": gettext_lazy("Income source"),
    "county": gettext_lazy("County"),
}
_BREAKDOWN_FIELD = {
    "product": "product_id",
    "producer": "partner_id",
    "campaign": "campaign_id",
    "buyer": "buyer",
    "source": "income_source",
    "county": "county_id",
}


@dataclass
class BreakdownRow:
    key: object
    label: str
    sales: Decimal | None
    attributed: Decimal
    quantity: int | None = None

    @property
    def attributed_share(self) -> Decimal | None:
        if not self.sales:
            return None
        return (self.attributed * 100 / self.sales).quantize(Decimal("0.1"))


def _labels(by: str, keys: set[Any]) -> dict[Any, str]:
    """Names for a breakdown's keys, in one query."""
    if by == "product":
        Product = apps.get_model("catalogue", "Product")
        return dict(Product.objects.filter(pk__in=keys).values_list("pk", "title"))
    if by == "producer":
        Partner = apps.get_model("partner", "Partner")
        return dict(Partner.objects.filter(pk__in=keys).values_list("pk", "name"))
    if by == "campaign":
        labels = {0: _("No campaign")}
        try:
            Campaign = apps.get_model("cms", "CampaignPage")
        except LookupError:
            return labels
        labels.update(Campaign.objects.filter(pk__in=keys).values_list("pk", "title"))
        return labels
    if by == "buyer":
        return {choice.value: str(choice.label) for choice in BuyerType}
    if by == "source":
        return {key: str(label) for key, label in INCOME_SOURCE_LABELS.items()}
    if by == "county":
        return dict(Region.objects.filter(pk__in=keys).values_list("pk", "name"))
    raise ValueError(by)


def report_breakdown(
    *, scope: Scope, period: Period, by: str, partner_id: int | None = None
) -> list[BreakdownRow]:
    """Sales and attributed income in a period by one dimension, largest first. Three queries.

    ``partner_id`` limits it to one producer (the producer's own figures).
    By income source there are no sales (a sale has no income source).
    """
    if by not in _BREAKDOWN_FIELD:
        raise ValidationError(_("Unknown breakdown “%(by)s”.") % {"by": by})
    name = _BREAKDOWN_FIELD[by]
    attribution = scope.filter(
        AttributionMonth.objects.filter(month__gte=period.start, month__lt=period.end)
    )
    sales = scope.filter(SalesMonth.objects.filter(month__gte=period.start, month__lt=period.end))
    if partner_id is not None:
        attribution = attribution.filter(partner_id=partner_id)
        sales = sales.filter(partner_id=partner_id)
    attributed = {
        key: sum_fen(total)
        for key, total in attribution.values_list(name)
        .annotate(total=Sum("amount"))
        .values_list(name, "total")
    }
    sold: dict[Any, Decimal] = {}
    quantities: dict[Any, int] = {}
    if by != "source":
        for key, total, quantity in (
            sales.values_list(name)
            .annotate(total=Sum("amount"), quantity=Sum("quantity"))
            .values_list(name, "total", "quantity")
        ):
            sold[key], quantities[key] = sum_fen(total), quantity
    keys = set(attributed) | set(sold)
    labels = _labels(by, keys)
    rows = [
        BreakdownRow(
            key=key,
            label=str(labels.get(key) or (_("Other") if key in (0, "") else f"#{key}")),
            sales=sold.get(key, ZERO) if by != "source" else None,
            attributed=attributed.get(key, ZERO),
            quantity=quantities.get(key) if by != "source" else None,
        )
        for key in keys
    ]
    rows.sort(key=lambda row: (-(row.sales or ZERO), -row.attributed, row.label))
    return rows


def month_label(month: datetime.date) -> str:
    return f"{month.year}-{month.month:02d}"


# Arrears (应兑未兑) by producer -------------------------------------------------------------


@dataclass
class ArrearsRow:
    producer_id: int
    producer: str
    county: str
    households: int
    amount: Decimal
    oldest_due_by: datetime.date | None
    disputed: int
    suspended: bool


def report_arrears(*, scope: Scope, today: datetime.date | None = None) -> list[ArrearsRow]:
    """Producers in the scope's counties that owe households past due, or have disputed payouts.

    Largest debt first. Four queries whatever the number of producers or ledger rows.
    """
    from producers.models import Producer

    from ..ledger.arrears import producers_arrears
    from ..ledger.followups import disputed_counts

    today = today or timezone.localdate()
    producers = Producer.objects.all()
    if scope.county_ids is not None:
        producers = producers.filter(
            Q(region_id__in=scope.county_ids) | Q(region__parent_id__in=scope.county_ids)
        )
    arrears = producers_arrears(producers=producers, today=today)
    listed = list(producers.select_related("region__parent"))
    disputed = disputed_counts(producer_ids=[producer.pk for producer in listed])
    rows = []
    for producer in listed:
        owed, disputes = arrears.get(producer.pk), disputed.get(producer.pk, 0)
        if owed is None and not disputes and not producer.arrears_suspended:
            continue
        county = producer.region if producer.region.level == Region.Level.COUNTY else None
        county = county or producer.region.parent
        rows.append(
            ArrearsRow(
                producer_id=producer.pk,
                producer=producer.name,
                county=county.name if county else "—",
                households=owed.households_count if owed else 0,
                amount=owed.total if owed else ZERO,
                oldest_due_by=owed.oldest_due_by if owed else None,
                disputed=disputes,
                suspended=producer.arrears_suspended,
            )
        )
    rows.sort(key=lambda row: (-row.amount, row.oldest_due_by or today, row.producer))
    return rows
