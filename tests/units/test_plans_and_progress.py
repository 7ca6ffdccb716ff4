"""Yearly plans (预留份额) and the unit's progress: paid orders net of refunds, to the fen."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from shop.units.models import UnitPlan, WorkUnit
from shop.units.selectors import unit_progress
from shop.units.services import unit_plan_file, work_unit_register
from tests.demo_day import DEMO_DAY
from tests.shop.payments.paying import pay_in_full

from . import factories
from .ordering import place, placed_last_year, refund

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_day")]

TODAY = DEMO_DAY
YEAR = TODAY.year


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_a_plan_reserves_ten_percent_by_default_rounded_to_the_fen():
    unit = factories.unit()
    plan = unit_plan_file(unit=unit, year=YEAR, food_budget="123456.78", by=None)
    plan.refresh_from_db()
    assert (plan.food_budget, plan.reserved_share, plan.filed_on) == (
        D("123456.78"),
        D("10.00"),
        TODAY,
    )
    assert plan.reserved_amount == D("12345.68")  # 12,345.678 rounds half up


def test_filing_again_corrects_the_years_plan_and_keeps_the_filing_date():
    unit = factories.unit()
    first = unit_plan_file(
        unit=unit,
        year=YEAR,
        food_budget="800000",
        reserved_share="10",
        by=None,
        today=datetime.date(YEAR, 3, 1),
    )
    again = unit_plan_file(
        unit=unit, year=YEAR, food_budget="900000.00", reserved_share="15", by=None
    )
    assert again.pk == first.pk
    again.refresh_from_db()
    assert (again.food_budget, again.reserved_share, again.reserved_amount, again.filed_on) == (
        D("900000.00"),
        D("15.00"),
        D("135000.00"),
        datetime.date(YEAR, 3, 1),
    )
    assert UnitPlan.objects.filter(unit=unit).count() == 1


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"food_budget": "-0.01"},
            {"food_budget": ["The canteen food budget cannot be negative."]},
        ),
        (
            {"food_budget": "abc"},
            {"food_budget": ["Enter the canteen food budget in yuan, such as 1200000.00."]},
        ),
        (
            {"food_budget": "100.001"},
            {"food_budget": ["Amounts are in yuan to the fen: at most two decimals."]},
        ),
        (
            {"reserved_share": "100.01"},
            {"reserved_share": ["The reserved share is a percentage from 0 to 100."]},
        ),
        (
            {"reserved_share": "-1"},
            {"reserved_share": ["The reserved share is a percentage from 0 to 100."]},
        ),
        (
            {"year": YEAR + 2},
            {"year": [f"Plan for last year, this year or next year ({YEAR - 1}–{YEAR + 1})."]},
        ),
        (
            {"food_budget": "-5", "reserved_share": "120"},
            {
                "food_budget": ["The canteen food budget cannot be negative."],
                "reserved_share": ["The reserved share is a percentage from 0 to 100."],
            },
        ),
    ],
)
def test_a_bad_plan_is_refused_with_the_reason_and_nothing_written(fields, errors):
    unit = factories.unit()
    values = {"year": YEAR, "food_budget": "500000", "reserved_share": "10", **fields}
    with pytest.raises(ValidationError) as refused:
        unit_plan_file(unit=unit, by=None, **values)
    assert refused.value.message_dict == errors
    assert not UnitPlan.objects.filter(unit=unit).exists()


def test_a_share_of_0_and_of_100_percent_are_allowed():
    unit = factories.unit()
    assert unit_plan_file(
        unit=unit, year=YEAR, food_budget="1000", reserved_share="0", by=None
    ).reserved_amount == D("0.00")
    assert unit_plan_file(
        unit=unit, year=YEAR, food_budget="1000", reserved_share="100", by=None
    ).reserved_amount == D("1000.00")


def test_a_unit_without_a_canteen_has_no_quota():
    staff = factories.reviewer()
    unit = work_unit_register(
        name="东川区档案馆",
        kind=WorkUnit.Kind.PUBLIC_INSTITUTION,
        credit_code=factories.credit_code(),
        has_canteen=False,
        by=staff,
    )
    with pytest.raises(ValidationError) as refused:
        unit_plan_file(unit=unit, year=YEAR, food_budget="1000", by=None)
    assert refused.value.messages == [
        "This unit has no canteen, so it has no reserved share to plan for."
    ]
    assert not UnitPlan.objects.filter(unit=unit).exists()
    progress = unit_progress(unit=unit)
    assert (progress.plan, progress.reserved, progress.percent, progress.year_running_out) == (
        None,
        None,
        None,
        False,
    )


# ---------------------------------------------------------------------- progress


def test_progress_counts_paid_orders_net_of_refunds_exactly_to_the_fen():
    staff = factories.reviewer()
    unit, other_unit = factories.unit(), factories.unit()
    unit_plan_file(unit=unit, year=YEAR, food_budget="10000.00", reserved_share="10", by=None)
    buyer = factories.member(of=unit)
    colleague = factories.member(of=unit, role="administrator")
    client = factories.client_for(buyer)

    potatoes, _ = place(client, lines=[("YX-DC-001", 10)])  # ¥299.00
    pay_in_full(potatoes, by=staff)
    noodles, _ = place(client, lines=[("YX-DC-002", 5), ("YX-DC-004", 1)])  # ¥160.00 + ¥58.00
    pay_in_full(noodles, by=staff)
    refund(noodles, upc="YX-DC-002", quantity=1, by=staff)  # ¥32.00 back
    refund(noodles, upc="YX-DC-004", amount="9.99", by=staff)  # a part amount back
    # A colleague's order counts for the unit too.
    honey, _ = place(factories.client_for(colleague), lines=[("YX-LQ-001", 1)])  # ¥88.00
    pay_in_full(honey, by=staff)
    # Not counted: unpaid (transfer not yet arrived, or pay after delivery not yet due),
    # another unit's paid order, a consumer's paid order, last year's paid order.
    place(client, lines=[("YX-DC-003", 2)])
    place(client, lines=[("YX-DC-005", 3)], method="pay_later")
    elsewhere, _ = place(
        factories.client_for(factories.member(of=other_unit)), lines=[("YX-DC-001", 1)]
    )
    pay_in_full(elsewhere, by=staff)
    consumer, _ = place(factories.client_for(factories.user()), lines=[("YX-DC-001", 1)])
    pay_in_full(consumer, by=staff)
    old, _ = place(client, lines=[("YX-XD-002", 1)])
    pay_in_full(old, by=staff)
    placed_last_year(old)

    progress = unit_progress(unit=unit, today=datetime.date(YEAR, 6, 30))

    assert (progress.paid, progress.refunded, progress.purchased) == (
        D("605.00"),  # 299 + 218 + 88
        D("41.99"),  # 32 + 9.99
        D("563.01"),
    )
    assert progress.orders_paid == 3
    assert (progress.reserved, progress.left_to_buy, progress.percent) == (
        D("1000.00"),
        D("436.99"),
        D("56.3"),
    )
    assert (progress.reached, progress.year_running_out) == (False, False)
    last_year = unit_progress(unit=unit, year=YEAR - 1, today=datetime.date(YEAR, 6, 30))
    assert (last_year.purchased, last_year.plan, last_year.orders_paid) == (D("45.00"), None, 1)


def test_the_unit_page_shows_the_figures_and_the_bar_from_them():
    staff = factories.reviewer()
    unit = factories.unit()
    unit_plan_file(unit=unit, year=YEAR, food_budget="5000.00", reserved_share="12.5", by=None)
    buyer = factories.member(of=unit)
    client = factories.client_for(buyer)
    order, _ = place(client, lines=[("YX-DC-001", 10), ("YX-DC-004", 2)])  # ¥299 + ¥116
    pay_in_full(order, by=staff)
    refund(order, upc="YX-DC-004", quantity=1, by=staff)  # ¥58 back

    page = client.get("/shop/unit/")

    assert page.status_code == 200
    html = page.content.decode()
    progress = page.context["progress"]
    assert (progress.reserved, progress.purchased, progress.left_to_buy, progress.percent) == (
        D("625.00"),
        D("357.00"),
        D("268.00"),
        D("57.1"),
    )
    assert '<dd class="col-sm-7 yx-reserved">¥625.00</dd>' in html
    assert '<dd class="col-sm-7 yx-purchased">¥357.00</dd>' in html
    assert '<dd class="col-sm-7 yx-left">¥268.00</dd>' in html
    assert 'aria-valuenow="57.1"' in html
    assert 'style="width: 57.1%"' in html
    assert "57.1% of the reserved amount reached" in html


def test_the_bar_stops_at_100_percent_once_the_share_is_passed():
    staff = factories.reviewer()
    unit = factories.unit()
    unit_plan_file(unit=unit, year=YEAR, food_budget="1000.00", by=None)  # ¥100.00 reserved
    client = factories.client_for(factories.member(of=unit))
    order, _ = place(client, lines=[("YX-DC-004", 2)])  # ¥116.00
    pay_in_full(order, by=staff)
    progress = unit_progress(unit=unit, today=datetime.date(YEAR, 11, 1))
    assert (progress.percent, progress.bar_percent, progress.left_to_buy) == (
        D("116.0"),
        D("100"),
        D("0.00"),
    )
    assert (progress.reached, progress.year_running_out) == (True, False)


@pytest.mark.parametrize(
    ("today", "warned"),
    [
        (datetime.date(YEAR, 9, 30), False),  # 92 days left
        (datetime.date(YEAR, 10, 1), True),  # October
        (datetime.date(YEAR, 12, 31), True),
        (datetime.date(YEAR, 3, 31), False),
    ],
)
def test_the_year_running_out_is_warned_from_october_while_below_the_share(today, warned):
    unit = factories.unit()
    unit_plan_file(unit=unit, year=YEAR, food_budget="10000.00", by=None)
    progress = unit_progress(unit=unit, today=today)
    assert progress.days_left == (datetime.date(YEAR, 12, 31) - today).days
    assert progress.year_running_out is warned


def test_the_warning_shows_on_the_page_with_what_is_left():
    unit = factories.unit()
    unit_plan_file(unit=unit, year=YEAR, food_budget="10000.00", by=None)
    client = factories.client_for(factories.member(of=unit))
    html = client.get("/shop/unit/").content.decode()
    progress = unit_progress(unit=unit)
    if progress.year_running_out:
        assert (
            f"The year is running out: {progress.days_left} days are left and ¥1,000.00 is "
            "still to buy to reach the reserved share."
        ) in html
    else:
        assert 'id="year-running-out"' not in html


# ---------------------------------------------------------------------- the plan page


def plan_refused(client: Client, unit: WorkUnit, *, food_budget: str, reserved_share: str) -> str:
    """File figures the plan form must refuse: the page with its errors, once nothing was filed."""
    response = client.post(
        "/shop/unit/plan/",
        {"year": YEAR, "food_budget": food_budget, "reserved_share": reserved_share},
    )
    assert response.status_code == 400
    assert not UnitPlan.objects.filter(unit=unit).exists()
    return response.content.decode()


def test_finance_files_the_plan_on_the_unit_page_and_bad_figures_write_nothing():
    unit = factories.unit()
    finance = factories.member(of=unit, role="finance")
    client = factories.client_for(finance)
    assert client.get("/shop/unit/plan/").status_code == 200

    html = plan_refused(client, unit, food_budget="-100", reserved_share="101")
    assert "The canteen food budget cannot be negative." in html
    assert "The reserved share is a percentage from 0 to 100." in html

    good = client.post(
        "/shop/unit/plan/", {"year": YEAR, "food_budget": "360000", "reserved_share": ""}
    )
    assert (good.status_code, good["Location"]) == (302, "/shop/unit/")
    plan = UnitPlan.objects.get(unit=unit, year=YEAR)
    assert (plan.food_budget, plan.reserved_share, plan.reserved_amount, plan.filed_by) == (
        D("360000.00"),
        D("10.00"),
        D("36000.00"),
        finance,
    )


def test_plan_errors_are_in_chinese_by_default():
    unit = factories.unit()
    client = factories.client_for(factories.member(of=unit, role="administrator"))
    del client.cookies["django_language"]
    html = plan_refused(client, unit, food_budget="-1", reserved_share="200")
    assert "食堂食材采购预算不能为负数。" in html
    assert "预留份额应为 0 到 100 之间的百分比。" in html


def test_a_buyer_may_not_file_the_plan():
    unit = factories.unit()
    client = factories.client_for(factories.member(of=unit, role="buyer"))
    response = client.post("/shop/unit/plan/", {"year": YEAR, "food_budget": "1000"})
    assert response.status_code == 403
    assert not UnitPlan.objects.filter(unit=unit).exists()
