"""Issue #21's "done when" on the demo: the targeting pages show numbers, not "不足 5 户".

The demo's households in warning (demo/data.py ``WARNING_HOUSEHOLDS``: 530113-0034 to -0046)
and their benefit links to 红土地苦荞面 (YX-DC-005, ¥26.00) and 七彩花生 (YX-DC-003, ¥39.80).
Expected figures by hand from DESIGN.md's rule table (line 1.5 × 4,600.00 = 6,900.00 a head)
and the links, on the suite's demo: no demo sale, so 530113-0005 is still yellow (6,896.00 a
head, a gap of ¥20.00, ¥4.00 a head).
"""

import re
from decimal import Decimal as D

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model

from cms.models import CampaignPage
from impact.models import Household, HouseholdStatus
from impact.monitoring.rules import Level
from impact.targeting import project_amounts, targeting_refresh_all

pytestmark = pytest.mark.django_db

Product = get_model("catalogue", "Product")
FOLDED = "不足 5 户"


@pytest.fixture(autouse=True)
def refreshed() -> None:
    targeting_refresh_all()  # load_demo ends with one; again, so nothing earlier leaks in


def zh_client(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    client.cookies["django_language"] = "zh-hans"
    return client


def cells(html: str, table_id: str) -> list[list[str]]:
    table = re.search(rf'<table[^>]*id="table-{table_id}".*?</table>', html, re.S)
    assert table is not None, table_id
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S)
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in rows
        if "<td>" in row
    ]


def test_the_added_households_have_the_levels_worked_out_by_hand() -> None:
    # (income / members against 6,900.00; blue: no labour; purple: (income − rigid) / members
    # under the line, or a member unable to work)
    expected = {
        "0034": Level.YELLOW,  # 27,120 / 4 = 6,780
        "0035": Level.YELLOW,  # 20,250 / 3 = 6,750
        "0036": Level.YELLOW,  # 32,600 / 5 = 6,520
        "0037": Level.BLUE,  # 13,300 / 2 = 6,650, no labour
        "0038": Level.YELLOW,  # 24,400 / 4 = 6,100
        "0039": Level.BLUE,  # 5,400 / 1, no labour
        "0040": Level.PURPLE,  # (36,000 − 9,600) / 4 = 6,600
        "0041": Level.PURPLE,  # a member unable to work
        "0042": Level.YELLOW,  # 31,200 / 6 = 5,200
        "0043": Level.YELLOW,  # 14,250 / 3 = 4,750
        "0044": Level.YELLOW,  # 25,200 / 4 = 6,300
        "0045": Level.YELLOW,  # 17,400 / 3 = 5,800
        "0046": Level.BLUE,  # 10,600 / 2 = 5,300, no labour
    }
    levels = dict(
        HouseholdStatus.objects.filter(
            household__code__in=[f"530113-{n}" for n in expected]
        ).values_list("household__code", "level")
    )
    assert {code[-4:]: Level(level) for code, level in levels.items()} == expected
    # The generated households keep their codes: 33 before, 13 more in 东川区.
    assert Household.objects.count() == 46
    assert Household.objects.filter(region__parent__parent__code="530113").count() == 28


def test_the_demo_planner_ranks_dongchuan_products_and_counts_households_in_warning() -> None:
    """The 东川 stream (DC0603: 大洋芋, 挂面, 七彩花生, 老鹰茶). Lift per ¥1,000 to households
    in warning: 七彩花生 (1000 / 39.80 = 25.1256… bags) 5% to 0005 ¥50.00, 3% to 0037 ¥30.00,
    2% to 0039 ¥20.00, ¥3 a bag to 0040 ¥75.38, ¥2 a bag to 0042 ¥50.25, 4% to 0043 ¥40.00:
    ¥265.63 to 6 households in warning (of 8 reached); 老鹰茶 5% + 20% = ¥250.00 (3 reached);
    大洋芋 and 挂面 ¥50.00 each (0005's 5%; 3 and 2 reached), the tie by product id."""
    campaign = CampaignPage.objects.get(code="DC0603")
    client = zh_client("admin")
    response = client.get(reverse("cms_campaign_plan", args=[campaign.pk]))
    assert response.status_code == 200
    rows = re.findall(
        r'class="plan-product" data-product="(\d+)".*?class="plan-reach">(.*?)</td>',
        response.content.decode(),
        re.S,
    )
    shown = [(Product.objects.get(pk=int(pk)).upc, reach.strip()) for pk, reach in rows]
    assert shown == [
        ("YX-DC-003", "6"),
        ("YX-DC-004", FOLDED),
        ("YX-DC-001", FOLDED),
        ("YX-DC-002", FOLDED),
    ]


def test_the_gap_page_shows_dongchuans_totals_and_hongtudi_townships_row() -> None:
    """东川区's households in warning: 0005 (gap 20.00: 4.00 a head), 0007 (purple by rigid:
    6,900 × 5 + 18,000 − 43,575 = 8,925.00: 1,785.00 a head), 0014 (a member unable to work),
    and the 13 added (data.py). Within ¥200 a head: 0005, 0034, 0035 (3); ¥500: + 0036, 0037,
    0040 (6); ¥1,000: + 0038, 0044 (8); ¥2,000: + 0039, 0042, 0007, 0045, 0046 (13); 0043
    beyond; 0014 and 0041 unreachable. Needed 20 + 8,925 + 25,880 + 8,900 = 43,725.00.
    红土地镇: 0005 and its ten (25,880 + 20 = 25,900.00); 汤丹镇 (4) and 乌龙镇 (1) folded,
    5 together."""
    response = zh_client("dongchuan").get("/cms/impact/reports/gap/")
    assert response.status_code == 200
    html = response.content.decode()
    assert cells(html, "total") == [["东川区", "16", "3", "6", "8", "13", "43725.00", "2"]]
    townships = {row[0]: row[1:] for row in cells(html, "townships")}
    assert townships["红土地镇"] == ["11", "3", "6", "7", "9", "25900.00", "1"]
    assert townships["汤丹镇"][0] == FOLDED and townships["乌龙镇"][0] == FOLDED


def test_the_canteens_help_first_list_counts_households_for_its_top_product() -> None:
    """红土地苦荞面 (1000 / 26 = 38.4615… packs) to households in warning: ¥6 a pack to 0007
    (230.77), ¥2 to 0034 (76.92; the spare fen of the split goes to green household 3's ¥2,
    the earlier link), ¥1.50 to 0035 (57.69), ¥1 to
    0038 and 0041 (38.46 each), 10% to 0014 (100.00), 5% to 0005 (50.00), 6% to 0036 (60.00):
    ¥652.30 to 8 households in warning (the 8% to 0004, red, is not counted)."""
    html = zh_client("canteen").get("/shop/unit/quick-order/").content.decode()
    rows = re.findall(
        r'data-upc="(?P<upc>[^"]+)".*?yx-help-first-lift">\s*(?P<words>[^<]*?)\s*</div>',
        html,
        re.S,
    )
    upc, words = rows[0]
    assert upc == "YX-DC-005"
    assert "¥652.30" in words and "带给 8 户监测户" in words
    assert FOLDED not in words
    assert dict(rows)["YX-DC-003"].count("带给 6 户监测户") == 1


def test_twenty_thousand_yuan_of_buckwheat_takes_three_households_over_the_line() -> None:
    """¥20,000 of 苦荞面: 769 whole packs (¥19,994.00). 0005: 5% = 999.70 ≥ 20; 0034: 2 × 769 =
    1,538 ≥ 480; 0035: 1.5 × 769 = 1,153.50 ≥ 450 (all yellow). 0036's 6% (1,199.64) is under
    its 1,900, 0038's 769 under 3,200, 0007's 4,614 under 8,925; 0014 and 0041 cannot cross."""
    buckwheat = Product.objects.get(upc="YX-DC-005")
    projection = project_amounts(amounts={buckwheat.pk: D("20000")})
    assert projection.sales == D("19994.00")
    assert projection.crossing_total == 3
    assert projection.crossing == {int(Level.YELLOW): 3}
    assert projection.households_in_warning_reached == 8
