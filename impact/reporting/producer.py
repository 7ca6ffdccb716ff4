"""A producer's own figures (the shop dashboard's producer impact page) and its payout to-do."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from common.money import ZERO

from ..ledger.arrears import ProducerArrears, producer_arrears
from ..ledger.followups import disputed_payouts
from ..models import Payout, ReachPeriod
from ..monitoring.access import Scope
from .staff import BreakdownRow, Period, report_breakdown

if TYPE_CHECKING:
    from producers.models import Producer


@dataclass
class ProducerImpact:
    period: Period
    sales: Decimal
    attributed: Decimal
    households_reached: int
    products: list[BreakdownRow]


def producer_impact(*, producer: Producer, period: Period) -> ProducerImpact:
    """A producer's own figures for a period: its sales, what reached its linked households.

    Five queries, from the summaries (``SalesMonth``, ``AttributionMonth``, ``ReachPeriod``).
    """
    products = report_breakdown(
        scope=Scope(None), period=period, by="product", partner_id=producer.partner_id
    )
    reached = ReachPeriod.objects.filter(
        owner=ReachPeriod.Owner.PARTNER,
        owner_id=producer.partner_id,
        period=period.key,
        amount__gt=0,
    ).count()
    return ProducerImpact(
        period=period,
        sales=sum((row.sales or ZERO for row in products), ZERO),
        attributed=sum((row.attributed for row in products), ZERO),
        households_reached=reached,
        products=products,
    )


@dataclass
class ProducerPayoutTodo:
    """What a producer still has to do for its households: pay what is overdue, answer disputes."""

    arrears: ProducerArrears
    disputed: list[Payout]

    @property
    def any(self) -> bool:
        return self.arrears.in_arrears or bool(self.disputed)


def producer_payout_todo(*, producer: Producer, today: datetime.date) -> ProducerPayoutTodo:
    """The producer's arrears (with households) and its unresolved disputed payouts. Five queries."""
    return ProducerPayoutTodo(
        arrears=producer_arrears(producer=producer, today=today),
        disputed=list(disputed_payouts(producer=producer)),
    )
