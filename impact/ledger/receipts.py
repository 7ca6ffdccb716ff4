"""The impact receipt a buyer sees: how much of an order reaches registered households.

Counts only, never names. A paid order whose attribution is written is read
from the ledger, net of reversals. An order not yet paid (or paid, with its
attribution still being written) is projected with the same pure split
(``impact.ledger.attribution.line_split``) over the benefit links in force on the
day it was placed, which is what the ledger will use once it is paid.

A recorded receipt also says what the producers have paid out against it so
far (their payouts' allocations to the order's lines), apart from what is still due.

The number of queries does not depend on the number of lines or links.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone
from oscar.core.loading import get_model

from common.money import ZERO, sum_fen
from producers.models import BenefitLink
from shop.payments.models import OrderPayment

from ..models import AttributionEntry, AttributionJob
from ..targeting.figures import FOLD_BELOW, IN_WARNING
from . import attribution
from .selectors import paid_out_to_lines


@dataclass(frozen=True)
class Receipt:
    order_total: Decimal  # what the order costs the buyer, shipping included
    amount: Decimal  # the part of it due to registered households (应兑付), net of refunds
    households: int
    counties: int
    paid: bool
    recorded: bool  # read from the ledger; otherwise projected by the split
    cancelled: bool = False
    paid_out: Decimal = ZERO  # what producers have paid out against it so far (已兑付)

    @property
    def reaches_anyone(self) -> bool:
        return self.amount > ZERO

    @property
    def still_due(self) -> Decimal:
        """Due and not yet paid out (待兑付)."""
        return self.amount - self.paid_out


def _payment_state(order: Any) -> tuple[bool, bool]:
    """(paid, cancelled) of the order's payment record; an order without one counts as unpaid."""
    row = (
        OrderPayment.objects.filter(order_id=order.pk).values_list("confirmed_at", "state").first()
    )
    if row is None:
        return False, False
    confirmed_at, state = row
    return confirmed_at is not None, state == OrderPayment.State.CANCELLED


def _tally(parts: list[tuple[int, int, Decimal]]) -> tuple[Decimal, int, int]:
    """(amount, households, counties) from (household, county, amount) parts; nets at or below zero reach nobody."""
    by_household: dict[int, Decimal] = defaultdict(lambda: ZERO)
    county_of: dict[int, int] = {}
    for household_id, county_id, amount in parts:
        by_household[household_id] += amount
        county_of[household_id] = county_id
    reached = {household_id: net for household_id, net in by_household.items() if net > ZERO}
    amount = sum_fen(sum(reached.values(), ZERO))
    return amount, len(reached), len({county_of[household_id] for household_id in reached})


def _recorded(order: Any) -> list[tuple[int, int, Decimal]]:
    rows = (
        AttributionEntry.objects.filter(line__order_id=order.pk)
        .values("household_id", "household__county_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return [(row["household_id"], row["household__county_id"], row["total"]) for row in rows]


def _attribution_written(order: Any) -> bool:
    return AttributionJob.objects.filter(
        payment_event__order_payment__order_id=order.pk,
        payment_event__kind="confirmed",
        done_at__isnull=False,
    ).exists()


def _projected(order: Any) -> list[tuple[int, int, Decimal]]:
    """Each line split over the links in force on the day the order was placed (as the ledger will)."""
    Line = get_model("order", "Line")
    lines = list(
        Line.objects.filter(order_id=order.pk)
        .order_by("pk")
        .values("pk", "partner_id", "product_id", "quantity", "line_price_incl_tax")
    )
    if not lines:
        return []
    sold_on = timezone.localdate(order.date_placed)
    links = list(
        BenefitLink.objects.filter(
            producer__partner_id__in={line["partner_id"] for line in lines},
            valid_from__lte=sold_on,
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=sold_on))
        .filter(Q(product__isnull=True) | Q(product_id__in={line["product_id"] for line in lines}))
        .order_by("pk")
        .values(
            "pk",
            "household_id",
            "household__county_id",
            "kind",
            "per_unit",
            "share",
            "product_id",
            "producer__partner_id",
        )
    )
    county_of = {link["household_id"]: link["household__county_id"] for link in links}
    parts = []
    for line in lines:
        rules = [
            attribution.LinkRule(
                link_id=link["pk"],
                household_id=link["household_id"],
                income_source=BenefitLink.INCOME_SOURCE[BenefitLink.Kind(link["kind"])],
                per_unit=link["per_unit"],
                share_percent=link["share"],
            )
            for link in links
            if link["producer__partner_id"] == line["partner_id"]
            and link["product_id"] in (None, line["product_id"])
        ]
        for part in attribution.line_split(
            quantity=line["quantity"], net=line["line_price_incl_tax"], links=rules
        ):
            parts.append((part.household_id, county_of[part.household_id], part.amount))
    return parts


def order_impact_receipt(*, order: Any) -> Receipt:
    """What of this order reaches registered households, in how many households and counties."""
    paid, cancelled = _payment_state(order)
    if cancelled:
        return Receipt(order.total_incl_tax, ZERO, 0, 0, paid=False, recorded=False, cancelled=True)
    if paid:
        parts = _recorded(order)
        if parts or _attribution_written(order):
            paid_out, _households = paid_out_to_lines(line__order_id=order.pk)
            return Receipt(
                order.total_incl_tax, *_tally(parts), paid=True, recorded=True, paid_out=paid_out
            )
    return Receipt(order.total_incl_tax, *_tally(_projected(order)), paid=paid, recorded=False)


@dataclass(frozen=True)
class UnitProjection:
    """What one unit sold today at ``price`` would make due to households (应兑付): a projection.

    ``to_warning`` and ``households_in_warning``: the part of it due to households whose
    current level is in warning (blue, purple, yellow), and how many they are.
    """

    amount: Decimal
    households: int
    to_warning: Decimal = ZERO
    households_in_warning: int = 0

    @property
    def reaches_anyone(self) -> bool:
        return self.amount > ZERO

    @property
    def reaches_warning(self) -> bool:
        return self.to_warning > ZERO

    @property
    def warning_folded(self) -> bool:
        """Fewer than 5 households in warning: said as "不足 5 户", not counted out."""
        return self.households_in_warning < FOLD_BELOW


def product_unit_projection(
    *, partner_id: int, product_id: int, price: Decimal, on: datetime.date
) -> UnitProjection:
    """A paid line of one unit at ``price``, sold ``on``, split as the ledger would split it.

    The links are those the ledger would take for that line (the producer's, on all its
    products or on this one, in force on the day, in link order), and the split is the
    ledger's own (``attribution.line_split``), so the figure is what would be booked as due.
    The same query reads each linked household's current level, for the part due to
    households in warning. One query.
    """
    links = (
        BenefitLink.objects.filter(producer__partner_id=partner_id, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .filter(Q(product__isnull=True) | Q(product_id=product_id))
        .order_by("pk")
        .values_list("pk", "household_id", "kind", "per_unit", "share", "household__status__level")
    )
    rules = []
    in_warning = set()
    for pk, household_id, kind, per_unit, share, level in links:
        rules.append(
            attribution.LinkRule(
                link_id=pk,
                household_id=household_id,
                income_source=BenefitLink.INCOME_SOURCE[BenefitLink.Kind(kind)],
                per_unit=per_unit,
                share_percent=share,
            )
        )
        if level in IN_WARNING:
            in_warning.add(household_id)
    parts = attribution.line_split(quantity=1, net=price, links=rules)
    amount, households, _counties = _tally([(part.household_id, 0, part.amount) for part in parts])
    to_warning, households_in_warning, _counties = _tally(
        [(part.household_id, 0, part.amount) for part in parts if part.household_id in in_warning]
    )
    return UnitProjection(
        amount=amount,
        households=households,
        to_warning=to_warning,
        households_in_warning=households_in_warning,
    )
