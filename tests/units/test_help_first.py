"""Issue #21 for canteens: the paired county (结对帮扶) and the plan for it, what the unit's
orders made due (应兑付) and paid out (已兑付) to households in warning, and the quick order's
help-first list (帮扶优先).

Figures come from the demo (demo/data.py): the canteen's paid order YX-DEMO-0001 of 红土地
produce (¥575.00) makes due 30.00 to 东川 household 1 (¥3.00 × 10 potatoes), 46.00 to
household 4 (8% wages), 28.75 to household 5 (5% dividend) and 23.20 to household 7 (20% of
the two teas' ¥116.00); 红土地 paid out 30.00 to household 1, 50.00 to household 4 (46.00 set
against this order's due) and 25.00 to household 5 (demo/payouts.py). The tests set the
households' current levels themselves, so the expected figures do not hang on the demo's
assessments.
"""

import re
from decimal import Decimal as D

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from oscar.core.loading import get_model

from demo.data import DEMO_WORK_UNIT
from demo.services import demo_load
from impact.models import Household, HouseholdStatus, LiftFigure, Region
from impact.monitoring.rules import Level
from impact.targeting import targeting_refresh_all
from producers.models import BenefitLink, Producer
from shop.units.models import UnitPlan, WorkUnit
from shop.units.selectors import unit_paired_purchases, unit_warning_reach
from shop.units.services import unit_plan_file

from . import factories

pytestmark = pytest.mark.django_db

Product = get_model("catalogue", "Product")

YEAR = timezone.localdate().year
DONGCHUAN = "530113"
XUNDIAN = "530129"


@pytest.fixture
def demo_sale():
    """load_demo's sale, attribution and payouts (the suite's demo has none of them)."""
    demo_load(sale=True)


def canteen_unit() -> WorkUnit:
    return WorkUnit.objects.get(credit_code=DEMO_WORK_UNIT["credit_code"])


def levels(**by_number: Level) -> None:
    """Set the current level of 东川 households by their number (household 1 is 530113-0001)."""
    for number, level in by_number.items():
        updated = HouseholdStatus.objects.filter(
            household__code=f"{DONGCHUAN}-{int(number[1:]):04d}"
        ).update(level=level)
        assert updated == 1


def zh_client(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    client.cookies["django_language"] = "zh-hans"
    return client


# ---------------------------------------------------------------------- the paired county


def test_a_unit_names_its_paired_county_and_plans_purchases_from_it():
    unit = factories.unit()
    dongchuan = Region.objects.get(code=DONGCHUAN)
    plan = unit_plan_file(
        unit=unit,
        year=YEAR,
        food_budget="100000",
        paired_county=dongchuan,
        paired_amount="5000.50",
        by=None,
    )
    unit.refresh_from_db()
    plan.refresh_from_db()
    assert (unit.paired_county, plan.paired_amount) == (dongchuan, D("5000.50"))
    # Filing the plan again without naming a county keeps the pairing; None ends it.
    unit_plan_file(unit=unit, year=YEAR, food_budget="100000", by=None)
    unit.refresh_from_db()
    assert unit.paired_county == dongchuan
    unit_plan_file(unit=unit, year=YEAR, food_budget="100000", paired_county=None, by=None)
    unit.refresh_from_db()
    assert unit.paired_county is None


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"paired_county": "township"},
            {"paired_county": ["Choose a county or district as the paired county."]},
        ),
        (
            {"paired_county": None, "paired_amount": "1000"},
            {"paired_amount": ["Name the paired county to plan purchases from it."]},
        ),
        (
            {"paired_county": "county", "paired_amount": "-1"},
            {"paired_amount": ["The planned purchases cannot be negative."]},
        ),
        (
            {"paired_county": "county", "paired_amount": "12.345"},
            {"paired_amount": ["Amounts are in yuan to the fen: at most two decimals."]},
        ),
        (
            {"paired_county": "county", "paired_amount": "许多"},
            {"paired_amount": ["Enter the planned purchases in yuan, such as 50000.00."]},
        ),
    ],
)
def test_a_bad_pairing_is_refused_and_nothing_is_written(fields, errors):
    unit = factories.unit()
    dongchuan = Region.objects.get(code=DONGCHUAN)
    township = dongchuan.children.order_by("pk").first()
    named = {"county": dongchuan, "township": township, None: None}
    fields = {**fields, "paired_county": named[fields["paired_county"]]}
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        unit_plan_file(unit=unit, year=YEAR, food_budget="100000", by=None, **fields)
    assert refused.value.message_dict == errors
    unit.refresh_from_db()
    assert unit.paired_county is None
    assert not UnitPlan.objects.filter(unit=unit).exists()


def test_the_administrator_pairs_the_unit_on_the_plan_page_in_chinese():
    unit = factories.unit()
    administrator = factories.member(of=unit, role="administrator")
    client = factories.client_for(administrator)
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/shop/unit/plan/")
    assert page.status_code == 200
    assert page.headers["Content-Language"] == "zh-hans"
    choices = [str(county) for county in page.context["form"].fields["paired_county"].queryset]
    assert choices == ["东川区", "禄劝彝族苗族自治县", "寻甸回族彝族自治县"]
    xundian = Region.objects.get(code=XUNDIAN)
    saved = client.post(
        "/shop/unit/plan/",
        {
            "year": YEAR,
            "food_budget": "200000",
            "reserved_share": "15",
            "paired_county": xundian.pk,
            "paired_amount": "8000",
        },
    )
    assert (saved.status_code, saved["Location"]) == (302, "/shop/unit/")
    unit.refresh_from_db()
    assert unit.paired_county == xundian
    assert UnitPlan.objects.get(unit=unit, year=YEAR).paired_amount == D("8000.00")
    # A village is no county: the form refuses it (it is not among the choices), nothing changes.
    village = Region.objects.filter(level="village").first()
    refused = client.post(
        "/shop/unit/plan/",
        {"year": YEAR, "food_budget": "1", "paired_county": village.pk},
    )
    assert refused.status_code == 400
    unit.refresh_from_db()
    assert unit.paired_county == xundian


def test_a_buyer_may_not_open_the_plan_page():
    unit = factories.unit()
    buyer = factories.member(of=unit, role="buyer")
    assert factories.client_for(buyer).get("/shop/unit/plan/").status_code == 403


def test_the_account_shows_the_paired_countys_purchases_against_the_plan(demo_sale):
    unit = canteen_unit()
    assert unit_paired_purchases(unit=unit, year=YEAR) is None
    unit_plan_file(
        unit=unit,
        year=YEAR,
        food_budget="9600.00",
        paired_county=Region.objects.get(code=DONGCHUAN),
        paired_amount="1000.00",
        by=None,
    )
    unit.refresh_from_db()
    paired = unit_paired_purchases(unit=unit, year=YEAR, plan=UnitPlan.objects.get(unit=unit))
    # YX-DEMO-0001 (¥575.00, all 红土地's, paid) counts; YX-DEMO-0002 (禄劝, unpaid) does not.
    assert (paired.purchased, paired.planned, paired.percent) == (
        D("575.00"),
        D("1000.00"),
        D("57.5"),
    )
    home = zh_client("canteen").get("/shop/unit/")
    html = home.content.decode()
    assert 'id="unit-paired"' in html
    assert "¥575.00" in html and "¥1,000.00" in html and "57.5%" in html
    # Paired with 禄劝 instead: the unpaid order counts nothing, so nothing was bought there.
    unit_plan_file(
        unit=unit,
        year=YEAR,
        food_budget="9600.00",
        paired_county=Region.objects.get(code="530128"),
        by=None,
    )
    unit.refresh_from_db()
    paired = unit_paired_purchases(unit=unit, year=YEAR, plan=UnitPlan.objects.get(unit=unit))
    assert (paired.purchased, paired.planned, paired.percent) == (D("0.00"), None, None)


# ---------------------------------------------------------------------- reach of the spending


def test_the_account_shows_what_reached_households_in_warning_due_and_paid_out(demo_sale):
    levels(h1=Level.YELLOW, h4=Level.PURPLE, h5=Level.GREEN, h7=Level.BLUE)
    reach = unit_warning_reach(unit=canteen_unit(), year=YEAR)
    # Due: 30.00 + 46.00 + 23.20 (household 5 is green); paid out: 30.00 + 46.00 (household
    # 4's 50.00 sets 46.00 against this order), household 7 nothing yet.
    assert (reach.due, reach.due_households, reach.paid_out, reach.paid_out_households) == (
        D("99.20"),
        3,
        D("76.00"),
        2,
    )
    assert reach.due_folded and reach.paid_out_folded
    html = zh_client("canteen").get("/shop/unit/").content.decode()
    assert 'id="unit-reach"' in html
    assert "¥99.20" in html and "¥76.00" in html


def test_red_and_green_households_are_not_in_warning(demo_sale):
    levels(h1=Level.RED, h4=Level.GREEN, h5=Level.GREEN, h7=Level.RED)
    reach = unit_warning_reach(unit=canteen_unit(), year=YEAR)
    assert (reach.due, reach.due_households, reach.paid_out, reach.paid_out_households) == (
        D("0.00"),
        0,
        D("0.00"),
        0,
    )
    html = zh_client("canteen").get("/shop/unit/").content.decode()
    assert 'class="mb-0 yx-reach-none"' in html


def test_last_years_orders_count_in_last_years_figures(demo_sale):
    levels(h1=Level.YELLOW, h4=Level.YELLOW, h5=Level.YELLOW, h7=Level.YELLOW)
    assert unit_warning_reach(unit=canteen_unit(), year=YEAR - 1).due == D("0.00")
    assert unit_warning_reach(unit=canteen_unit(), year=YEAR).due == D("127.95")


# ---------------------------------------------------------------------- 帮扶优先 (help first)

# The demo's lifts per ¥1,000 (impact.targeting, on the demo's links and current levels), by
# hand: 红土地苦荞面 (¥26.00: 1000 / 26 = 38.46… units) pays ¥6.00 a unit to purple household
# 7 (¥230.77), ¥2.00 to green household 3 and to yellow 530113-0034 (¥76.92 each: the split's
# largest remainder gives the spare fen to household 3, the earlier link),
# ¥1.50 to yellow -0035 (¥57.69), ¥1.00 to yellow -0038 and purple -0041 (¥38.46 each), 10% to
# purple household 14 (¥100.00), 6% to yellow -0036 (¥60.00) and 5% to yellow household 5
# (¥50.00): ¥652.30 (its 8% to household 4, red: returned to poverty, is not "in warning");
# 禄劝苦荞米's direct link pays 30% of ¥1,000 = ¥300.00 to one yellow household; 七彩花生
# (¥39.80: 25.13 units) 5% to household 5 (¥50.00), 3% to blue -0037 (¥30.00), 2% to blue
# -0039 (¥20.00), ¥3.00 a unit to purple -0040 (¥75.38), ¥2.00 to yellow -0042 (¥50.25) and
# 4% to yellow -0043 (¥40.00): ¥265.63; 东川老鹰茶 5% (household 5) + 20% (household 7) =
# ¥250.00; every other product reaches ¥50.00 (a 5% link) to one household in warning,
# 东川's first (one household they take over the line), then 寻甸玫香's (none), each in
# product order.
DEMO_HELP_FIRST = [
    ("YX-DC-005", "¥652.30"),
    ("YX-LQ-003", "¥300.00"),
    ("YX-DC-003", "¥265.63"),
    ("YX-DC-004", "¥250.00"),
    ("YX-DC-001", "¥50.00"),
    ("YX-DC-002", "¥50.00"),
    ("YX-MX-001", "¥50.00"),
    ("YX-MX-002", "¥50.00"),
    ("YX-MX-003", "¥50.00"),
]
ROW = re.compile(
    r'data-upc="(?P<upc>[^"]+)".*?yx-help-first-lift">\s*(?P<words>[^<]*?)\s*</div>', re.S
)


@pytest.fixture
def refreshed():
    """The targeting figures of the demo (demo_load ends with a refresh; again, to be sure)."""
    targeting_refresh_all()


def help_first(client: Client) -> list[tuple[str, str]]:
    response = client.get("/shop/unit/quick-order/")
    assert response.status_code == 200
    html = response.content.decode()
    rows = []
    for match in ROW.finditer(html):
        amount = re.search(r"¥[\d,]+\.\d\d", match["words"])
        assert amount is not None, match["words"]
        rows.append((match["upc"], amount.group()))
    return rows


def test_the_canteen_sees_its_help_first_list_in_chinese(refreshed):
    client = zh_client("canteen")
    response = client.get("/shop/unit/quick-order/")
    assert response.headers["Content-Language"] == "zh-hans"
    html = response.content.decode()
    assert 'id="help-first"' in html
    assert help_first(client) == DEMO_HELP_FIRST
    # 苦荞面 and 七彩花生 reach 8 and 6 households in warning (demo/data.py; by hand in
    # tests/demo/test_demo_targeting.py); the others fewer than 5 each: folded, never counted.
    words = {match["upc"]: match["words"] for match in ROW.finditer(html)}
    assert "带给 8 户监测户" in words.pop("YX-DC-005")
    assert "带给 6 户监测户" in words.pop("YX-DC-003")
    for shown in words.values():
        assert "不足 5 户" in shown
        assert re.search(r"\b[1-4]\b", re.sub(r"¥[\d,.]+", "", shown)) is None
    assert html.count('class="form-inline yx-help-first-add"') == len(DEMO_HELP_FIRST)


def test_the_paired_countys_products_come_first(refreshed):
    unit = canteen_unit()
    unit.paired_county = Region.objects.get(code=XUNDIAN)
    unit.save(update_fields=["paired_county"])
    rows = help_first(zh_client("canteen"))
    meixiang = [row for row in DEMO_HELP_FIRST if row[0].startswith("YX-MX-")]
    assert rows == meixiang + [row for row in DEMO_HELP_FIRST if row not in meixiang]
    html = zh_client("canteen").get("/shop/unit/quick-order/").content.decode()
    assert html.count("yx-help-first-paired") == len(meixiang)


def test_a_help_first_line_goes_into_the_basket_through_the_quick_order(refreshed):
    client = zh_client("canteen")
    added = client.post("/shop/unit/quick-order/", {"code_1": "YX-LQ-003", "quantity_1": "3"})
    assert (added.status_code, added["Location"]) == (302, "/shop/basket/")
    basket = client.get("/shop/basket/").context["basket"]
    assert [(line.product.upc, line.quantity) for line in basket.all_lines()] == [("YX-LQ-003", 3)]
    # The quick order's checks apply: a quantity that is not a number adds nothing.
    refused = client.post("/shop/unit/quick-order/", {"code_1": "YX-DC-004", "quantity_1": "两"})
    assert refused.status_code == 400
    basket = client.get("/shop/basket/").context["basket"]
    assert [(line.product.upc, line.quantity) for line in basket.all_lines()] == [("YX-LQ-003", 3)]


def test_five_households_in_warning_are_counted_out():
    # 东川老鹰茶: links to 东川 households 1, 2 and 3 as well, all five in warning.
    tea = Product.objects.get(upc="YX-DC-004")
    producer = Producer.objects.get(partner__code="dongchuan-hongtudi")
    for number in (1, 2, 3):
        BenefitLink.objects.create(
            producer=producer,
            product=tea,
            household=Household.objects.get(code=f"{DONGCHUAN}-{number:04d}"),
            kind="purchase",
            share=D("1.00"),
            valid_from=timezone.localdate(),
        )
    levels(h1=Level.YELLOW, h2=Level.YELLOW, h3=Level.BLUE, h5=Level.YELLOW, h7=Level.PURPLE)
    targeting_refresh_all()
    rows = dict(_words(zh_client("canteen")))
    # 5% + 20% + 3 × 1% of ¥1,000 to five households in warning.
    assert "¥280.00" in rows["YX-DC-004"] and re.search(r"\b5\b", rows["YX-DC-004"])


def _words(client: Client) -> list[tuple[str, str]]:
    html = client.get("/shop/unit/quick-order/").content.decode()
    return [(match["upc"], match["words"]) for match in ROW.finditer(html)]


def test_nothing_in_warning_means_no_list(refreshed):
    HouseholdStatus.objects.filter(level__in=[Level.BLUE, Level.PURPLE, Level.YELLOW]).update(
        level=Level.GREEN
    )
    targeting_refresh_all()
    html = zh_client("canteen").get("/shop/unit/quick-order/").content.decode()
    assert 'class="mb-0 yx-help-first-empty"' in html
    assert "yx-help-first-row" not in html


def test_the_quick_order_costs_the_same_queries_whatever_the_lists_length(refreshed):
    client = zh_client("canteen")
    client.get("/shop/unit/quick-order/")
    with CaptureQueriesContext(connection) as nine:
        client.get("/shop/unit/quick-order/")
    LiftFigure.objects.filter(scope="product", to_warning__lt=D("260.00")).delete()
    assert len(help_first(client)) == 3
    with CaptureQueriesContext(connection) as three:
        client.get("/shop/unit/quick-order/")
    assert len(nine.captured_queries) == len(three.captured_queries)
