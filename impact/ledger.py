"""The attribution ledger: paid order lines become income on the records of linked households.

Writes only. A payment event (confirmed or refunded) opens an ``AttributionJob``
in its own transaction (the outbox); ``attribution_run`` turns the job into
ledger entries exactly once, re-assesses the households it touched, and
records every warning level that moved because of it. The arithmetic is the
pure ``impact.attribution`` module; this module fetches, calls it, and saves.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from oscar.core.loading import get_model

from producers.models import BenefitLink

from . import attribution
from .models import (
    Assessment,
    AttributionEntry,
    AttributionJob,
    Household,
    HouseholdStatus,
    SalesLevelChange,
)
from .services import households_reassess

logger = logging.getLogger("yixiang.impact")

Line = get_model("order", "Line")
ZERO = Decimal("0.00")


def attribution_job_open(*, event) -> AttributionJob:  # type: ignore[no-untyped-def]
    """Called inside the transaction that records the payment event: nothing can be lost."""
    job, _created = AttributionJob.objects.get_or_create(payment_event=event)
    return job


def _links_for(
    *, lines: list, sold_on: datetime.date
) -> tuple[dict[int, list[BenefitLink]], list[BenefitLink]]:  # type: ignore[type-arg]
    """The links in force on the sale date for each line's product, and those that had ended."""
    partners = {line.partner_id for line in lines}
    products = {line.product_id for line in lines}
    candidates = list(
        BenefitLink.objects.filter(producer__partner_id__in=partners, valid_from__lte=sold_on)
        .filter(Q(product__isnull=True) | Q(product_id__in=products))
        .select_related("producer")
        .order_by("pk")
    )
    by_line: dict[int, list[BenefitLink]] = {}
    ended = []
    for line in lines:
        applying = []
        for link in candidates:
            if link.producer.partner_id != line.partner_id:
                continue
            if link.product_id not in (None, line.product_id):
                continue
            if link.valid_to is not None and link.valid_to < sold_on:
                ended.append(link)
                continue
            applying.append(link)
        by_line[line.pk] = applying
    return by_line, ended


def _rule(link: BenefitLink) -> attribution.LinkRule:
    return attribution.LinkRule(
        link_id=link.pk,
        household_id=link.household_id,
        income_source=BenefitLink.INCOME_SOURCE[link.kind],
        per_unit=link.per_unit,
        share_percent=link.share,
    )


def _entries_for_event(event, *, year: int, report: dict) -> list[AttributionEntry]:  # type: ignore[no-untyped-def]
    payment = event.order_payment
    order = payment.order
    lines = list(order.lines.order_by("pk"))
    sold_on = timezone.localdate(order.date_placed)
    links_by_line, ended = _links_for(lines=lines, sold_on=sold_on)
    for link in ended:
        logger.info(
            "Order %s: benefit link %s ended %s, before the sale",
            order.number,
            link.pk,
            link.valid_to,
        )
    report["ended_links"] = sorted({link.pk for link in ended})
    now = timezone.now()
    entries = []
    if event.kind == "confirmed":
        unlinked = []
        for line in lines:
            rules = [_rule(link) for link in links_by_line[line.pk]]
            if not rules:
                unlinked.append(line.pk)
                continue
            for part in attribution.line_split(
                quantity=line.quantity, net=line.line_price_incl_tax, links=rules
            ):
                if part.amount > ZERO:
                    entries.append(
                        AttributionEntry(
                            line=line,
                            household_id=part.household_id,
                            link_id=part.link_id,
                            kind=AttributionEntry.Kind.ATTRIBUTION,
                            income_source=part.income_source,
                            amount=part.amount,
                            year=year,
                            payment_event=event,
                            created_at=now,
                        )
                    )
        if unlinked:
            # Attributed to nobody, and said so: never guessed.
            logger.warning(
                "Order %s: lines %s have no benefit link; attributed to nobody",
                order.number,
                unlinked,
            )
        report["unlinked_lines"] = unlinked
        return entries

    # A refund: bring each refunded line down to what its kept part should give.
    refund = event.refund
    refunded_lines = {part.line_id for part in refund.lines.all()}
    refunded_so_far = _refunded_through(event, line_ids=refunded_lines)
    held = _held(line_ids=refunded_lines)
    for line in lines:
        if line.pk not in refunded_lines:
            continue
        rules = [_rule(link) for link in links_by_line[line.pk]]
        # Links that gave this line money earlier stay in the reckoning even if they have since ended.
        known = {rule.link_id for rule in rules}
        extra = [
            link_id for (line_id, link_id) in held if line_id == line.pk and link_id not in known
        ]
        if extra:
            rules += [
                _rule(link) for link in BenefitLink.objects.filter(pk__in=extra).order_by("pk")
            ]
        net = line.line_price_incl_tax
        kept = net - refunded_so_far.get(line.pk, ZERO)
        for part in attribution.line_reversal(
            quantity=line.quantity,
            net=net,
            kept_net=kept,
            links=rules,
            attributed={
                link_id: amount for (line_id, link_id), amount in held.items() if line_id == line.pk
            },
        ):
            entries.append(
                AttributionEntry(
                    line=line,
                    household_id=part.household_id,
                    link_id=part.link_id,
                    kind=AttributionEntry.Kind.REVERSAL,
                    income_source=part.income_source,
                    amount=part.amount,
                    year=_attributed_year(line.pk, part.link_id, default=year),
                    payment_event=event,
                    created_at=now,
                )
            )
    return entries


def _refunded_through(event, *, line_ids: Iterable[int]) -> dict[int, Decimal]:  # type: ignore[no-untyped-def]
    """Per line, the money refunded by this refund event and every earlier one of the order."""
    from shop.payments.models import RefundLine

    rows = (
        RefundLine.objects.filter(
            line_id__in=list(line_ids),
            refund__event__order_payment=event.order_payment,
            refund__event__pk__lte=event.pk,
        )
        .values("line_id")
        .annotate(total=Sum("amount"))
    )
    return {row["line_id"]: row["total"] or ZERO for row in rows}


def _held(*, line_ids: Iterable[int]) -> dict[tuple[int, int], Decimal]:
    rows = (
        AttributionEntry.objects.filter(line_id__in=list(line_ids))
        .values("line_id", "link_id")
        .annotate(total=Sum("amount"))
    )
    return {(row["line_id"], row["link_id"]): row["total"] or ZERO for row in rows}


def _attributed_year(line_id: int, link_id: int, *, default: int) -> int:
    """A reversal counts against the year the income was attributed in."""
    first = (
        AttributionEntry.objects.filter(
            line_id=line_id, link_id=link_id, kind=AttributionEntry.Kind.ATTRIBUTION
        )
        .order_by("pk")
        .values_list("year", flat=True)
        .first()
    )
    return first or default


def attribution_run(*, payment_event_id: int) -> dict:
    """Write the ledger entries of a payment event, exactly once, and re-assess who they reach.

    The job rows of the order are locked in event order, and any earlier event
    of the same order still to do is done first, so a refund is never reckoned
    before the payment it refunds. A retried, duplicated or concurrent run
    finds the job done and does nothing.
    """
    return attribution_run_many(payment_event_ids=[payment_event_id])


def attribution_run_many(*, payment_event_ids: Iterable[int]) -> dict:
    """Run many jobs in one transaction, re-assessing the households touched once."""
    from shop.payments.models import PaymentEvent

    wanted = sorted(set(payment_event_ids))
    report: dict = {
        "events": 0,
        "entries": 0,
        "lines": 0,
        "households": 0,
        "moved": 0,
        "unlinked_lines": [],
    }
    if not wanted:
        return report
    with transaction.atomic():
        payments = set(
            PaymentEvent.objects.filter(pk__in=wanted).values_list("order_payment_id", flat=True)
        )
        missing = set(wanted) - set(
            PaymentEvent.objects.filter(pk__in=wanted).values_list("pk", flat=True)
        )
        for event_id in sorted(missing):
            logger.error("Attribution: payment event %s does not exist", event_id)
        # Every job of those orders up to the newest wanted event, locked in one order (no deadlocks).
        jobs = list(
            AttributionJob.objects.select_for_update(of=("self",))
            .filter(
                payment_event__order_payment_id__in=payments,
                payment_event_id__lte=max(wanted),
                done_at__isnull=True,
            )
            .select_related("payment_event__order_payment__order", "payment_event__refund")
            .order_by("payment_event_id")
        )
        touched: dict[int, dict[int, set[int]]] = defaultdict(
            lambda: defaultdict(set)
        )  # year → household → lines
        events_by_household: dict[int, set[int]] = defaultdict(set)
        now = timezone.now()
        for job in jobs:
            event = job.payment_event
            year = timezone.localdate(event.created_at).year
            outcome: dict = {}
            entries = _entries_for_event(event, year=year, report=outcome)
            AttributionEntry.objects.bulk_create(entries)
            for entry in entries:
                touched[entry.year][entry.household_id].add(entry.line_id)
                events_by_household[entry.household_id].add(event.pk)
            outcome.update(entries=len(entries), lines=len({e.line_id for e in entries}))
            job.done_at = now
            job.outcome = outcome
            job.save(update_fields=["done_at", "outcome"])
            report["events"] += 1
            report["entries"] += len(entries)
            report["lines"] += (
                event.order_payment.order.lines.count() if event.kind == "confirmed" else 0
            )
            report["unlinked_lines"] += outcome.get("unlinked_lines", [])
        report["households"] = len(events_by_household)
        report["moved"] = _reassess_touched(touched, events_by_household)
    return report


def _reassess_touched(
    touched: dict[int, dict[int, set[int]]], events_by_household: dict[int, set[int]]
) -> int:
    """Re-assess the touched households for each year, and record every level the sales moved."""
    moved = 0
    for year, households in touched.items():
        ids = list(households)
        before = dict(
            HouseholdStatus.objects.filter(household_id__in=ids).values_list(
                "household_id", "level"
            )
        )
        households_reassess(
            households=Household.objects.filter(pk__in=ids),
            year=year,
            channel=Assessment.Channel.SCREENING,
        )
        after = HouseholdStatus.objects.filter(household_id__in=ids).values_list(
            "household_id", "level", "assessment_id"
        )
        for household_id, level, assessment_id in after:
            if household_id not in before or before[household_id] == level:
                continue
            event_id = max(events_by_household[household_id])
            change, created = SalesLevelChange.objects.get_or_create(
                household_id=household_id,
                payment_event_id=event_id,
                defaults={
                    "level_before": before[household_id],
                    "level_after": level,
                    "assessment_id": assessment_id,
                },
            )
            if created:
                change.lines.set(households[household_id])
                moved += 1
    return moved


def attribution_catch_up(
    *, older_than: datetime.timedelta = datetime.timedelta(minutes=1), limit: int = 500
) -> dict:
    """Run jobs whose task never came (a broker down at payment time). Beat, every minute."""
    due = list(
        AttributionJob.objects.filter(
            done_at__isnull=True, created_at__lt=timezone.now() - older_than
        )
        .order_by("payment_event_id")
        .values_list("payment_event_id", flat=True)[:limit]
    )
    return attribution_run_many(payment_event_ids=due)
