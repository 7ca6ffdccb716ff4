"""Three reviewers of 东川区 walk a 花沟村 clue through its review on the clue page, and the
village prints its notice list (公示名单)."""

import datetime

import pytest
from django.utils import timezone

from impact.models import Clue, Household, Region

from .conftest import screenshot

pytestmark = pytest.mark.browser


def cms_login(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/cms/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "yixiang-demo")
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/cms/")


def submit(page) -> None:
    with page.expect_navigation():
        page.locator("#clue-advance-form button[type=submit]").click()


def test_village_township_and_county_reviewers_walk_a_clue(demo_site, page):
    huagou = Region.objects.get(name="花沟村", parent__name="红土地镇")
    # A household of the village that the demo has not put through a review (no clue yet, no
    # monitoring target): records of a review are never deleted.
    household = (
        Household.objects.filter(region=huagou, clues__isnull=True, targets__isnull=True)
        .order_by("code")
        .first()
    )
    assert household is not None
    opened = timezone.now() - datetime.timedelta(days=10)
    clue = Clue.objects.create(
        household=household, county=household.county, channel="screening", level=3, opened_at=opened
    )
    base = demo_site.url
    url = f"{base}/cms/impact/clues/{clue.pk}/"

    # the county reviewer may not verify: the page offers no step, and says why
    cms_login(page, base, "dc-county")
    page.goto(url)
    assert page.locator("#clue-advance-form").count() == 0
    assert "村（社区）" in page.locator("#clue-next").inner_text()
    assert "剩余 5 天" in page.locator("#clue-deadline").inner_text()

    cms_login(page, base, "dc-village")
    page.goto(url)
    page.select_option("#id_stage", "verified")
    page.fill("#id_note", "入户走访、数据比对")
    submit(page)
    page.select_option("#id_stage", "notice")
    posted = timezone.localdate() - datetime.timedelta(days=6)
    page.fill("#id_notice_from", posted.isoformat())
    submit(page)
    assert Clue.objects.get(pk=clue.pk).notice_from == posted

    page.goto(f"{base}/cms/impact/notices/")
    assert household.code in page.locator("#notice-table").inner_text()
    assert household.head_name not in page.content()
    page.emulate_media(media="print")
    assert not page.locator(".yx-toolbar").is_visible()
    screenshot(page, "review-notice-list")
    page.emulate_media(media="screen")

    cms_login(page, base, "dc-township")
    page.goto(url)
    page.select_option("#id_stage", "township")
    submit(page)

    cms_login(page, base, "dc-county")
    page.goto(url)
    page.select_option("#id_stage", "approved")
    submit(page)
    steps = page.locator("#clue-steps tbody").inner_text()
    for username in ("dc-village", "dc-township", "dc-county"):
        assert username in steps
    assert Clue.objects.get(pk=clue.pk).stage == "approved"
    screenshot(page, "review-clue-approved")
