"""A buyer's own impact (/impact/mine/): what their paid orders reached, never who.

Two bases, kept apart: what the orders made due to linked households (应兑付,
the ledger net of refunds: income the producers will pass on, 将带动) and what
producers have actually paid out against it (已兑付: the buyer's share of the
payouts, counted by their allocations to the buyer's order lines). Still due
is the difference.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count
from django.utils.translation import gettext as _

from common.money import ZERO, sum_fen

from ..ledger.rollups import ALL_TIME
from ..ledger.selectors import paid_out_to_lines
from ..models import BuyerMonth, ReachPeriod, Region

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass
class MyImpactMonth:
    month: datetime.date
    amount: Decimal


@dataclass
class MyImpact:
    amount: Decimal  # due (应兑付), net of refunds
    households: int
    counties: list[tuple[str, int]]
    months: list[MyImpactMonth]
    paid_out: Decimal = ZERO  # paid out to households against it (已兑付)
    households_paid: int = 0

    @property
    def still_due(self) -> Decimal:
        """Due and not yet paid out (待兑付)."""
        return self.amount - self.paid_out


def my_impact(*, user: User) -> MyImpact:
    """What a buyer's paid orders reached: amounts and counts only, never who. Four queries.

    Due is read from the buyer's summaries (``ReachPeriod``, ``BuyerMonth``), kept by the
    ledger; paid out from the payouts' allocations to the buyer's order lines.
    """
    reached = ReachPeriod.objects.filter(
        owner=ReachPeriod.Owner.USER, owner_id=user.pk, period=ALL_TIME, amount__gt=0
    )
    counties = []
    for row in reached.values("county_id").annotate(n=Count("pk")).order_by("-n", "county_id"):
        counties.append((row["county_id"], row["n"]))
    names = dict(
        Region.objects.filter(pk__in=[county for county, _n in counties]).values_list("pk", "name")
    )
    months = [
        MyImpactMonth(month, sum_fen(amount))
        for month, amount in BuyerMonth.objects.filter(user_id=user.pk)
        .order_by("month")
        .values_list("month", "amount")
    ]
    paid_out, households_paid = paid_out_to_lines(line__order__user_id=user.pk)
    return MyImpact(
        amount=sum((row.amount for row in months), ZERO),
        households=sum(n for _county, n in counties),
        counties=[(names.get(county, _("Other")), n) for county, n in counties],
        months=months,
        paid_out=paid_out,
        households_paid=households_paid,
    )
