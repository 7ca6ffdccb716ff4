"""Arrears (应兑未兑): due amounts unpaid past their link kind's period, exact to the fen.

The due amounts come from the demo's benefit links (东川红土地: 20% of the line to
the household it buys from, 8% in wages, 5% in dividends for YX-DC-004; ¥3.00 a
unit plus 8% and 5% for YX-DC-001); the payouts are written with the ORM, as the
recording service (another engineer's) would write them.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time

from impact.ledger.arrears import (
    arrears_suspension_refresh,
    producer_arrears,
    producers_arrears,
)
from impact.models import AttributionEntry, Payout, PayoutAllocation, PayoutSettings
from producers.models import Producer
from shop.payments.services import RefundLineRequest, order_refund_request
from tests.producers.factories import staff_user
from tests.shop.payments.paying import awaiting_transfer, pay_in_full

D = Decimal
pytestmark = pytest.mark.django_db


def paid(lines, django_capture_on_commit_callbacks, *, staff=None):
    """An order paid by transfer, its attribution written (the task runs on commit)."""
    with django_capture_on_commit_callbacks(execute=True):
        order = awaiting_transfer(lines)
        pay_in_full(order, by=staff or staff_user())
    return order


def entry(line, kind: str) -> AttributionEntry:
    return AttributionEntry.objects.select_related("link", "household").get(
        line=line, link__kind=kind, kind="attribution"
    )


def payout(due: AttributionEntry, amount: str, *, by=None, paid_on=None, **fields) -> Payout:
    """A payout of ``amount`` to the entry's household, allocated against that entry's line and link."""
    made = Payout.objects.create(
        producer=due.link.producer,
        household=due.household,
        amount=D(amount),
        paid_on=paid_on or timezone.localdate(),
        method=Payout.Method.BANK,
        recorded_by=by or staff_user(),
        **fields,
    )
    PayoutAllocation.objects.create(
        payout=made,
        line=due.line,
        link=due.link,
        income_source=due.income_source,
        amount=D(amount),
    )
    return made


def hongtudi() -> Producer:
    return Producer.objects.get(partner__code="dongchuan-hongtudi")


def test_wages_and_purchases_fall_due_after_31_days_dividends_after_366(
    django_capture_on_commit_callbacks,
):
    order = paid([("YX-DC-004", 2)], django_capture_on_commit_callbacks)
    line = order.lines.get()
    purchase, wages, dividend = (
        entry(line, "purchase"),
        entry(line, "employment"),
        entry(line, "dividend"),
    )
    # 2 × 58.00 = 116.00: 20% = 23.20, 8% = 9.28, 5% = 5.80.
    assert (purchase.amount, wages.amount, dividend.amount) == (D("23.20"), D("9.28"), D("5.80"))
    first = timezone.localdate(purchase.created_at)

    # On the 31st day after, the period has not run out yet.
    assert not producer_arrears(
        producer=hongtudi(), today=first + datetime.timedelta(days=31)
    ).in_arrears

    arrears = producer_arrears(producer=hongtudi(), today=first + datetime.timedelta(days=32))
    assert arrears.total == D("32.48")  # 23.20 + 9.28: the dividend is not due for a year
    assert arrears.oldest_due_by == first + datetime.timedelta(days=31)
    by_household = {h.household_id: h for h in arrears.households}
    assert by_household[purchase.household_id].code == purchase.household.code
    assert by_household[purchase.household_id].name_masked == purchase.household.head_name_masked
    assert sum((h.amount for h in arrears.households), D(0)) == D("32.48")
    assert arrears.households_count == len({purchase.household_id, wages.household_id})

    later = producer_arrears(producer=hongtudi(), today=first + datetime.timedelta(days=367))
    assert later.total == D("38.28")
    dividend_items = [
        item for h in later.households for item in h.items if item.link_id == dividend.link_id
    ]
    assert [(i.due, i.paid, i.due_by) for i in dividend_items] == [
        (D("5.80"), D("0.00"), first + datetime.timedelta(days=366))
    ]


def test_payouts_reduce_arrears_reversed_ones_do_not_disputed_ones_still_do(
    django_capture_on_commit_callbacks,
):
    order = paid([("YX-DC-004", 2)], django_capture_on_commit_callbacks)
    line = order.lines.get()
    purchase = entry(line, "purchase")
    today = timezone.localdate(purchase.created_at) + datetime.timedelta(days=40)

    part = payout(purchase, "10.01")
    assert producer_arrears(producer=hongtudi(), today=today).total == D("22.47")  # 13.19 + 9.28

    part.verification = Payout.Verification.DISPUTED
    part.save()
    assert producer_arrears(producer=hongtudi(), today=today).total == D("22.47")

    part.reversed_at = timezone.now()
    part.save()
    assert producer_arrears(producer=hongtudi(), today=today).total == D("32.48")

    payout(purchase, "23.20", reference="full")
    arrears = producer_arrears(producer=hongtudi(), today=today)
    assert arrears.total == D("9.28")
    assert purchase.household_id not in {h.household_id for h in arrears.households} or (
        # the same household may also be the employed one; then only its wages are owed
        [h.amount for h in arrears.households if h.household_id == purchase.household_id]
        == [D("9.28")]
    )


def test_a_refund_lowers_what_is_owed_and_an_overpaid_line_owes_nothing(
    django_capture_on_commit_callbacks,
):
    staff = staff_user()
    order = paid([("YX-DC-004", 2)], django_capture_on_commit_callbacks, staff=staff)
    line = order.lines.get()
    purchase = entry(line, "purchase")
    payout(purchase, "20.00")
    with django_capture_on_commit_callbacks(execute=True):
        order_refund_request(
            order=order, lines=[RefundLineRequest(line_id=line.pk, quantity=1)], reason="", by=staff
        )
    today = timezone.localdate(purchase.created_at) + datetime.timedelta(days=40)
    arrears = producer_arrears(producer=hongtudi(), today=today)
    # Purchase: 23.20 − 11.60 = 11.60 due, 20.00 paid: nothing owed. Wages 9.28 − 4.64 = 4.64.
    assert arrears.total == D("4.64")
    assert [item.link_id for h in arrears.households for item in h.items] == [
        entry(line, "employment").link_id
    ]


def test_the_periods_are_settings(django_capture_on_commit_callbacks):
    order = paid([("YX-DC-004", 2)], django_capture_on_commit_callbacks)
    first = timezone.localdate(entry(order.lines.get(), "purchase").created_at)
    config = PayoutSettings.load()
    config.monthly_days, config.yearly_days = 60, 20
    config.save()
    arrears = producer_arrears(producer=hongtudi(), today=first + datetime.timedelta(days=32))
    assert arrears.total == D("5.80")  # only the dividend, now due within 20 days
    assert arrears.oldest_due_by == first + datetime.timedelta(days=20)


def test_many_producers_at_once_in_a_flat_number_of_queries(django_capture_on_commit_callbacks):
    paid([("YX-DC-004", 2), ("YX-DC-001", 2)], django_capture_on_commit_callbacks)
    today = timezone.localdate() + datetime.timedelta(days=32)
    PayoutSettings.load()  # the settings row exists (its first load writes it)
    with CaptureQueriesContext(connection) as few:
        one = producers_arrears(producers=Producer.objects.all(), today=today)
    second = paid(
        [("YX-DC-004", 3), ("YX-DC-001", 5), ("YX-DC-003", 1)], django_capture_on_commit_callbacks
    )
    with CaptureQueriesContext(connection) as more:
        two = producers_arrears(producers=Producer.objects.all(), today=today)
    assert len(few) == len(more) == 2
    # 001 × 2 (59.80): 6.00 + 4.78 monthly; 004 × 2: 23.20 + 9.28.
    assert one[hongtudi().pk].total == D("43.26")
    # The second order adds what its wage and purchase entries say, to the fen.
    monthly = AttributionEntry.objects.filter(
        line__order=second, link__kind__in=["purchase", "employment"]
    )
    assert two[hongtudi().pk].total - one[hongtudi().pk].total == sum(
        (e.amount for e in monthly), D(0)
    )
    # 004 × 3 (174.00): 34.80 + 13.92; 001 × 5 (149.50): 15.00 + 11.96; 003 × 1 (39.80): 8% to
    # household 4 and 4% to 530113-0043 (demo/data.py). The peanut line's links ask 4.00 + 3.184
    # + 1.99 + 1.194 + 0.796 + 3.00 + 2.00 + 1.592 = 17.756, booked 17.76: the two spare fen
    # go to the largest remainders (0.796 → 0.80, and 3.184 → 3.19); 1.592 → 1.59.
    wages: dict[str, list[Decimal]] = {}
    for e in monthly:
        if e.link.kind == "employment":
            wages.setdefault(e.line.product.upc, []).append(e.amount)
    assert {upc: sorted(amounts) for upc, amounts in wages.items()} == {
        "YX-DC-004": [D("13.92")],
        "YX-DC-001": [D("11.96")],
        "YX-DC-003": [D("1.59"), D("3.19")],
    }


def test_suspension_above_the_limit_lifts_once_paid(client, django_capture_on_commit_callbacks):
    order = paid([("YX-DC-001", 10)], django_capture_on_commit_callbacks)
    purchase = entry(order.lines.get(), "purchase")
    # 10 × 29.90 = 299.00: ¥3.00 × 10 = 30.00 purchase, 8% = 23.92 wages: 53.92 owed monthly.
    config = PayoutSettings.load()
    config.suspend_above = D("50.00")
    with django_capture_on_commit_callbacks(execute=True):
        config.save()
    assert not hongtudi().arrears_suspended  # nothing overdue yet

    later = timezone.now() + datetime.timedelta(days=32)
    with freeze_time(later):
        report = arrears_suspension_refresh()
        assert report == {"suspended": 1, "changed": 1}
        assert hongtudi().arrears_suspended
        from oscar.core.loading import get_model

        product = get_model("catalogue", "Product").objects.get(upc="YX-DC-003")
        page = client.get(product.get_absolute_url())
        assert "已暂停销售" in page.content.decode()
        # Paying 3.92 brings it to 50.00, not above the limit: sales resume at once.
        with django_capture_on_commit_callbacks(execute=True):
            payout(purchase, "3.92")
        assert not hongtudi().arrears_suspended
        page = client.get(product.get_absolute_url())
        assert "已暂停销售" not in page.content.decode()


def test_no_limit_never_suspends_and_clears_a_flag(django_capture_on_commit_callbacks):
    paid([("YX-DC-001", 10)], django_capture_on_commit_callbacks)
    Producer.objects.filter(pk=hongtudi().pk).update(arrears_suspended=True)
    with freeze_time(timezone.now() + datetime.timedelta(days=32)):
        assert arrears_suspension_refresh() == {"suspended": 0, "changed": 1}
    assert not hongtudi().arrears_suspended
