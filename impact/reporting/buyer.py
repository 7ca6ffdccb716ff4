"""A buyer's own impact (/impact/mine/): what their paid orders reached, never who."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count
from django.utils.translation import gettext as _

from common.money import ZERO, sum_fen

from ..ledger.rollups import ALL_TIME
from ..models import BuyerMonth, ReachPeriod, Region

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass
class MyImpactMonth:
    month: datetime.date
    amount: Decimal


@dataclass
class MyImpact:
    amount: Decimal
    households: int
    counties: list[tuple[str, int]]
    months: list[MyImpactMonth]


def my_impact(*, user: User) -> MyImpact:
    """What a buyer's paid orders reached: amounts and counts only, never who. Three queries.

    Read from the buyer's summaries (``ReachPeriod``, ``BuyerMonth``), kept by the ledger.
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
    return MyImpact(
        amount=sum((row.amount for row in months), ZERO),
        households=sum(n for _county, n in counties),
        counties=[(names.get(county, _("Other")), n) for county, n in counties],
        months=months,
    )
