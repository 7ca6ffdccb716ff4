"""Attribution in batches (issue #20): ready jobs claimed SKIP LOCKED, a failing job quarantined.

The jobs here are opened as the payment services open them (the outbox row in the
payment's transaction) but their task is not run: ``job_opened`` writes the
payment event and its job the way ``attribution_job_open`` does, without the
signal, so a test decides when and how the jobs are run. Amounts are the demo's
links (README "Demo data"): 老鹰茶 YX-DC-004 at ¥58.00 reaches three households
(purchase 20%, employment 8%, dividend 5%); 大洋芋 YX-DC-001 at ¥29.90 two (8%, 5%)
and one more at ¥3.00 a unit.
"""

from __future__ import annotations

import datetime
import logging
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from common.roles import FINANCE_GROUP, OPERATIONS_GROUP
from impact.ledger.services import (
    attribution_catch_up,
    attribution_jobs_drain,
    attribution_run,
)
from impact.models import AttributionEntry, AttributionJob
from impact.tasks import impact_attribute_payment
from producers.models import BenefitLink
from shop.payments.models import OrderPayment, PaymentEvent, Refund, RefundLine
from tests.impact.ledger_rules import links_in_force
from tests.shop.payments.paying import awaiting_transfer

D = Decimal
Line = get_model("order", "Line")

# What each line of these products gives its households in all, to the fen.
TEA_2 = D("38.28")  # 老鹰茶 × 2: 116.00 × (20% + 8% + 5%)
POTATO_2 = D("13.77")  # 大洋芋 × 2: 2 × 3.00 + 59.80 × (8% + 5%) = 6.00 + 4.78 + 2.99


def job_opened(order: Any) -> PaymentEvent:
    """The order paid in full, its payment-confirmed event and its job written, no task run."""
    payment = OrderPayment.objects.get(order=order)
    OrderPayment.objects.filter(pk=payment.pk).update(
        state="paid", amount_received=payment.amount_due, confirmed_at=timezone.now()
    )
    event = PaymentEvent.objects.create(
        order_payment=payment, kind="confirmed", amount=payment.amount_due
    )
    AttributionJob.objects.create(payment_event=event)
    return event


def refund_opened(order: Any, *, line: Any, quantity: int, amount: Decimal) -> PaymentEvent:
    """A refund of ``quantity`` units of ``line`` made, its event and its job written, no task run."""
    payment = OrderPayment.objects.get(order=order)
    OrderPayment.objects.filter(pk=payment.pk).update(amount_refunded=amount)
    refund = Refund.objects.create(
        order_payment=payment, amount=amount, state="succeeded", completed_at=timezone.now()
    )
    RefundLine.objects.create(refund=refund, line=line, quantity=quantity, amount=amount)
    event = PaymentEvent.objects.create(
        order_payment=payment, kind="refunded", amount=amount, refund=refund
    )
    AttributionJob.objects.create(payment_event=event)
    return event


def attributed(order: Any) -> Decimal:
    return AttributionEntry.objects.filter(line__order=order).aggregate(t=Sum("amount"))["t"]


def job(event: PaymentEvent) -> AttributionJob:
    return AttributionJob.objects.get(payment_event=event)


def user_in(group: str, username: str):
    user = get_user_model().objects.create_user(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client


# ---------------------------------------------------------------- one worker (SQLite and PostgreSQL)


@pytest.mark.django_db
def test_a_poisoned_job_is_quarantined_and_the_rest_of_its_batch_is_booked(caplog):
    orders = [awaiting_transfer([("YX-DC-004", 2)]) for _ in range(5)]
    events = [job_opened(order) for order in orders]
    # The third job was half written before (an entry of its own is there already): booking it
    # again breaks the ledger's one-entry-per-(event, line, link) rule.
    poisoned = events[2]
    line = orders[2].lines.get()
    link = BenefitLink.objects.get(pk=links_in_force(line, on=timezone.localdate())[0].link_id)
    AttributionEntry.objects.create(
        line=line,
        household_id=link.household_id,
        link=link,
        kind="attribution",
        income_source=link.income_source,
        amount=D("1.00"),
        year=timezone.localdate().year,
        payment_event=poisoned,
    )
    # And the poisoned order is refunded in part: its refund waits for its payment.
    refund = refund_opened(orders[2], line=line, quantity=1, amount=D("58.00"))

    with caplog.at_level(logging.ERROR, logger="yixiang.impact"):
        report = attribution_jobs_drain(batch_size=10)

    assert report["events"] == 4
    assert report["quarantined"] == [poisoned.pk, refund.pk]
    for number in (0, 1, 3, 4):
        assert attributed(orders[number]) == TEA_2
        assert job(events[number]).done_at is not None
    assert attributed(orders[2]) == D("1.00")  # only what was there before
    stuck = job(poisoned)
    assert stuck.done_at is None
    assert stuck.quarantined_at is not None
    assert stuck.error.startswith("IntegrityError")
    waiting = job(refund)
    assert waiting.quarantined_at is not None
    assert waiting.error == f"Waits for payment event {poisoned.pk} of its order, quarantined."
    assert f"Attribution job {stuck.pk} (payment event {poisoned.pk}) quarantined" in caplog.text
    # A quarantined job is claimed by no later run: the others go on.
    later = job_opened(awaiting_transfer([("YX-DC-001", 2)]))
    report = attribution_jobs_drain(batch_size=10)
    assert (report["events"], report["quarantined"]) == (1, [])
    assert job(later).done_at is not None
    assert job(poisoned).done_at is None


@pytest.mark.django_db
def test_a_failing_refund_is_shown_to_operations_and_booked_once_retried(
    django_capture_on_commit_callbacks,
):
    tea, potatoes = awaiting_transfer([("YX-DC-004", 2)]), awaiting_transfer([("YX-DC-001", 2)])
    paid = [job_opened(tea), job_opened(potatoes)]
    assert attribution_jobs_drain()["events"] == 2
    line = tea.lines.get()
    refund = refund_opened(tea, line=line, quantity=1, amount=D("58.00"))
    # A bad hand-made fix in the database: the refund now names a line of another order.
    RefundLine.objects.filter(refund__event=refund).update(line=potatoes.lines.get())
    good = job_opened(awaiting_transfer([("YX-DC-004", 2)]))

    report = attribution_jobs_drain()
    assert (report["events"], report["quarantined"]) == (1, [refund.pk])
    assert job(good).done_at is not None
    assert job(refund).error.startswith("KeyError")
    assert attributed(tea) == TEA_2  # not reversed yet

    ops = user_in(OPERATIONS_GROUP, "ops-quarantine")
    page = ops.get(reverse("impact_attribution_quarantine"))
    assert page.status_code == 200
    row = page.content.decode().split(f'id="job-{job(refund).pk}"')[1].split("</tr>")[0]
    assert tea.number in row and "KeyError" in row
    home = ops.get(reverse("wagtailadmin_home")).content.decode()
    assert 'id="attribution-quarantine-panel"' in home
    finance = user_in(FINANCE_GROUP, "finance-quarantine")
    assert finance.get(reverse("impact_attribution_quarantine")).status_code == 403
    assert (
        'id="attribution-quarantine-panel"'
        not in finance.get(reverse("wagtailadmin_home")).content.decode()
    )

    # Fixed, then retried from the back office: the run queued on commit books it.
    RefundLine.objects.filter(refund__event=refund).update(line=line)
    with django_capture_on_commit_callbacks(execute=True):
        response = ops.post(reverse("impact_attribution_quarantine"), {"job": job(refund).pk})
    assert response.status_code == 302
    retried = job(refund)
    assert (retried.quarantined_at, retried.retries) == (None, 1)
    assert retried.done_at is not None
    # Half of 老鹰茶 × 2 kept: 11.60 + 4.64 + 2.90.
    assert attributed(tea) == D("19.14")
    assert not AttributionJob.objects.filter(quarantined_at__isnull=False).exists()
    assert (
        'id="attribution-quarantine-panel"'
        not in ops.get(reverse("wagtailadmin_home")).content.decode()
    )
    assert paid  # both payments stayed booked once
    assert attributed(potatoes) == POTATO_2


@pytest.mark.django_db
@pytest.mark.parametrize("jobs", [2, 6])
def test_a_batch_costs_the_same_queries_however_many_jobs_it_holds(jobs, django_assert_num_queries):
    orders = [awaiting_transfer([("YX-DC-004", 2), ("YX-DC-001", 2)]) for _ in range(jobs)]
    for order in orders:
        job_opened(order)
    # Whether any job is ready; the claim (each job with how many earlier jobs of its order are
    # still to do: none); lines,
    # links; the entries; the summaries (orders' buyers, campaigns, producers' counties,
    # households' counties, four upserts: the orders have no buyer account, so no buyer's
    # month); the jobs marked done; and the batch's own transaction (a savepoint inside the
    # test's: SAVEPOINT and RELEASE).
    with django_assert_num_queries(16):
        report = attribution_jobs_drain(batch_size=10)
    assert report["events"] == jobs
    assert report["entries"] == jobs * 6
    for order in orders:
        assert attributed(order) == TEA_2 + POTATO_2


@pytest.mark.django_db
def test_a_task_that_finds_its_job_booked_already_costs_one_query(django_assert_num_queries):
    # In a rush the first task books every ready job; each task after it asks only whether
    # any is ready: no transaction, no lock, no claim.
    event = job_opened(awaiting_transfer([("YX-DC-001", 2)]))
    assert impact_attribute_payment(event.pk)["events"] == 1
    with django_assert_num_queries(1):
        report = impact_attribute_payment(event.pk)
    assert report["events"] == 0


@pytest.mark.django_db
def test_the_task_of_one_payment_books_every_ready_job_and_the_catch_up_the_old_ones():
    orders = [awaiting_transfer([("YX-DC-001", 2)]) for _ in range(3)]
    events = [job_opened(order) for order in orders]
    report = impact_attribute_payment(events[0].pk)
    assert (report["events"], report["lines"]) == (3, 3)
    assert all(attributed(order) == POTATO_2 for order in orders)
    # Only jobs older than a minute for the catch-up.
    fresh = job_opened(awaiting_transfer([("YX-DC-001", 2)]))
    assert attribution_catch_up()["events"] == 0
    AttributionJob.objects.filter(payment_event=fresh).update(
        created_at=timezone.now() - datetime.timedelta(minutes=2)
    )
    assert attribution_catch_up()["events"] == 1
    # A targeted run (the demo, the tests) leaves a quarantined job alone.
    stuck = job_opened(awaiting_transfer([("YX-DC-001", 1)]))
    AttributionJob.objects.filter(payment_event=stuck).update(
        quarantined_at=timezone.now(), error="x"
    )
    assert attribution_run(payment_event_id=stuck.pk)["events"] == 0
    assert job(stuck).done_at is None


# ---------------------------------------------------------------- two workers (PostgreSQL)

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks and SKIP LOCKED need PostgreSQL (SQLite locks the whole database)",
)


def other_connection():
    """A second session on the test database (another worker), in a transaction."""
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
    )


@postgresql_only
def test_a_job_another_worker_holds_is_skipped_and_a_refund_waits_for_its_payment(
    committed_demo,
):
    tea = awaiting_transfer([("YX-DC-004", 2)])
    others = [awaiting_transfer([("YX-DC-001", 2)]) for _ in range(3)]
    payment = job_opened(tea)
    events = [job_opened(order) for order in others]
    refund = refund_opened(tea, line=tea.lines.get(), quantity=1, amount=D("58.00"))

    worker = other_connection()
    try:
        # The other worker holds the tea's payment job, as in the middle of its batch.
        worker.execute(
            "SELECT id FROM impact_attributionjob WHERE payment_event_id = %s FOR UPDATE",
            [payment.pk],
        )
        report = attribution_jobs_drain(batch_size=2)
        assert report["events"] == 3
        assert report["deferred"] == [job(refund).pk]
        assert all(attributed(order) == POTATO_2 for order in others)
        # Neither the held payment nor its refund: the refund never goes first.
        assert job(payment).done_at is None
        assert job(refund).done_at is None
        assert job(refund).quarantined_at is None
        assert attributed(tea) is None
    finally:
        worker.rollback()
        worker.close()
    report = attribution_jobs_drain(batch_size=2)
    assert report["events"] == 2
    assert attributed(tea) == D("19.14")  # paid, then half refunded: 11.60 + 4.64 + 2.90
    assert AttributionEntry.objects.filter(line__order=tea, kind="reversal").count() == 3
    assert events


@postgresql_only
def test_two_workers_draining_at_once_book_each_job_exactly_once(committed_demo):
    orders = [awaiting_transfer([("YX-DC-004", 1), ("YX-DC-001", 1)]) for _ in range(24)]
    events = [job_opened(order) for order in orders]
    start = threading.Barrier(2)
    reports: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            start.wait(timeout=30)
            reports.append(attribution_jobs_drain(batch_size=3))
        except BaseException as error:  # (reported by the test below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(reports) == 2
    assert sum(report["events"] for report in reports) == 24
    assert [report["quarantined"] for report in reports] == [[], []]
    assert not AttributionJob.objects.filter(
        payment_event__in=events, done_at__isnull=True
    ).exists()
    # Each (event, line, link) once: 老鹰茶 × 1 gives 3 entries, 大洋芋 × 1 gives 3.
    assert AttributionEntry.objects.filter(payment_event__in=events).count() == 24 * 6
    # 58.00 × 33% = 19.14; 3.00 + 29.90 × 13% = 3.00 + 2.39 + 1.50 (to the fen each).
    for order in orders:
        assert attributed(order) == D("19.14") + D("6.89")
