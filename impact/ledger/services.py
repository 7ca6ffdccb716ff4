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
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Count, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
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
        # Links that gave a refunded line money but no longer apply to it (ended, or no longer
        # matching): loaded once for the batch, not once per line.
        loaded = {link.pk for links in self.links_by_partner.values() for link in links}
        gone = {link_id for held in self.held.values() for link_id in held} - loaded
        self.other_links: dict[int, BenefitLink] = (
            {link.pk: link for link in BenefitLink.objects.filter(pk__in=gone)} if gone else {}
        )

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
                loaded = {link.pk: link for link in self.links_by_partner.get(line.partner_id, [])}
                rules += [self.rule(loaded.get(pk) or self.other_links[pk]) for pk in extra]
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
    finds the job done and does nothing. A quarantined job is left as it is
    (``attribution_jobs_retry`` makes it ready again).
    """
    return attribution_run_many(payment_event_ids=[payment_event_id])


def _report() -> dict[str, Any]:
    return {
        "events": 0,
        "entries": 0,
        "lines": 0,
        "households": 0,
        "unlinked_lines": [],
        "quarantined": [],
        "deferred": [],
        "batches": 0,
    }


def _report_add(report: dict[str, Any], more: dict[str, Any]) -> None:
    for key, value in more.items():
        report[key] += value


_JOBS_RELATED = ("payment_event__order_payment__order", "payment_event__refund")


def attribution_run_many(*, payment_event_ids: Iterable[int]) -> dict[str, Any]:
    """Run the jobs of these payment events (and earlier ones of their orders) in one transaction.

    Waits for a job another worker holds (the demo, the tests, a caller that wants these
    events booked now); the tasks use ``attribution_jobs_drain``, which never waits.
    """
    wanted = sorted(set(payment_event_ids))
    if not wanted:
        return _report()

    def claim() -> list[AttributionJob]:
        # Every job of those orders up to the newest wanted event, locked in one order (no
        # deadlocks).
        jobs = list(
            _ready()
            .select_for_update(of=("self",))
            .filter(
                payment_event__order_payment_id__in=PaymentEvent.objects.filter(
                    pk__in=wanted
                ).values("order_payment_id"),
                payment_event_id__lte=wanted[-1],
            )
            .select_related(*_JOBS_RELATED)
            .order_by("payment_event_id")
        )
        left = set(wanted) - {job.payment_event_id for job in jobs}
        if left:  # done already (a duplicate delivery), quarantined, or no such event
            known = set(PaymentEvent.objects.filter(pk__in=left).values_list("pk", flat=True))
            for event_id in sorted(left - known):
                logger.error("Attribution: payment event %s does not exist", event_id)
        return jobs

    _jobs, report = _batch_run(claim)
    return report


def attribution_jobs_drain(
    *,
    batch_size: int | None = None,
    max_batches: int | None = None,
    older_than: datetime.timedelta | None = None,
) -> dict[str, Any]:
    """Claim ready jobs in batches and run them: what every attribution task does.

    Each batch is one transaction: its jobs are claimed ``FOR UPDATE SKIP
    LOCKED`` in event order (a job another worker holds is skipped, never
    waited for nor done twice), run together, and committed. A job that fails
    is quarantined and the rest of its batch is committed (``_batch_run``).
    A job whose order has an earlier job held by another worker waits for a
    later run (the next task, or the catch-up), so a refund never comes before
    its payment. ``older_than``: only jobs at least that old (the catch-up).
    """
    batch_size = batch_size or settings.ATTRIBUTION_BATCH_SIZE
    max_batches = max_batches or settings.ATTRIBUTION_BATCHES_PER_RUN
    report = _report()
    deferred: set[int] = set()  # waiting for another worker's job: not claimed again this run

    def waiting() -> QuerySet[AttributionJob]:
        ready = _ready()
        if older_than is not None:
            ready = ready.filter(created_at__lt=timezone.now() - older_than)
        if deferred:
            ready = ready.exclude(pk__in=deferred)
        return ready

    def claim() -> list[AttributionJob]:
        ready = waiting()
        # How many earlier jobs of its order are still to do: when the claim holds them all,
        # nothing else needs asking (``_jobs_process``).
        earlier = (
            AttributionJob.objects.filter(
                payment_event__order_payment_id=OuterRef("payment_event__order_payment_id"),
                payment_event_id__lt=OuterRef("payment_event_id"),
                done_at__isnull=True,
            )
            .order_by()
            .values("payment_event__order_payment_id")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return list(
            ready.select_for_update(skip_locked=True, of=("self",))
            .annotate(earlier_to_do=Coalesce(Subquery(earlier), 0))
            .select_related(*_JOBS_RELATED)
            .order_by("payment_event_id")[:batch_size]
        )

    for _batch in range(max_batches):
        # In a rush the first task books every ready job and the tasks after it find none:
        # they ask the ready jobs' partial index whether there is any (a short query), not
        # the claim (a transaction, a lock and a bigger query to plan).
        if not waiting().exists():
            break
        jobs, outcome = _batch_run(claim)
        if not jobs:
            break
        deferred.update(outcome["deferred"])
        _report_add(report, outcome)
        if len(jobs) < batch_size:
            break
    return report


def _ready() -> QuerySet[AttributionJob]:
    return AttributionJob.objects.filter(done_at__isnull=True, quarantined_at__isnull=True)


def _batch_run(
    claim: Callable[[], list[AttributionJob]],
) -> tuple[list[AttributionJob], dict[str, Any]]:
    """Claim a batch and book it in one transaction; the jobs claimed and the report.

    All the jobs together first: a few queries for the whole batch, no
    savepoint. If that fails, the transaction is rolled back and the same jobs
    are locked again (still to do) and run each on its own, in its own
    savepoint, in event order: a job that fails again is quarantined (marked
    with its error, logged), and so is any later job of its order (a refund
    never goes before its payment); the others are booked. Errors of the
    connection or of the database's locks are not the jobs' fault: they end the
    transaction, and the task's retry runs the batch again.
    """
    claimed: list[int] = []
    try:
        with transaction.atomic():
            jobs = claim()
            claimed[:] = [job.pk for job in jobs]
            if not jobs:
                return jobs, _report()
            return jobs, _jobs_process(jobs, each_alone=False)
    except _NOT_THE_JOBS_FAULT:
        raise
    except Exception:
        if not claimed:  # the claim itself failed: nothing the jobs did
            raise
        logger.warning(
            "Attribution: a batch of %d jobs failed; running each on its own", len(claimed)
        )
    with transaction.atomic():
        jobs = list(
            _ready()
            .select_for_update(of=("self",))
            .filter(pk__in=claimed)
            .select_related(*_JOBS_RELATED)
            .order_by("payment_event_id")
        )
        return jobs, (_jobs_process(jobs, each_alone=True) if jobs else _report())


def _jobs_process(jobs: list[AttributionJob], *, each_alone: bool) -> dict[str, Any]:
    """Book claimed jobs (locked, in event order) in the caller's transaction: all together,
    or ``each_alone`` in its own savepoint, quarantining those that fail (``_batch_run``)."""
    report = _report()
    # An earlier job of the same order outside the claim: quarantined (this one waits for it,
    # quarantined too) or held by another worker (this one waits for a later run). Asked only
    # when the claim does not hold every earlier job still to do (``earlier_to_do``).
    claimed: dict[int, list[int]] = defaultdict(list)  # order payment → its claimed events
    for job in jobs:
        claimed[job.payment_event.order_payment_id].append(job.payment_event_id)
    blockers: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    if any(
        getattr(job, "earlier_to_do", None)
        != sum(
            1
            for event_id in claimed[job.payment_event.order_payment_id]
            if event_id < job.payment_event_id
        )
        for job in jobs
    ):
        for payment_id, event_id, quarantined_at in (
            AttributionJob.objects.filter(
                payment_event__order_payment_id__in=set(claimed),
                payment_event_id__lt=jobs[-1].payment_event_id,
                done_at__isnull=True,
            )
            .exclude(pk__in=[job.pk for job in jobs])
            .values_list("payment_event__order_payment_id", "payment_event_id", "quarantined_at")
        ):
            blockers[payment_id].append((event_id, quarantined_at is not None))
    runnable: list[AttributionJob] = []
    for job in jobs:
        earlier = [
            (event_id, quarantined)
            for event_id, quarantined in blockers.get(job.payment_event.order_payment_id, [])
            if event_id < job.payment_event_id
        ]
        if any(quarantined for _event_id, quarantined in earlier):
            first = min(event_id for event_id, quarantined in earlier if quarantined)
            _quarantine(job, f"Waits for payment event {first} of its order, quarantined.")
            report["quarantined"].append(job.payment_event_id)
        elif earlier:
            report["deferred"].append(job.pk)
        else:
            runnable.append(job)
    report["batches"] = 1
    if not runnable:
        return report
    if not each_alone:
        _report_add(report, _jobs_book(runnable))
        return report
    failed: dict[int, int] = {}  # order payment → the first of its events that failed
    for job in runnable:
        payment_id = job.payment_event.order_payment_id
        if payment_id in failed:
            _quarantine(
                job, f"Waits for payment event {failed[payment_id]} of its order, quarantined."
            )
            report["quarantined"].append(job.payment_event_id)
            continue
        try:
            with transaction.atomic():
                _report_add(report, _jobs_book([job]))
        except _NOT_THE_JOBS_FAULT:
            raise
        except Exception as error:
            job.done_at, job.outcome = None, {}
            failed[payment_id] = job.payment_event_id
            logger.exception(
                "Attribution job %s (payment event %s) failed", job.pk, job.payment_event_id
            )
            _quarantine(job, f"{type(error).__name__}: {error}")
            report["quarantined"].append(job.payment_event_id)
    return report


# A lost connection, a deadlock, a lock or statement timeout, a task's time limit: the batch is
# retried whole, nobody's job is quarantined for it.
_NOT_THE_JOBS_FAULT = (OperationalError, InterfaceError, SoftTimeLimitExceeded)


def _quarantine(job: AttributionJob, error: str) -> None:
    """Mark a claimed job failed (in the caller's transaction): no worker claims it again."""
    job.quarantined_at = timezone.now()
    job.error = error[:4000]
    AttributionJob.objects.filter(pk=job.pk).update(
        quarantined_at=job.quarantined_at, error=job.error
    )
    logger.error(
        "Attribution job %s (payment event %s) quarantined: %s",
        job.pk,
        job.payment_event_id,
        job.error.splitlines()[0] if job.error else "",
    )


def _jobs_book(jobs: list[AttributionJob]) -> dict[str, Any]:
    """Write the entries, the summaries and the done marks of locked jobs (event order)."""
    report = _report()
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
    _entries_insert(entries)
    _arrears_refresh_after_refund(entries)
    rollups_apply(events=[job.payment_event for job in jobs], entries=entries, lines=batch.lines)
    _jobs_mark_done(jobs, now=now)
    report["households"] = len(households)
    return report


# The batch's two big writes. On PostgreSQL one array a column (``unnest``): a short statement
# whatever the batch, where the ORM's would carry a placeholder a value (tens of thousands for
# the driver to parse and the server to plan) or, for the done marks, a CASE a job.

_ENTRY_COLUMNS = (
    ("line_id", "bigint"),
    ("household_id", "bigint"),
    ("link_id", "bigint"),
    ("kind", "varchar"),
    ("income_source", "varchar"),
    ("amount", "numeric"),
    ("year", "integer"),
    ("payment_event_id", "bigint"),
    ("created_at", "timestamptz"),
)


def _entries_insert(entries: list[AttributionEntry]) -> None:
    if not entries:
        return
    if connection.vendor != "postgresql":
        AttributionEntry.objects.bulk_create(entries, batch_size=2000)
        return
    names = ", ".join(name for name, _type in _ENTRY_COLUMNS)
    arrays = ", ".join(f"%s::{kind}[]" for _name, kind in _ENTRY_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {AttributionEntry._meta.db_table} ({names}) "  # noqa: S608 (constants)
            f"SELECT * FROM unnest({arrays})",
            [[getattr(entry, name) for entry in entries] for name, _type in _ENTRY_COLUMNS],
        )


def _jobs_mark_done(jobs: list[AttributionJob], *, now: datetime.datetime) -> None:
    if connection.vendor != "postgresql":
        AttributionJob.objects.bulk_update(jobs, ["done_at", "outcome"], batch_size=1000)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AttributionJob._meta.db_table} AS job"  # noqa: S608 (constants)
            " SET done_at = %s, outcome = todo.outcome"
            " FROM unnest(%s::bigint[], %s::jsonb[]) AS todo(id, outcome) WHERE job.id = todo.id",
            [now, [job.pk for job in jobs], [json.dumps(job.outcome) for job in jobs]],
        )


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
    *, older_than: datetime.timedelta = datetime.timedelta(minutes=1)
) -> dict[str, Any]:
    """Run jobs whose task never came (a broker down at payment time). Beat, every minute.

    The same batches as every task: claimed ``SKIP LOCKED``, failures quarantined.
    """
    return attribution_jobs_drain(older_than=older_than)


def attribution_jobs_retry(*, job_ids: Iterable[int]) -> list[int]:
    """Make quarantined jobs ready again, with the later quarantined jobs of their orders
    (which waited for them); the ids of the jobs made ready. The caller queues a run."""
    with transaction.atomic():
        payments = set(
            AttributionJob.objects.filter(
                pk__in=list(job_ids), quarantined_at__isnull=False, done_at__isnull=True
            ).values_list("payment_event__order_payment_id", flat=True)
        )
        jobs = list(
            AttributionJob.objects.select_for_update()
            .filter(
                payment_event__order_payment_id__in=payments,
                quarantined_at__isnull=False,
                done_at__isnull=True,
            )
            .order_by("payment_event_id")
        )
        for job in jobs:
            job.quarantined_at = None
            job.retries += 1
            logger.info(
                "Attribution job %s (payment event %s) released from quarantine, retry %d",
                job.pk,
                job.payment_event_id,
                job.retries,
            )
        AttributionJob.objects.bulk_update(jobs, ["quarantined_at", "retries"])
    return [job.pk for job in jobs]
