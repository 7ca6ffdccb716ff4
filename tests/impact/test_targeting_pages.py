"""The gap to the line and the what-if for monitoring staff (issue #21), on a small built area.

Every expected figure is worked out by hand below from DESIGN.md's rule table, not read
from the code under test. This year's line: standard ¥4,000 × 1.5 = ¥6,000 per person;
every household has 2 members, so its line is ¥12,000 a year and Ⅰ red starts below ¥8,000.

测算县 (a county built here) → 甲镇 (一村, 二村, 四村) and 乙镇 (三村):

一村 (8 households in warning, one green, one red):
  H1 yellow, income 11,800: gap   200, ¥100 per person
  H2 yellow, income 11,600: gap   400, ¥200 per person (at most ¥200: within ¥200)
  H3 yellow, income 11,000: gap 1,000, ¥500 per person
  H4 yellow, income 10,000: gap 2,000, ¥1,000 per person
  H5 yellow, income  8,000: gap 4,000, ¥2,000 per person
  H6 purple, income 11,000, rigid 5,000: (11,000 − 5,000) / 2 = 3,000 < 6,000;
     gap 12,000 + 5,000 − 11,000 = 6,000, ¥3,000 per person (beyond every band)
  H7 purple, a member unable to work (rigid 1,000): no income helps: unreachable
  H8 blue (no labour), income 10,000: gap 2,000, ¥1,000 per person
  G  green, income 13,000; R red, income 7,000 (¥3,500 < ¥4,000): neither in warning
  → in warning 8; within 200: 2, 500: 3, 1,000: 5, 2,000: 6;
    still needed 200+400+1,000+2,000+4,000+6,000+2,000 = 15,600; unreachable 1
二村 (3 yellow: incomes 11,900, 11,000, 10,000: ¥50, ¥500, ¥1,000 per person): folded
四村 (2 yellow: incomes 11,000, 11,000: ¥500 per person each): folded; with 二村 the folded
  villages of 甲镇 hold 5, so 甲镇 less 一村 singles out no group under 5
甲镇 = 一村 + 二村 + 四村: in warning 13; within 200: 2+1 = 3, 500: 3+2+2 = 7,
  1,000: 5+3+2 = 10, 2,000: 6+3+2 = 11; still needed 15,600 + 3,100 + 2,000 = 20,700;
  unreachable 1
三村 = 乙镇 (5 yellow, incomes 11,000: ¥500 per person each): in warning 5; within 200: 0,
  500: 5, 1,000: 5, 2,000: 5; still needed 5,000; unreachable 0
测算县: in warning 18; within 200: 3, 500: 12, 1,000: 15, 2,000: 16; still needed 25,700;
  unreachable 1

Producer 测算合作社 (in 甲镇) links all its products to H1–H6, H8 and G at ¥5 a unit
(purchase). Its products: 土豆 at ¥50 and 蜂蜜 at ¥100.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from impact.models import Household, IncomeRecord, Region, RigidExpenditure
from impact.monitoring.assessment import households_reassess
from impact.reporting.targeting import GapRow, fold_complement
from impact.targeting import Gap, targeting_refresh_all
from producers.models import BenefitLink, Certificate, Producer
from tests.impact import factories

pytestmark = pytest.mark.django_db
D = Decimal

Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
StockRecord = get_model("partner", "StockRecord")

GAP_URL = "/cms/impact/reports/gap/"
WHATIF_URL = "/cms/impact/reports/what-if/"
FOLDED = "不足 5 户"


def year() -> int:
    return timezone.localdate().year


def region(name: str, level: str, parent: Region | None = None, code: str = "") -> Region:
    return Region.objects.create(name=name, level=level, parent=parent, code=code)


def household(village: Region, income: str, *, labour: int = 1, **fields) -> Household:
    made = Household.objects.create(
        code=f"CS-{Household.objects.count():05d}",
        head_name="测算户主",
        id_number=factories.id_number("530113"),
        region=village,
        members=2,
        labour=labour,
        kind=Household.Kind.EXITED,
        **fields,
    )
    IncomeRecord.objects.create(household=made, year=year(), wages=D(income))
    return made


def rigid(household: Household, amount: str, *, unable_to_work: int = 0) -> None:
    RigidExpenditure.objects.create(
        household=household,
        date=timezone.localdate() - datetime.timedelta(days=30),
        cause=RigidExpenditure.Cause.ILLNESS,
        amount=D(amount),
        unable_to_work=unable_to_work,
    )


def product(producer: Producer, upc: str, title: str, price: str):
    made = Product.objects.create(
        upc=upc,
        title=title,
        product_class=ProductClass.objects.get(slug="farm-produce"),
        structure=Product.STANDALONE,
        is_public=True,
    )
    StockRecord.objects.create(
        product=made,
        partner=producer.partner,
        partner_sku=upc,
        price_currency="CNY",
        price=D(price),
        num_in_stock=1000,
    )
    today = timezone.localdate()
    Certificate.objects.create(
        producer=producer,
        product=made,
        kind=Certificate.Kind.CERTIFICATION,
        number=f"FP-{upc}",
        issuer="测算县农业农村局",
        valid_from=today - datetime.timedelta(days=30),
        valid_to=today + datetime.timedelta(days=300),
    )
    return made


@pytest.fixture
def area():
    """The built county, assessed this year and with its targeting figures refreshed."""
    factories.threshold(year(), "4000.00", "1.50")
    county = region("测算县", Region.Level.COUNTY, code="539901")
    jia = region("甲镇", Region.Level.TOWNSHIP, county)
    yi = region("乙镇", Region.Level.TOWNSHIP, county)
    one = region("一村", Region.Level.VILLAGE, jia)
    two = region("二村", Region.Level.VILLAGE, jia)
    three = region("三村", Region.Level.VILLAGE, yi)
    h = {
        "H1": household(one, "11800"),
        "H2": household(one, "11600"),
        "H3": household(one, "11000"),
        "H4": household(one, "10000"),
        "H5": household(one, "8000"),
        "H6": household(one, "11000"),
        "H7": household(one, "13000"),
        "H8": household(one, "10000", labour=0),
        "G": household(one, "13000"),
        "R": household(one, "7000"),
    }
    rigid(h["H6"], "5000")
    rigid(h["H7"], "1000", unable_to_work=1)
    four = region("四村", Region.Level.VILLAGE, jia)
    for income in ("11900", "11000", "10000"):
        household(two, income)
    for income in ("11000", "11000"):
        household(four, income)
    for income in ("11000",) * 5:
        household(three, income)
    partner = Partner.objects.create(code="cesuan-coop", name="测算合作社")
    producer = Producer.objects.create(
        partner=partner,
        name="测算合作社",
        kind=Producer.Kind.COOPERATIVE,
        region=jia,
        status=Producer.Status.APPROVED,
    )
    potatoes = product(producer, "YX-CS-001", "测算土豆 5kg", "50.00")
    honey = product(producer, "YX-CS-002", "测算蜂蜜 1kg", "100.00")
    for key in ("H1", "H2", "H3", "H4", "H5", "H6", "H8", "G"):
        BenefitLink.objects.create(
            producer=producer,
            household=h[key],
            kind=BenefitLink.Kind.PURCHASE,
            per_unit=D("5.00"),
            valid_from=timezone.localdate() - datetime.timedelta(days=365),
        )
    households_reassess(
        households=Household.objects.filter(county=county),
        year=year(),
        channel="screening",
    )
    targeting_refresh_all()
    return {
        "county": county,
        "jia": jia,
        "yi": yi,
        "one": one,
        "two": two,
        "three": three,
        "four": four,
        "households": h,
        "producer": producer,
        "potatoes": potatoes,
        "honey": honey,
    }


def levels_built(area) -> dict[str, int]:
    """The rules' own levels for the built households, to show the area is as described."""
    from impact.models import HouseholdStatus

    statuses = dict(
        HouseholdStatus.objects.filter(household__in=area["households"].values()).values_list(
            "household_id", "level"
        )
    )
    return {key: statuses[made.pk] for key, made in area["households"].items()}


def monitoring_user(name: str, where: Region):
    return factories.area_staff(name, where)


def cells(html: str, table_id: str) -> list[list[str]]:
    """The text of each row of the table ``table_id`` in the page (a small parser)."""
    import re

    table = re.search(rf'<table[^>]*id="table-{table_id}".*?</table>', html, re.S)
    assert table is not None, table_id
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S)
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in rows
        if "<td>" in row
    ]


# ------------------------------------------------------------------ the area is as described


def test_the_built_area_has_the_levels_worked_out_by_hand(area):
    assert levels_built(area) == {
        "H1": 4,
        "H2": 4,
        "H3": 4,
        "H4": 4,
        "H5": 4,
        "H6": 3,
        "H7": 3,
        "H8": 2,
        "G": 5,
        "R": 1,
    }


# ------------------------------------------------------------------ gap to the line


def gap_row(name: str, in_warning: int | None) -> GapRow:
    gap = None
    if in_warning is not None:
        gap = Gap(
            "village",
            0,
            in_warning,
            dict.fromkeys((200, 500, 1000, 2000), 0),
            D(0),
            0,
            timezone.now(),
        )
    return GapRow(0, name, gap)


def test_a_lone_small_group_folds_the_smallest_shown_beside_it():
    """Total 3 + 6 + 9 = 18 shown beside them: folding only the 3 would give it away (18 − 15)."""
    rows = fold_complement([gap_row("a", 3), gap_row("b", 6), gap_row("c", 9)])
    assert [row.folded for row in rows] == [True, True, False]
    # folded together 5 or more: nothing more to fold
    rows = fold_complement([gap_row("a", 3), gap_row("b", 2), gap_row("c", 9)])
    assert [row.folded for row in rows] == [True, True, False]
    # no household in warning folded (none, or a region with no figure): nothing more
    rows = fold_complement([gap_row("a", None), gap_row("b", 6), gap_row("c", 9)])
    assert [row.folded for row in rows] == [True, False, False]
    # 4 folded, then 4 + 5 = 9: stops
    rows = fold_complement([gap_row("a", 4), gap_row("b", 5), gap_row("c", 5)])
    assert [row.folded for row in rows] == [True, True, False]


def test_county_staff_see_their_county_totals_first_then_townships_villages_products(client, area):
    client.force_login(monitoring_user("cs-county", area["county"]))
    response = client.get(GAP_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    # Totals first: the county's.
    assert html.index('id="gap-total"') < html.index('id="table-townships"')
    assert cells(html, "total") == [["测算县", "18", "3", "12", "15", "16", "25700.00", "1"]]
    assert cells(html, "townships") == [
        ["甲镇", "13", "3", "7", "10", "11", "20700.00", "1"],
        ["乙镇", "5", "0", "5", "5", "5", "5000.00", "0"],
    ]
    assert cells(html, "villages") == [
        ["甲镇", "一村", "8", "2", "3", "5", "6", "15600.00", "1"],
        ["乙镇", "三村", "5", "0", "5", "5", "5", "5000.00", "0"],
        ["甲镇", "二村", FOLDED, "—", "—", "—", "—", "—", "—"],
        ["甲镇", "四村", FOLDED, "—", "—", "—", "—", "—", "—"],
    ]
    # Both products and the producer reach H1–H6 and H8 in warning (and G, green):
    # within 200: H1, H2; 500: +H3; 1,000: +H4, H8; 2,000: +H5; needed 200+400+1,000+2,000
    # +4,000+6,000+2,000 = 15,600; none unreachable (H7 is not linked).
    reached = ["7", "2", "3", "5", "6", "15600.00", "0"]
    assert sorted(cells(html, "products")) == [
        ["测算土豆 5kg", "测算合作社", *reached],
        ["测算蜂蜜 1kg", "测算合作社", *reached],
    ]
    assert cells(html, "producers") == [["测算合作社", *reached]]
    assert "缺口" in html or "监测线" in html
    for made in area["households"].values():
        assert made.code not in html
        assert made.head_name not in html


def test_township_staff_see_only_their_township_and_its_villages(client, area):
    client.force_login(monitoring_user("cs-township", area["jia"]))
    html = client.get(GAP_URL).content.decode()
    assert cells(html, "total") == [["测算县甲镇", "13", "3", "7", "10", "11", "20700.00", "1"]]
    assert [row[1] for row in cells(html, "villages")] == ["一村", "二村", "四村"]
    assert "三村" not in html and "乙镇" not in html


def test_a_village_of_fewer_than_five_in_warning_is_folded_for_its_own_staff(client, area):
    """二村's own staff see its total folded, as every group under 5 is."""
    client.force_login(monitoring_user("cs-village", area["two"]))
    html = client.get(GAP_URL).content.decode()
    assert cells(html, "total") == [["测算县甲镇二村", FOLDED, "—", "—", "—", "—", "—", "—"]]
    assert 'id="fig-in-warning">' + FOLDED in html


def test_monitoring_staff_of_another_county_are_refused(client, area):
    other = Region.objects.get(code="530128")  # 禄劝 (demo)
    client.force_login(monitoring_user("lq-county", other))
    assert client.get(GAP_URL, {"county": area["county"].pk}).status_code == 403
    assert client.get(WHATIF_URL, {"county": area["county"].pk}).status_code == 403
    assert client.get(GAP_URL, {"county": area["county"].pk, "format": "csv"}).status_code == 403
    # their own page shows their county, not the built one
    html = client.get(GAP_URL).content.decode()
    assert "测算县" not in html


def test_platform_operations_see_every_county_and_drill_into_one(client, area):
    client.force_login(get_user_model().objects.get(username="ops"))
    html = client.get(GAP_URL).content.decode()
    rows = {row[0]: row[1:] for row in cells(html, "counties")}
    assert rows["测算县"] == ["18", "3", "12", "15", "16", "25700.00", "1"]
    assert f'href="?county={area["county"].pk}"' in html
    html = client.get(GAP_URL, {"county": area["county"].pk}).content.decode()
    assert cells(html, "total")[0][1] == "18"
    assert client.get(GAP_URL, {"county": 10**9}).status_code == 404


def test_finance_and_producers_are_refused(client, area):
    for username in ("finance", "hongtudi", "canteen", "zhibo"):
        client.force_login(get_user_model().objects.get(username=username))
        assert client.get(GAP_URL).status_code in (302, 403), username
        assert client.get(WHATIF_URL).status_code in (302, 403), username


def test_the_gap_export_holds_the_same_rows_folded_alike(client, area):
    client.force_login(monitoring_user("cs-county", area["county"]))
    response = client.get(GAP_URL, {"format": "csv"})
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert ["测算县", "18", "3", "12", "15", "16", "25700.00", "1"] in rows
    assert ["甲镇", "二村", FOLDED, "—", "—", "—", "—", "—", "—"] in rows
    assert ["测算合作社", "7", "2", "3", "5", "6", "15600.00", "0"] in rows
    for made in area["households"].values():
        assert made.code not in text
    xlsx = client.get(GAP_URL, {"format": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_gap_page_costs_the_same_queries_with_one_village_or_twenty(client, area):
    user = monitoring_user("cs-county", area["county"])
    client.force_login(user)
    client.get(GAP_URL)  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as few:
        assert client.get(GAP_URL).status_code == 200
    for number in range(19):
        village = region(f"新{number}村", Region.Level.VILLAGE, area["yi"])
        for income in ("11000",) * 5:
            household(village, income)
    producer = area["producer"]
    for number in range(19):
        product(producer, f"YX-CS-1{number:02d}", f"测算产品{number}", "30.00")
    households_reassess(
        households=Household.objects.filter(county=area["county"]),
        year=year(),
        channel="screening",
    )
    targeting_refresh_all()
    with CaptureQueriesContext(connection) as many:
        response = client.get(GAP_URL)
    assert response.status_code == 200
    assert len(cells(response.content.decode(), "villages")) == 23
    assert len(many) == len(few)


def test_a_long_table_shows_its_first_fifty_rows_at_the_same_queries_and_the_export_all(
    client, area
):
    """55 products (the area's 2 and 53 more at ¥30, linked alike): the page lists the first
    50 of the products table, says so, and costs the queries of the 2-product page; the CSV
    holds all 55. Rendering a county's 700 products took seconds (bench/targeting.py)."""
    client.force_login(monitoring_user("cs-county", area["county"]))
    client.get(GAP_URL)
    with CaptureQueriesContext(connection) as few:
        html = client.get(GAP_URL).content.decode()
    assert len(cells(html, "products")) == 2
    assert 'id="hidden-products"' not in html
    for number in range(53):
        product(area["producer"], f"YX-CS-3{number:02d}", f"测算长表{number}", "30.00")
    targeting_refresh_all()
    with CaptureQueriesContext(connection) as many:
        response = client.get(GAP_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert len(cells(html, "products")) == 50
    assert 'id="hidden-products"' in html and 'id="hidden-producers"' not in html
    assert len(many) == len(few)
    rows = list(csv.reader(io.StringIO(client.get(GAP_URL, {"format": "csv"}).content.decode())))
    assert len([row for row in rows if row[1:2] == ["测算合作社"]]) == 55


# ------------------------------------------------------------------ what-if


def whatif(client, area, amount, *products):
    return client.get(
        WHATIF_URL,
        {"amount": amount, "product": [str(made.pk) for made in products]},
    )


def test_the_what_if_lists_the_countys_products(client, area):
    client.force_login(monitoring_user("cs-county", area["county"]))
    html = client.get(WHATIF_URL).content.decode()
    titles = [row[1] for row in cells(html, "candidates")]
    assert sorted(titles) == ["测算土豆 5kg", "测算蜂蜜 1kg"]
    assert "东川" not in " ".join(titles)


def test_two_thousand_yuan_of_potatoes_takes_one_household_over_the_line(client, area):
    """¥2,000 at ¥50 = 40 units; ¥5 a unit to each of 8 linked households = ¥200 each.

    In warning and linked: H1–H6, H8 (7); G is green. To all: 8 × 200 = 1,600; to those in
    warning 7 × 200 = 1,400. H1's gap is exactly 200: on the line is not below it, so it
    crosses (Ⅳ yellow: 1). Gap closed: every gap is at least 200, so 7 × 200 = 1,400.
    """
    client.force_login(monitoring_user("cs-county", area["county"]))
    response = whatif(client, area, "2000", area["potatoes"])
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="fig-sales">¥2,000.00' in html
    assert 'id="fig-to-households">¥1,600.00' in html
    assert 'id="fig-to-warning">¥1,400.00' in html
    assert 'id="fig-in-warning-reached">7' in html
    assert 'id="fig-crossing">1' in html
    assert 'id="fig-gap-closed">¥1,400.00' in html
    assert cells(html, "crossing") == [["Ⅱ 蓝", "0"], ["Ⅲ 紫", "0"], ["Ⅳ 黄", "1"]]
    assert 'id="assumptions"' in html
    assert "测算" in html
    # The heading's amount is money as the cards write it, not "¥2000.00".
    assert "所选商品增加销售额 ¥2,000.00</h2>" in html


def test_ten_thousand_yuan_over_two_products_is_split_evenly(client, area):
    """¥5,000 each: potatoes 100 units → ¥500, honey 50 units → ¥250: ¥750 to each household.

    Cross: H1 (200), H2 (400): 2, both Ⅳ yellow. To all 8 × 750 = 6,000; in warning 7 × 750
    = 5,250. Gap closed: 200 + 400 + 5 × 750 (H3, H4, H5, H6, H8 all need more) = 4,350.
    """
    client.force_login(monitoring_user("cs-county", area["county"]))
    html = whatif(client, area, "10000", area["potatoes"], area["honey"]).content.decode()
    assert 'id="fig-sales">¥10,000.00' in html
    assert 'id="fig-to-households">¥6,000.00' in html
    assert 'id="fig-to-warning">¥5,250.00' in html
    assert 'id="fig-crossing">2' in html
    assert 'id="fig-gap-closed">¥4,350.00' in html
    assert cells(html, "amounts") == [
        ["测算土豆 5kg", "测算合作社", "5000.00"],
        ["测算蜂蜜 1kg", "测算合作社", "5000.00"],
    ]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("", "请输入"),
        ("-100", "必须大于 ¥0"),
        ("abc", "不是有效的金额"),
        ("100000000", "最多"),
        ("1.234", "精确到分"),
    ],
)
def test_bad_amounts_get_a_clear_chinese_message(client, area, amount, message):
    client.force_login(monitoring_user("cs-county", area["county"]))
    response = whatif(client, area, amount, area["potatoes"])
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="whatif-errors"' in html
    assert message in html
    assert 'id="whatif-result"' not in html


def test_no_product_or_another_countys_product_gets_a_clear_chinese_message(client, area):
    client.force_login(monitoring_user("cs-county", area["county"]))
    html = whatif(client, area, "1000").content.decode()
    assert 'id="whatif-errors"' in html and "至少" in html
    other = Product.objects.get(upc="YX-DC-001")
    html = whatif(client, area, "1000", other).content.decode()
    assert 'id="whatif-errors"' in html and "不属于" in html
    html = client.get(WHATIF_URL, {"amount": "1000", "product": "x"}).content.decode()
    assert 'id="whatif-errors"' in html
    assert 'id="whatif-result"' not in html


def test_a_what_if_reaching_fewer_than_five_in_warning_is_folded(client, area):
    BenefitLink.objects.filter(
        household__in=[area["households"][k] for k in ("H3", "H4", "H5")]
    ).delete()
    targeting_refresh_all()
    client.force_login(monitoring_user("cs-county", area["county"]))
    html = whatif(client, area, "2000", area["potatoes"]).content.decode()
    assert 'id="whatif-folded"' in html
    assert 'id="fig-crossing"' not in html
    assert FOLDED in html


def test_the_what_if_costs_the_same_queries_with_one_product_or_twenty(client, area):
    client.force_login(monitoring_user("cs-county", area["county"]))
    whatif(client, area, "1000", area["potatoes"])
    with CaptureQueriesContext(connection) as one:
        assert whatif(client, area, "1000", area["potatoes"]).status_code == 200
    more = [
        product(area["producer"], f"YX-CS-2{number:02d}", f"测算产品{number}", "30.00")
        for number in range(18)
    ]
    targeting_refresh_all()
    with CaptureQueriesContext(connection) as twenty:
        response = whatif(client, area, "1000", area["potatoes"], area["honey"], *more)
    assert response.status_code == 200
    assert len(cells(response.content.decode(), "amounts")) == 20
    assert len(twenty) == len(one)


def test_the_what_if_lists_fifty_products_and_a_chosen_one_beyond_at_the_same_queries(client, area):
    """53 more products at ¥30, 55 in all: the list stops at the 50 with the best lift, says
    so, and costs the queries of the 2-product page; a product chosen among the 5 left out is
    listed too, ticked."""
    client.force_login(monitoring_user("cs-county", area["county"]))
    query = {"county": area["county"].pk}
    client.get(WHATIF_URL, query)
    with CaptureQueriesContext(connection) as few:
        html = client.get(WHATIF_URL, query).content.decode()
    assert len(cells(html, "candidates")) == 2
    more = [
        product(area["producer"], f"YX-CS-4{number:02d}", f"测算候选{number}", "30.00")
        for number in range(53)
    ]
    targeting_refresh_all()
    with CaptureQueriesContext(connection) as many:
        html = client.get(WHATIF_URL, query).content.decode()
    assert len(cells(html, "candidates")) == 50
    assert 'id="candidates-hidden"' in html
    assert len(many) == len(few)
    listed = {int(pk) for pk in re.findall(r'name="product" value="(\d+)"', html)}
    beyond = next(made for made in more if made.pk not in listed)
    response = whatif(client, area, "1000", beyond)
    assert response.status_code == 200
    html = response.content.decode()
    assert len(cells(html, "candidates")) == 51
    assert f'value="{beyond.pk}" id="product-{beyond.pk}" checked' in html


def test_the_menu_offers_both_pages_to_county_staff_and_operations(client, area):
    for user in (
        monitoring_user("cs-county", area["county"]),
        get_user_model().objects.get(username="ops"),
    ):
        client.force_login(user)
        html = client.get(reverse("wagtailadmin_home")).content.decode()
        assert GAP_URL in html and WHATIF_URL in html


def test_both_pages_show_no_english_catalogue_string_in_zh_hans(client, area):
    from tests.common.untranslated import untranslated_on

    client.force_login(monitoring_user("cs-county", area["county"]))
    pages = {
        "gap": client.get(GAP_URL).content.decode(),
        "what-if": whatif(client, area, "2000", area["potatoes"]).content.decode(),
        "what-if, bad input": whatif(client, area, "-1").content.decode(),
    }
    client.force_login(get_user_model().objects.get(username="ops"))
    pages["gap, every county"] = client.get(GAP_URL).content.decode()
    assert {what: untranslated_on(html) for what, html in pages.items()} == {
        what: [] for what in pages
    }
