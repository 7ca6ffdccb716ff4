"""Reads of the attribution ledger for staff pages: a household's entries, an order's lines.

Each selector runs a fixed number of queries, whatever the number of entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
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
    """Every warning level that sales (or their refund) moved, with the order lines that did it."""
    Line = get_model("order", "Line")
    return (
        SalesLevelChange.objects.filter(household=household)
        .select_related("payment_event")
        .prefetch_related(
            Prefetch("lines", queryset=Line.objects.select_related("order").order_by("pk"))
        )
        .order_by("-created_at", "-pk")
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
