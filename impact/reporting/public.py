"""The public figures (/impact/): aggregates only, no group of fewer than five households."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from common.money import ZERO, sum_fen

from ..ledger.rollups import ALL_TIME
from ..models import AttributionJob, AttributionMonth, Region, SalesMonth
from ..monitoring.access import Scope
from .staff import households_above_line_by_platform, households_reached

SMALL_GROUP = 5  # public figures: a group of fewer households is folded into "other"


@dataclass
class PublicGroup:
    label: str
    households: int
    attributed: Decimal


@dataclass
class PublicFigures:
    year: int
    households: int
    attributed: Decimal
    sales: Decimal
    households_year: int
    attributed_year: Decimal
    counties: list[PublicGroup]
    # Now: households green only thanks to platform payouts; it falls when they fall back.
    # Not official risk elimination (风险消除), which only the review grants.
    above_line_now: int = 0

    @property
    def shown(self) -> bool:
        """Totals of fewer than five households are not shown at all."""
        return self.households >= SMALL_GROUP


def fold_small_groups(groups: list[PublicGroup], *, other_label: str) -> list[PublicGroup]:
    """Fold every group of fewer than five households into "other".

    If "other" would itself hold fewer than five (so that it, or the total
    less the rest, singles out a household), the next-smallest groups join it
    until it holds five or more, or everything is in it.
    """
    kept = sorted(groups, key=lambda group: (-group.households, group.label))
    folded = [group for group in kept if group.households < SMALL_GROUP]
    kept = [group for group in kept if group.households >= SMALL_GROUP]
    if not folded:
        return kept
    while kept and sum(group.households for group in folded) < SMALL_GROUP:
        folded.append(kept.pop())
    other = PublicGroup(
        label=other_label,
        households=sum(group.households for group in folded),
        attributed=sum((group.attributed for group in folded), ZERO),
    )
    if other.households < SMALL_GROUP:
        return []  # too few in all: nothing by county
    return kept + [other]


def public_figures(*, today: datetime.date | None = None) -> PublicFigures:
    """The platform's aggregate figures, safe to publish: no group under five households."""
    today = today or timezone.localdate()
    everyone = Scope(None)
    reached_all = households_reached(scope=everyone, period_key=ALL_TIME)
    per_county = {
        row["county_id"]: row
        for row in reached_all.values("county_id").annotate(
            households=Count("pk"), attributed=Sum("amount")
        )
    }
    year_figures = households_reached(scope=everyone, period_key=str(today.year)).aggregate(
        households=Count("pk"), attributed=Sum("amount")
    )
    totals = AttributionMonth.objects.aggregate(total=Sum("amount"))
    sales = SalesMonth.objects.aggregate(total=Sum("amount"))
    names = dict(Region.objects.filter(pk__in=list(per_county)).values_list("pk", "name"))
    groups = [
        PublicGroup(names.get(county, _("Other")), row["households"], sum_fen(row["attributed"]))
        for county, row in per_county.items()
    ]
    return PublicFigures(
        year=today.year,
        households=sum(group.households for group in groups),
        attributed=sum_fen(totals["total"]),
        sales=sum_fen(sales["total"]),
        households_year=year_figures["households"] or 0,
        attributed_year=sum_fen(year_figures["attributed"]),
        counties=fold_small_groups(groups, other_label=_("Other counties")),
        above_line_now=households_above_line_by_platform(scope=everyone),
    )


PUBLIC_CACHE_SECONDS = 300


def public_figures_cached() -> PublicFigures:
    """The public figures from the cache, recomputed once the ledger has moved.

    Every change to the summaries happens in an attribution job, so the
    newest job's time (one indexed read) keys the cache: a new sale shows at
    once. Payouts move levels without a job, so the households above the line
    thanks to platform income are counted afresh (one more query): a page
    under load costs those two.
    """
    latest = AttributionJob.objects.aggregate(at=Max("done_at"))["at"]
    stamp = latest.timestamp() if latest else 0
    key = f"impact:public:{get_language()}:{timezone.localdate().isoformat()}:{stamp}"
    # The stubs type get_or_set as Optional; it returns None only for a None default.
    figures: PublicFigures = cache.get_or_set(key, public_figures, PUBLIC_CACHE_SECONDS)  # type: ignore[assignment]
    return replace(figures, above_line_now=households_above_line_by_platform(scope=Scope(None)))
