"""Monitoring staff open the impact overview: the charts render, with the figures beside them."""

import pytest

from demo.services import demo_load
from impact.models import HouseholdStatus

from .conftest import screenshot

pytestmark = pytest.mark.browser


def test_county_staff_see_the_overview_chart_and_the_platform_report(demo_site, page):
    demo_load(sale=True)  # the paid demo order: ¥575.00 of 红土地's produce for the school canteen
    page.goto(demo_site.url + "/cms/login/")
    page.fill("#id_username", "dongchuan")
    page.fill("#id_password", "yixiang-demo")
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/cms/")
    page.goto(demo_site.url + "/cms/impact/reports/")
    page.wait_for_selector("#chart-months[data-rendered='true']")

    # The chart is drawn by Chart.js with this month's bar: the county's households by level.
    counts = page.evaluate(
        "() => window.yxCharts['chart-months'].data.datasets.map(d => d.data[d.data.length - 1])"
    )
    expected = [
        HouseholdStatus.objects.filter(household__county__code="530113", level=level).count()
        for level in range(1, 6)
    ]
    assert counts == expected
    assert sum(counts) == 15 + 13  # generated, and demo/data.py's households in warning
    box = page.locator("#chart-months").bounding_box()
    assert box["width"] > 300 and box["height"] > 200
    # The canvas has been painted (not blank): some pixel in it is not transparent.
    painted = page.evaluate(
        """() => { const c = document.getElementById('chart-months');
                   const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                   for (let i = 3; i < d.length; i += 4) { if (d[i] !== 0) return true; }
                   return false; }"""
    )
    assert painted
    assert page.locator("#fig-households").inner_text() == "28"
    assert page.locator("#table-months tbody tr").count() == 12
    # Only 东川区 is in this staff member's scope: no county choice, one county row.
    assert page.locator("#county").count() == 0
    assert page.locator("#table-regions tbody tr").count() == 1
    screenshot(page, "impact-overview")

    page.click("text=平台成效")
    page.wait_for_selector("#chart-platform-months[data-rendered='true']")
    assert page.locator("#fig-sales").inner_text() == "¥575.00"
    assert page.locator("#fig-attributed").inner_text() == "¥127.95"
    assert page.locator("#fig-reached").inner_text() == "4"
    # Due amounts lift nobody; 红土地's recorded ¥25.00 payout lifts 530113-0005 over the line
    # (demo/payouts.py): one household above it thanks to platform income now, one credited move.
    assert page.locator("#fig-moved").inner_text() == "1"
    assert page.locator("#fig-above-line").inner_text() == "1"
    screenshot(page, "impact-platform")
