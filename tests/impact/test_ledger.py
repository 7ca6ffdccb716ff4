"""The attribution ledger: paid lines reach linked households exactly, refunds reverse, levels move."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from common.money import largest_remainder
from impact.ledger.attribution import LinkRule, line_reversal, line_split
from impact.ledger.services import attribution_catch_up, attribution_run
from impact.models import AttributionEntry, AttributionJob
from producers.models import BenefitLink
from shop.payments.models import PaymentEvent
from shop.payments.services import (
    RefundLineRequest,
    order_refund_request,
)
from tests.producers.factories import staff_user
from tests.shop.payments.paying import awaiting_transfer, pay_in_full

D = Decimal


# ---------------------------------------------------------------- the pure split


def test_largest_remainder_adds_up_and_breaks_ties_to_the_first():
    assert largest_remainder([D(1), D(1), D(1)], D("0.10")) == [D("0.04"), D("0.03"), D("0.03")]
    assert largest_remainder([D(2), D(1)], D("0.00")) == [D("0.00"), D("0.00")]


def test_a_line_is_split_by_each_links_rule_to_the_fen():
    links = [
        LinkRule(1, 101, "operating", per_unit=D("3.00")),
        LinkRule(2, 102, "wages", share_percent=D("8.00")),
        LinkRule(3, 103, "property_income", share_percent=D("5.00")),
    ]
    parts = line_split(quantity=3, net=D("89.70"), links=links)
    assert [(p.link_id, p.amount) for p in parts] == [
        (1, D("9.00")),
        (2, D("7.18")),
        (3, D("4.48")),
    ]
    # 9.00 + 7.176 + 4.485 = 20.661 → 20.66 linked in all, split by largest remainder.
    assert sum(p.amount for p in parts) == D("20.66")


def test_a_refund_keeps_what_the_kept_part_should_give_and_never_goes_below_zero():
    links = [
        LinkRule(1, 101, "operating", share_percent=D("20.00")),
        LinkRule(2, 102, "wages", share_percent=D("8.00")),
    ]
    held = {p.link_id: p.amount for p in line_split(quantity=2, net=D("116.00"), links=links)}
    assert held == {1: D("23.20"), 2: D("9.28")}
    half = line_reversal(
        quantity=2, net=D("116.00"), kept_net=D("58.00"), links=links, attributed=held
    )
    assert [(p.link_id, p.amount) for p in half] == [(1, D("-11.60")), (2, D("-4.64"))]
    everything = line_reversal(
        quantity=2, net=D("116.00"), kept_net=D("0"), links=links, attributed={1: D("1.00")}
    )
    assert [(p.link_id, p.amount) for p in everything] == [(1, D("-1.00"))]


# ---------------------------------------------------------------- the ledger on the database

pytestmark = pytest.mark.django_db


def paid_order(lines, *, staff=None):
    """An order paid in full by bank transfer (the payment-confirmed event opens the job)."""
    order = awaiting_transfer(lines)
    pay_in_full(order, by=staff or staff_user())
    return order, PaymentEvent.objects.get(order_payment__order=order, kind="confirmed")


def test_a_paid_line_reaches_each_linked_household_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order, event = paid_order([("YX-DC-004", 2)])
    line = order.lines.get()
    entries = list(AttributionEntry.objects.filter(line=line).order_by("link_id"))
    links = {
        link.pk: link for link in BenefitLink.objects.filter(pk__in=[e.link_id for e in entries])
    }
    assert sorted((links[e.link_id].kind, e.income_source, e.amount) for e in entries) == [
        ("dividend", "property_income", D("5.80")),
        ("employment", "wages", D("9.28")),
        ("purchase", "operating", D("23.20")),
    ]
    assert {e.payment_event_id for e in entries} == {event.pk}
    assert AttributionJob.objects.get(payment_event=event).done_at is not None
    # Run again (a retried or duplicated task): nothing more.
    attribution_run(payment_event_id=event.pk)
    assert AttributionEntry.objects.filter(line=line).count() == 3


def test_the_job_commits_with_the_payment_and_the_catch_up_runs_it_if_no_task_came():
    # No on-commit callbacks run here: as if the broker were down when the payment was confirmed.
    order, event = paid_order([("YX-DC-001", 2)])
    job = AttributionJob.objects.get(payment_event=event)
    assert job.done_at is None
    assert not AttributionEntry.objects.exists()
    AttributionJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=2)
    )
    report = attribution_catch_up()
    assert report["events"] == 1
    # 2 × 3.00 per unit + 8% and 5% of 59.80.
    total = sum(e.amount for e in AttributionEntry.objects.filter(line__order=order))
    assert total == D("6.00") + D("4.78") + D("2.99")


def test_a_line_without_links_is_attributed_to_nobody_and_reported(caplog):
    order, event = paid_order([("YX-DC-002", 1)])
    report = attribution_run(payment_event_id=event.pk)
    line = order.lines.get()
    # Dongchuan's shares (8% and 5%) apply to all its products.
    assert AttributionEntry.objects.filter(line=line).count() == 2
    BenefitLink.objects.filter(producer__partner=line.partner).update(
        valid_to=timezone.localdate() - datetime.timedelta(days=1)
    )
    order2, event2 = paid_order([("YX-DC-002", 1)])
    report = attribution_run(payment_event_id=event2.pk)
    assert report["entries"] == 0
    assert report["unlinked_lines"] == [order2.lines.get().pk]
    assert "attributed to nobody" in caplog.text
    assert AttributionJob.objects.get(payment_event=event2).outcome["ended_links"]


def test_partial_and_full_refunds_reverse_in_proportion(django_capture_on_commit_callbacks):
    staff = staff_user()
    with django_capture_on_commit_callbacks(execute=True):
        order, _event = paid_order([("YX-DC-004", 2)], staff=staff)
    line = order.lines.get()
    with django_capture_on_commit_callbacks(execute=True):
        order_refund_request(
            order=order, lines=[RefundLineRequest(line_id=line.pk, quantity=1)], reason="", by=staff
        )
    totals = dict(
        AttributionEntry.objects.filter(line=line)
        .values_list("link__kind")
        .annotate(t=Sum("amount"))
    )
    assert totals == {"purchase": D("11.60"), "employment": D("4.64"), "dividend": D("2.90")}
    with django_capture_on_commit_callbacks(execute=True):
        order_refund_request(
            order=order, lines=[RefundLineRequest(line_id=line.pk, quantity=1)], reason="", by=staff
        )
    assert AttributionEntry.objects.filter(line=line).aggregate(t=Sum("amount"))["t"] == D("0.00")
    assert AttributionEntry.objects.filter(line=line, kind="reversal").count() == 6


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the DELETE trigger is PostgreSQL's")
def test_the_database_refuses_to_change_or_delete_an_entry():
    _order, event = paid_order([("YX-DC-004", 1)])
    attribution_run(payment_event_id=event.pk)
    entry = AttributionEntry.objects.first()
    amount = entry.amount
    with pytest.raises(IntegrityError), transaction.atomic():
        AttributionEntry.objects.filter(pk=entry.pk).update(amount=D("999.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        AttributionEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.amount == amount


def test_an_update_is_refused_on_sqlite_too():
    _order, event = paid_order([("YX-DC-004", 1)])
    attribution_run(payment_event_id=event.pk)
    entry = AttributionEntry.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        AttributionEntry.objects.filter(pk=entry.pk).update(amount=D("999.00"))


def test_a_year_without_thresholds_still_gets_its_entries_and_assesses_nobody():
    from impact.models import Assessment, Threshold

    _order, event = paid_order([("YX-DC-004", 1)])
    Threshold.objects.filter(year=timezone.localdate().year).delete()
    report = attribution_run(payment_event_id=event.pk)
    assert report["entries"] == 3
    assert AttributionJob.objects.get(payment_event=event).done_at is not None
    # Due amounts are not income: the ledger re-assesses nobody, thresholds or not.
    assert not Assessment.objects.exists()
