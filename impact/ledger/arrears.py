"""Arrears (应兑未兑): what sales made due to households and producers have not paid in time.

For each (order line, benefit link) of a producer, ``outstanding = due −
allocations of payouts not reversed`` (a disputed payout still counts as paid
here: the dispute is the follow-up's business, not the debt's). The line is in
arrears when its outstanding is above zero and its first attribution's date
plus its link kind's payout period (``PayoutSettings``: monthly for wages,
purchase premiums and direct sales, yearly for dividends and land rent) lies
before today. Its *due-by date* is that first date plus the period.

Reads: ``producers_arrears`` answers for any number of producers in three
queries (the settings, the overdue (line, link) rows with their allocations as
a correlated subquery, and the households when asked for), so the county
report's query count does not grow with the ledger; the sums are exact to the fen.

Write: ``arrears_suspension_refresh`` keeps ``Producer.arrears_suspended``, the
denormalised flag the shop's availability strategy reads (no extra query on a
product page). It runs on commit after a payout is saved, after a refund's
reversing entries are written, when the settings are saved (``receivers``),
and every day on the beat (``impact-arrears-daily``), since arrears also grow
with the calendar alone.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    DecimalField,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from common.money import ZERO, sum_fen
from producers.models import BenefitLink, Producer

from ..models import AttributionEntry, Household, PayoutAllocation, PayoutSettings

#: Link kinds paid monthly (wages, purchase premiums, direct sales) and yearly (dividends, land rent).
MONTHLY_KINDS: tuple[str, ...] = (
    BenefitLink.Kind.EMPLOYMENT,
    BenefitLink.Kind.PURCHASE,
    BenefitLink.Kind.DIRECT,
)
YEARLY_KINDS: tuple[str, ...] = (BenefitLink.Kind.DIVIDEND, BenefitLink.Kind.LAND_RENT)

# Amounts are whole fen; SQLite sums decimals as floats, so "above zero" is "at least half a fen".
_HALF_FEN = Decimal("0.005")


@dataclass(frozen=True)
class ArrearsItem:
    """One (order line, link) whose due amount is unpaid past its due-by date."""

    producer_id: int
    household_id: int
    line_id: int
    link_id: int
    kind: str
    due: Decimal
    paid: Decimal
    first_on: datetime.date
    due_by: datetime.date

    @property
    def outstanding(self) -> Decimal:
        return self.due - self.paid


@dataclass
class HouseholdArrears:
    household_id: int
    amount: Decimal = ZERO
    oldest_due_by: datetime.date | None = None
    items: list[ArrearsItem] = field(default_factory=list)
    code: str = ""
    name_masked: str = ""


@dataclass
class ProducerArrears:
    """A producer's arrears: the total, by household (largest first), and the oldest due-by date."""

    producer_id: int
    total: Decimal = ZERO
    oldest_due_by: datetime.date | None = None
    households: list[HouseholdArrears] = field(default_factory=list)

    @property
    def households_count(self) -> int:
        return len(self.households)

    @property
    def in_arrears(self) -> bool:
        return self.total > 0


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _overdue_rows(
    *, producers: QuerySet[Producer] | Iterable[int], today: datetime.date, config: PayoutSettings
) -> QuerySet[AttributionEntry, Any]:
    """One row per overdue (line, link) with its due, its allocations and its first attribution."""
    # A first attribution on local day D is overdue when D + days < today, i.e. D < today − days.
    monthly_cut = _start_of(today - datetime.timedelta(days=config.monthly_days))
    yearly_cut = _start_of(today - datetime.timedelta(days=config.yearly_days))
    allocated = (
        PayoutAllocation.objects.filter(
            line_id=OuterRef("line_id"),
            link_id=OuterRef("link_id"),
            payout__reversed_at__isnull=True,
        )
        .order_by()
        .values("link_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    return (
        AttributionEntry.objects.filter(link__producer__in=producers)
        .order_by()
        .values("link__producer_id", "household_id", "line_id", "link_id", "link__kind")
        .annotate(
            due=Sum("amount"),
            first=Min("created_at"),
            paid=Coalesce(Subquery(allocated, output_field=money), Value(ZERO), output_field=money),
        )
        .annotate(outstanding=F("due") - F("paid"))
        .filter(outstanding__gte=_HALF_FEN)
        .filter(
            Q(link__kind__in=MONTHLY_KINDS, first__lt=monthly_cut)
            | Q(link__kind__in=YEARLY_KINDS, first__lt=yearly_cut)
        )
    )


def producers_arrears(
    *,
    producers: QuerySet[Producer] | Iterable[int],
    today: datetime.date,
    with_households: bool = False,
) -> dict[int, ProducerArrears]:
    """The arrears of many producers at once, by producer id; producers owing nothing are left out.

    ``producers`` is a queryset (used as a subquery) or producer ids. Two queries,
    three ``with_households`` (their codes and masked names), whatever the number of producers.
    """
    if not isinstance(producers, QuerySet):
        producers = list(producers)
    config = PayoutSettings.load()
    period = dict.fromkeys(MONTHLY_KINDS, config.monthly_days) | dict.fromkeys(
        YEARLY_KINDS, config.yearly_days
    )
    result: dict[int, ProducerArrears] = {}
    by_household: dict[tuple[int, int], HouseholdArrears] = {}
    for row in _overdue_rows(producers=producers, today=today, config=config):
        first_on = timezone.localdate(row["first"])
        item = ArrearsItem(
            producer_id=row["link__producer_id"],
            household_id=row["household_id"],
            line_id=row["line_id"],
            link_id=row["link_id"],
            kind=row["link__kind"],
            due=sum_fen(row["due"]),
            paid=sum_fen(row["paid"]),
            first_on=first_on,
            due_by=first_on + datetime.timedelta(days=period[str(row["link__kind"])]),
        )
        producer = result.setdefault(item.producer_id, ProducerArrears(item.producer_id))
        household = by_household.get((item.producer_id, item.household_id))
        if household is None:
            household = HouseholdArrears(item.household_id)
            by_household[(item.producer_id, item.household_id)] = household
            producer.households.append(household)
        household.items.append(item)
        household.amount += item.outstanding
        producer.total += item.outstanding
        for holder in (household, producer):
            if holder.oldest_due_by is None or item.due_by < holder.oldest_due_by:
                holder.oldest_due_by = item.due_by
    if with_households and by_household:
        ids = {household_id for _producer, household_id in by_household}
        found = {h.pk: h for h in Household.objects.filter(pk__in=ids).only("code", "head_name")}
        for (_producer, household_id), household in by_household.items():
            household.code = found[household_id].code
            household.name_masked = found[household_id].head_name_masked
    for producer in result.values():
        producer.households.sort(key=lambda h: (-h.amount, h.oldest_due_by or today, h.code))
        for household in producer.households:
            household.items.sort(key=lambda item: (item.due_by, item.line_id, item.link_id))
    return result


def producer_arrears(*, producer: Producer, today: datetime.date) -> ProducerArrears:
    """One producer's arrears, with its households' codes and masked names (three queries)."""
    found = producers_arrears(producers=[producer.pk], today=today, with_households=True)
    return found.get(producer.pk, ProducerArrears(producer.pk))


def arrears_suspension_refresh(
    *, producer_ids: Iterable[int] | None = None, today: datetime.date | None = None
) -> dict[str, int]:
    """Set ``Producer.arrears_suspended`` where its arrears exceed ``PayoutSettings.suspend_above``.

    ``producer_ids`` None refreshes every producer (the daily beat, a settings change).
    Idempotent; the flag is cleared for every producer whose arrears are back within
    the limit, or for all when no limit is set. Returns counts of producers now
    suspended and of flags changed.
    """
    today = today or timezone.localdate()
    config = PayoutSettings.load()
    producers = Producer.objects.all()
    if producer_ids is not None:
        producers = producers.filter(pk__in=list(producer_ids))
    over: set[int] = set()
    if config.suspend_above is not None:
        limit = config.suspend_above
        over = {
            pk
            for pk, arrears in producers_arrears(producers=producers, today=today).items()
            if arrears.total > limit
        }
    suspended = producers.filter(pk__in=over).exclude(arrears_suspended=True)
    lifted = producers.exclude(pk__in=over).filter(arrears_suspended=True)
    changed = suspended.update(arrears_suspended=True) + lifted.update(arrears_suspended=False)
    return {"suspended": len(over), "changed": changed}
