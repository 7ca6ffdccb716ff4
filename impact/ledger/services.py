"""The attribution ledger: paid order lines become income on the records of linked households.

Writes only. A payment event (confirmed or refunded) opens an ``AttributionJob``
in its own transaction (the outbox); ``attribution_run`` turns the job into
ledger entries exactly once, with the summary tables. The ledger says what is
*due* to households, never what they received: it moves no warning level (only
payouts do, through ``impact.ledger.credit``). The arithmetic is the pure
``impact.ledger.attribution`` module; this module fetches, calls it, and saves.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Min, Q, Sum
from django.utils import timezone
from oscar.core.loading import get_model

from common.money import ZERO
from producers.models import BenefitLink
from shop.payments.models import PaymentEvent, RefundLine

from ..models import AttributionEntry, AttributionJob
from . import attribution
from .arrears import arrears_suspension_refresh
from .rollups import rollups_apply

logger = logging.getLogger("yixiang.impact")

Line = get_model("order", "Line")


def attribution_job_open(*, event: PaymentEvent) -> AttributionJob:
    """Called inside the transaction that records the payment event: nothing can be lost."""
    job, _created = AttributionJob.objects.get_or_create(payment_event=event)
    return job


def _rule(link: BenefitLink) -> attribution.LinkRule:
    return attribution.LinkRule(
        link_id=link.pk,
        household_id=link.household_id,
        income_source=link.income_source,
        per_unit=link.per_unit,
        share_percent=link.share,
    )


@dataclass(frozen=True)
class _Line:
    """What the ledger needs of an order line."""

    pk: int
    order_id: int
    partner_id: int | None
    product_id: int | None
    quantity: int
    net: Decimal


class _Batch:
    """Everything a batch of jobs reads, fetched in a few queries for all of them at once.

    What each (line, link) holds is kept in memory as the batch's entries are
    made, so a refund reckoned after its payment in the same batch sees what
    the payment gave.
    """

    def __init__(self, jobs: list[AttributionJob]) -> None:
        events = [job.payment_event for job in jobs]
        orders = {event.order_payment.order_id: event.order_payment.order for event in events}
        self.sold_on = {
            order_id: timezone.localdate(order.date_placed) for order_id, order in orders.items()
        }
        self.lines: dict[int, list[_Line]] = defaultdict(list)
        for row in (
            Line.objects.filter(order_id__in=list(orders))
            .order_by("pk")
            .values_list(
                "pk", "order_id", "partner_id", "product_id", "quantity", "line_price_incl_tax"
            )
        ):
            self.lines[row[1]].append(_Line(*row))
        every_line = [line for lines in self.lines.values() for line in lines]

        # The links that may apply: those of the lines' producers, on all their products or one
        # of these, begun by the latest sale date; each line then takes those in force on its date.
        self.links_by_partner: dict[int | None, list[BenefitLink]] = defaultdict(list)
        if every_line:
            for link in (
                BenefitLink.objects.filter(
                    producer__partner_id__in={line.partner_id for line in every_line},
                    valid_from__lte=max(self.sold_on.values()),
                )
                .filter(
                    Q(product__isnull=True)
                    | Q(product_id__in={line.product_id for line in every_line})
                )
                .select_related("producer")
                .order_by("pk")
            ):
                self.links_by_partner[link.producer.partner_id].append(link)
        self.rules: dict[int, attribution.LinkRule] = {}

        # Refunds: each refund event's lines, and what was refunded of each line by when.
        with_refunds = {
            event.order_payment_id
            for event in events
            if event.kind == "refunded" or event.order_payment.amount_refunded > ZERO
        }
        # payment → [(refund event, line, amount)]
        self.refunds: dict[int, list[tuple[int, int, Decimal]]] = defaultdict(list)
        if with_refunds:
            for payment_id, event_id, line_id, amount in (
                RefundLine.objects.filter(refund__event__order_payment_id__in=with_refunds)
                .order_by("refund__event__id", "line_id")
                .values_list(
                    "refund__event__order_payment_id", "refund__event__id", "line_id", "amount"
                )
            ):
                self.refunds[payment_id].append((event_id, line_id, amount))

        # What each (line, link) held before the batch, and the year it was attributed in, for
        # the lines the batch's refunds reverse.
        refund_events = {event.pk for event in events if event.kind == "refunded"}
        refunded_lines = {
            line_id
            for rows in self.refunds.values()
            for event_id, line_id, _amount in rows
            if event_id in refund_events
        }
        self.held: dict[int, dict[int, Decimal]] = defaultdict(dict)  # line → link → amount
        self.year: dict[tuple[int, int], int] = {}
        if refunded_lines:
            for row in (
                AttributionEntry.objects.filter(line_id__in=refunded_lines)
                .values("line_id", "link_id")
                .annotate(
                    total=Sum("amount"),
                    year=Min("year", filter=Q(kind=AttributionEntry.Kind.ATTRIBUTION)),
                )
            ):
                self.held[row["line_id"]][row["link_id"]] = row["total"] or ZERO
                if row["year"] is not None:
                    self.year[(row["line_id"], row["link_id"])] = row["year"]

    def rule(self, link: BenefitLink) -> attribution.LinkRule:
        if link.pk not in self.rules:
            self.rules[link.pk] = _rule(link)
        return self.rules[link.pk]

    def links_for(self, line: _Line) -> tuple[list[attribution.LinkRule], list[BenefitLink]]:
        """The links in force on the line's sale date, and those of its product that had ended."""
        sold_on = self.sold_on[line.order_id]
        applying, ended = [], []
        for link in self.links_by_partner.get(line.partner_id, []):
            if link.valid_from > sold_on or link.product_id not in (None, line.product_id):
                continue
            if link.valid_to is not None and link.valid_to < sold_on:
                ended.append(link)
            else:
                applying.append(self.rule(link))
        return applying, ended

    def refunded_through(self, event: PaymentEvent) -> dict[int, Decimal]:
        """Per line, the money refunded by this event and every earlier one of its order."""
        totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for event_id, line_id, amount in self.refunds.get(event.order_payment_id, []):
            if event_id <= event.pk:
                totals[line_id] += amount
        return totals

    def entries_for(
        self,
        event: PaymentEvent,
        *,
        year: int,
        now: datetime.datetime,
        outcome: dict[str, Any],
    ) -> list[AttributionEntry]:
        order = event.order_payment.order
        lines = self.lines.get(order.pk, [])
        links = {line.pk: self.links_for(line) for line in lines}
        ended = {link.pk: link for _rules, gone in links.values() for link in gone}
        for link in ended.values():
            logger.info(
                "Order %s: benefit link %s ended %s, before the sale",
                order.number,
                link.pk,
                link.valid_to,
            )
        outcome["ended_links"] = sorted(ended)
        entries: list[AttributionEntry] = []

        def add(line: _Line, part: attribution.Part, kind: str, year: int) -> None:
            entries.append(
                AttributionEntry(
                    line_id=line.pk,
                    household_id=part.household_id,
                    link_id=part.link_id,
                    kind=kind,
                    income_source=part.income_source,
                    amount=part.amount,
                    year=year,
                    payment_event=event,
                    created_at=now,
                )
            )
            held = self.held[line.pk]
            held[part.link_id] = held.get(part.link_id, ZERO) + part.amount
            if kind == AttributionEntry.Kind.ATTRIBUTION:
                self.year[(line.pk, part.link_id)] = year

        if event.kind == "confirmed":
            # An order paid by transfer can be refunded in part before it is paid in full; those
            # refunds' jobs ran first and found nothing to reverse, so the payment gives each
            # link only its part of what is kept.
            refunded = self.refunded_through(event)
            unlinked = []
            for line in lines:
                rules = links[line.pk][0]
                if not rules:
                    unlinked.append(line.pk)
                    continue
                for part in _parts_paid(line, rules=rules, refunded=refunded.get(line.pk)):
                    if part.amount > ZERO:
                        add(line, part, AttributionEntry.Kind.ATTRIBUTION, year)
            if unlinked:
                # Attributed to nobody, and said so: never guessed.
                logger.warning(
                    "Order %s: lines %s have no benefit link; attributed to nobody",
                    order.number,
                    unlinked,
                )
            outcome["unlinked_lines"] = unlinked
            return entries

        # A refund: bring each refunded line down to what its kept part should give.
        refunded_lines = {
            line_id
            for event_id, line_id, _amount in self.refunds.get(event.order_payment_id, [])
            if event_id == event.pk
        }
        refunded = self.refunded_through(event)
        for line in lines:
            if line.pk not in refunded_lines:
                continue
            rules = list(links[line.pk][0])
            held = self.held.get(line.pk, {})
            # Links that gave this line money earlier stay in the reckoning even if they have since ended.
            known = {rule.link_id for rule in rules}
            extra = sorted(link_id for link_id in held if link_id not in known)
            if extra:
                rules += [
                    self.rule(link)
                    for link in BenefitLink.objects.filter(pk__in=extra).order_by("pk")
                ]
            for part in attribution.line_reversal(
                quantity=line.quantity,
                net=line.net,
                kept_net=line.net - refunded.get(line.pk, ZERO),
                links=rules,
                attributed=dict(held),
            ):
                # A reversal counts against the year the income was attributed in.
                add(
                    line,
                    part,
                    AttributionEntry.Kind.REVERSAL,
                    self.year.get((line.pk, part.link_id), year),
                )
        return entries


def _parts_paid(
    line: _Line, *, rules: list[attribution.LinkRule], refunded: Decimal | None
) -> list[attribution.Part]:
    """Each link's part of a paid line, less any part of it refunded before the payment completed."""
    if not refunded:
        return attribution.line_split(quantity=line.quantity, net=line.net, links=rules)
    target = attribution.line_target_after_refunds(
        quantity=line.quantity, net=line.net, kept_net=line.net - refunded, links=rules
    )
    return [
        attribution.Part(rule.link_id, rule.household_id, rule.income_source, target[rule.link_id])
        for rule in rules
    ]


def attribution_run(*, payment_event_id: int) -> dict[str, Any]:
    """Write the ledger entries of a payment event, exactly once (due amounts: no level moves).

    The job rows of the order are locked in event order, and any earlier event
    of the same order still to do is done first, so a refund is never reckoned
    before the payment it refunds. A retried, duplicated or concurrent run
    finds the job done and does nothing.
    """
    return attribution_run_many(payment_event_ids=[payment_event_id])


def attribution_run_many(*, payment_event_ids: Iterable[int]) -> dict[str, Any]:
    """Run many jobs in one transaction."""
    wanted = sorted(set(payment_event_ids))
    report: dict[str, Any] = {
        "events": 0,
        "entries": 0,
        "lines": 0,
        "households": 0,
        "unlinked_lines": [],
    }
    if not wanted:
        return report
    with transaction.atomic():
        # Every job of those orders up to the newest wanted event, locked in one order (no deadlocks).
        jobs = list(
            AttributionJob.objects.select_for_update(of=("self",))
            .filter(
                payment_event__order_payment_id__in=PaymentEvent.objects.filter(
                    pk__in=wanted
                ).values("order_payment_id"),
                payment_event_id__lte=wanted[-1],
                done_at__isnull=True,
            )
            .select_related("payment_event__order_payment__order", "payment_event__refund")
            .order_by("payment_event_id")
        )
        left = set(wanted) - {job.payment_event_id for job in jobs}
        if left:  # done already (a duplicate delivery), or no such event
            known = set(PaymentEvent.objects.filter(pk__in=left).values_list("pk", flat=True))
            for event_id in sorted(left - known):
                logger.error("Attribution: payment event %s does not exist", event_id)
        if not jobs:
            return report
        batch = _Batch(jobs)
        households: set[int] = set()
        now = timezone.now()
        entries: list[AttributionEntry] = []
        for job in jobs:
            event = job.payment_event
            outcome: dict[str, Any] = {}
            made = batch.entries_for(
                event, year=timezone.localdate(event.created_at).year, now=now, outcome=outcome
            )
            entries += made
            households.update(entry.household_id for entry in made)
            outcome.update(entries=len(made), lines=len({e.line_id for e in made}))
            job.done_at = now
            job.outcome = outcome
            report["events"] += 1
            report["entries"] += len(made)
            if event.kind == "confirmed":
                report["lines"] += len(batch.lines.get(event.order_payment.order_id, []))
            report["unlinked_lines"] += outcome.get("unlinked_lines", [])
        AttributionEntry.objects.bulk_create(entries, batch_size=1000)
        _arrears_refresh_after_refund(entries)
        rollups_apply(
            events=[job.payment_event for job in jobs], entries=entries, lines=batch.lines
        )
        AttributionJob.objects.bulk_update(jobs, ["done_at", "outcome"], batch_size=500)
        report["households"] = len(households)
    return report


def _arrears_refresh_after_refund(entries: list[AttributionEntry]) -> None:
    """A refund lowers what is due: a producer suspended for arrears may be back within the limit."""
    link_ids = {entry.link_id for entry in entries if entry.kind == AttributionEntry.Kind.REVERSAL}
    if not link_ids:
        return
    producer_ids = list(
        BenefitLink.objects.filter(pk__in=link_ids, producer__arrears_suspended=True)
        .values_list("producer_id", flat=True)
        .distinct()
    )
    if producer_ids:
        transaction.on_commit(
            lambda: arrears_suspension_refresh(producer_ids=producer_ids), robust=True
        )


def attribution_catch_up(
    *, older_than: datetime.timedelta = datetime.timedelta(minutes=1), limit: int = 500
) -> dict[str, Any]:
    """Run jobs whose task never came (a broker down at payment time). Beat, every minute."""
    due = list(
        AttributionJob.objects.filter(
            done_at__isnull=True, created_at__lt=timezone.now() - older_than
        )
        .order_by("payment_event_id")
        .values_list("payment_event_id", flat=True)[:limit]
    )
    return attribution_run_many(payment_event_ids=due)
