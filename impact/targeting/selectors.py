"""Reading the stored targeting figures: one query each, aggregates only.

A figure covering fewer than ``FOLD_BELOW`` households is *folded*: callers show
"不足 5 户" and no counts for it (``Lift.folded``, ``Gap.folded``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from ..models import GapFigure, LiftFigure
from .figures import FOLD_BELOW, GAP_BANDS


@dataclass(frozen=True)
class Lift:
    """One ``LiftFigure`` as callers read it: 预计, what ¥1,000 of sales would pay out."""

    scope: str
    scope_id: int
    to_warning: Decimal
    to_all: Decimal
    households_reached: int
    households_in_warning: int
    crossing: int
    by_level: dict[int, int]
    refreshed_at: datetime.datetime

    @property
    def folded(self) -> bool:
        """Fewer than 5 households reached: show "不足 5 户", no counts."""
        return self.households_reached < FOLD_BELOW


@dataclass(frozen=True)
class Gap:
    """One ``GapFigure``: households in warning and how far they are from the line."""

    scope: str
    scope_id: int
    households_in_warning: int
    within: dict[int, int]  # {200: n, 500: n, 1000: n, 2000: n}, per person, cumulative
    total_needed: Decimal
    unreachable: int
    refreshed_at: datetime.datetime

    @property
    def folded(self) -> bool:
        """Fewer than 5 households in warning: show "不足 5 户", no counts."""
        return self.households_in_warning < FOLD_BELOW


def _lift(row: LiftFigure) -> Lift:
    return Lift(
        scope=row.scope,
        scope_id=row.scope_id,
        to_warning=row.to_warning,
        to_all=row.to_all,
        households_reached=row.households_reached,
        households_in_warning=row.households_in_warning,
        crossing=row.crossing,
        by_level={int(level): n for level, n in (row.by_level or {}).items()},
        refreshed_at=row.refreshed_at,
    )


def _gap(row: GapFigure) -> Gap:
    return Gap(
        scope=row.scope,
        scope_id=row.scope_id,
        households_in_warning=row.households_in_warning,
        within={band: getattr(row, f"within_{band}") for band in GAP_BANDS},
        total_needed=row.total_needed,
        unreachable=row.unreachable,
        refreshed_at=row.refreshed_at,
    )


def lifts(*, scope: str, ids: Iterable[int] | None = None) -> dict[int, Lift]:
    """The stored lifts of a scope ("product", "producer", "county"), by id; one query.

    Ids without a figure (a product not on sale, no links) are absent.
    """
    rows = LiftFigure.objects.filter(scope=scope)
    if ids is not None:
        rows = rows.filter(scope_id__in=list(ids))
    return {row.scope_id: _lift(row) for row in rows}


def gaps(*, scope: str, ids: Iterable[int] | None = None) -> dict[int, Gap]:
    """The stored gaps of a scope ("village", "township", "county", "product", "producer"); one query."""
    rows = GapFigure.objects.filter(scope=scope)
    if ids is not None:
        rows = rows.filter(scope_id__in=list(ids))
    return {row.scope_id: _gap(row) for row in rows}


def gaps_in_county(*, scope: str, county_id: int) -> dict[int, Gap]:
    """The gaps of a scope within one county (its villages, townships, products or producers); one query."""
    rows = GapFigure.objects.filter(scope=scope, county_id=county_id)
    return {row.scope_id: _gap(row) for row in rows}


def _ranked(queryset: QuerySet[LiftFigure]) -> QuerySet[LiftFigure]:
    return queryset.order_by("-to_warning", "-crossing", "scope_id")


def products_by_lift(
    *,
    county_id: int | None = None,
    product_ids: Iterable[int] | None = None,
    limit: int | None = 20,
) -> list[tuple[int, Lift]]:
    """Products on sale (at the last refresh) with a lift, best first: by ¥ to households in
    warning, then by households taken over the line, then by product id; one query.

    ``county_id`` keeps that county's producers' products; ``product_ids`` keeps those.
    Products whose lift reaches no household in warning come last (``to_warning`` 0): a
    list that should show only those that help filters on ``lift.to_warning > 0``.
    """
    rows = LiftFigure.objects.filter(scope=LiftFigure.Scope.PRODUCT)
    if county_id is not None:
        rows = rows.filter(county_id=county_id)
    if product_ids is not None:
        rows = rows.filter(scope_id__in=list(product_ids))
    rows = _ranked(rows)
    if limit is not None:
        rows = rows[:limit]
    return [(row.scope_id, _lift(row)) for row in rows]


__all__ = [
    "Gap",
    "Lift",
    "gaps",
    "gaps_in_county",
    "lifts",
    "products_by_lift",
]
