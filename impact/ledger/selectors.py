"""Reads of the attribution ledger for staff pages: a household's entries, an order's lines.

Each selector runs a fixed number of queries, whatever the number of entries.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from common.money import ZERO, sum_fen

from ..models import (
    AttributionEntry,
    AttributionJob,
    Household,
    Payout,
    PayoutAllocation,
    SalesLevelChange,
)

# The income record columns a benefit link adds to, in the order the income table shows them.
INCOME_SOURCES = ("wages", "operating", "property_income", "transfers")
INCOME_SOURCE_LABELS = {
    "wages": _("Wages"),
    "operating": _("Operating"),
    "property_income": _("Property"),
    "transfers": _("Transfers"),
}


@dataclass
class AttributedYear:
    year: int
    by_source: dict[str, Decimal] = field(default_factory=dict)

    @property
    def sources(self) -> list[Decimal]:
        """The year's amounts in INCOME_SOURCES order."""
        return [self.by_source.get(source, ZERO) for source in INCOME_SOURCES]

    @property
    def total(self) -> Decimal:
        return sum(self.by_source.values(), ZERO)


def household_attributions(*, household: Household) -> QuerySet[AttributionEntry]:
    """The household's ledger entries, newest first, with what each page row shows."""
    return (
        AttributionEntry.objects.filter(household=household)
        .select_related("line__order", "link__producer")
        .order_by("-created_at", "-pk")
    )


def household_attributed_by_year(*, household: Household) -> list[AttributedYear]:
    """Attributed income, net of reversals, by year (newest first) and income source."""
    rows = (
        AttributionEntry.objects.filter(household=household)
        .values("year", "income_source")
        .annotate(total=Sum("amount"))
        .order_by("-year", "income_source")
    )
    years: dict[int, AttributedYear] = {}
    for row in rows:
        year = years.setdefault(row["year"], AttributedYear(row["year"]))
        year.by_source[row["income_source"]] = sum_fen(row["total"])
    return list(years.values())


def household_sales_level_changes(*, household: Household) -> QuerySet[SalesLevelChange]:
    """Every warning level credited to sales, with the payouts (or, before payouts, the lines)."""
    Line = get_model("order", "Line")
    return (
        SalesLevelChange.objects.filter(household=household)
        .select_related("payment_event")
        .prefetch_related(
            Prefetch("lines", queryset=Line.objects.select_related("order").order_by("pk")),
            Prefetch("payouts", queryset=Payout.objects.select_related("producer").order_by("pk")),
        )
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class PayoutYear:
    """One household's year: what sales made due, what was paid out, what is left, what is disputed."""

    year: int
    due: Decimal  # the ledger's entries of the year, net of refunds
    paid: Decimal  # payouts paid in the year that count (not reversed, not disputed)
    outstanding: Decimal  # due in the year, less what counting payouts were set against it
    disputed: Decimal  # payouts paid in the year that the household disputes (not reversed)


def household_payout_years(*, household: Household) -> list[int]:
    """The years that have a due amount or a payout, newest first (two queries)."""
    years = set(
        AttributionEntry.objects.filter(household=household)
        .values_list("year", flat=True)
        .distinct()
    )
    years |= {
        day.year for day in Payout.objects.filter(household=household).dates("paid_on", "year")
    }
    return sorted(years, reverse=True)


def household_payout_year(*, household: Household, year: int) -> PayoutYear:
    """Due, paid out, outstanding and disputed for one household and year, in three queries."""
    due = AttributionEntry.objects.filter(household=household, year=year).aggregate(
        total=Sum("amount")
    )["total"]
    in_year = Q(paid_on__gte=datetime.date(year, 1, 1), paid_on__lte=datetime.date(year, 12, 31))
    payouts = Payout.objects.filter(in_year, household=household, reversed_at__isnull=True)
    figures = payouts.aggregate(
        paid=Sum("amount", filter=~Q(verification=Payout.Verification.DISPUTED)),
        disputed=Sum("amount", filter=Q(verification=Payout.Verification.DISPUTED)),
    )
    # What counting payouts were set against the year's due amounts (line and link attributed
    # in that year), whenever they were paid.
    set_against = (
        PayoutAllocation.objects.filter(
            payout__household=household, payout__reversed_at__isnull=True
        )
        .exclude(payout__verification=Payout.Verification.DISPUTED)
        .filter(
            Exists(
                AttributionEntry.objects.filter(
                    line_id=OuterRef("line_id"),
                    link_id=OuterRef("link_id"),
                    household=household,
                    year=year,
                    kind=AttributionEntry.Kind.ATTRIBUTION,
                )
            )
        )
        .aggregate(total=Sum("amount"))["total"]
    )
    due_total = sum_fen(due)
    return PayoutYear(
        year=year,
        due=due_total,
        paid=sum_fen(figures["paid"]),
        outstanding=max(due_total - sum_fen(set_against), ZERO),
        disputed=sum_fen(figures["disputed"]),
    )


def order_lines_with_attributions(*, order: Any) -> list[Any]:
    """The order's lines, each with its ledger entries (households without ID numbers).

    Each line gets ``attributions_list``, ``attributed`` (the net amount) and
    ``attribution_state``: ``attributed``; ``unlinked`` (paid, and attributed
    to nobody because no benefit link applied); ``pending`` (paid, the
    attribution not written yet); ``unpaid``. Three queries.
    """
    Line = get_model("order", "Line")
    entries = (
        AttributionEntry.objects.select_related("household", "link")
        .defer("household__id_number")
        .order_by("pk")
    )
    lines = list(
        Line.objects.filter(order_id=order.pk)
        .order_by("pk")
        .prefetch_related(Prefetch("attributions", queryset=entries, to_attr="attributions_list"))
    )
    job = (
        AttributionJob.objects.filter(
            payment_event__order_payment__order_id=order.pk, payment_event__kind="confirmed"
        )
        .values_list("done_at")
        .first()
    )  # None: not paid; (None,): paid, still to write; (done_at,): written
    for line in lines:
        line.attributed = sum((entry.amount for entry in line.attributions_list), ZERO)
        if line.attributions_list:
            line.attribution_state = "attributed"
        elif job is None:
            line.attribution_state = "unpaid"
        elif job[0] is None:
            line.attribution_state = "pending"
        else:
            line.attribution_state = "unlinked"
    return lines


# Paid out against the due amounts ---------------------------------------------------------


def counting_allocations() -> Q:
    """Allocations of payouts that count: not reversed, not disputed (as a filter on allocations)."""
    return Q(payout__reversed_at__isnull=True) & ~Q(
        payout__verification=Payout.Verification.DISPUTED
    )


def paid_out_to_lines(**line_filter: object) -> tuple[Decimal, int]:
    """(amount, households) that counting payouts set against the order lines ``line_filter``
    selects (e.g. ``line__order__user_id=…``); one query."""
    row = (
        PayoutAllocation.objects.filter(counting_allocations(), **line_filter)
        .order_by()
        .aggregate(amount=Sum("amount"), households=Count("payout__household_id", distinct=True))
    )
    return sum_fen(row["amount"] or ZERO), row["households"]


# Attribution jobs that failed --------------------------------------------------------------


def attribution_jobs_quarantined() -> QuerySet[AttributionJob]:
    """Quarantined attribution jobs, the latest quarantined first, with their event and order."""
    return (
        AttributionJob.objects.filter(quarantined_at__isnull=False, done_at__isnull=True)
        .select_related("payment_event__order_payment__order")
        .order_by("-quarantined_at", "-pk")
    )


def attribution_jobs_quarantined_count() -> int:
    return AttributionJob.objects.filter(quarantined_at__isnull=False, done_at__isnull=True).count()
