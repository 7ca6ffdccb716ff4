"""A viewer opens a live campaign through a sharer's link, buys, and sees the counter move."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone
from oscar.core.loading import get_model

from cms.campaigns.services import campaign_sharer_add
from cms.models import CampaignOrder, CampaignPage
from tests.cms.campaigns import make_campaign
from tests.shop.payments.paying import pay_in_full

from .conftest import guest_to_payment, log_in, order_place, screenshot

pytestmark = pytest.mark.browser

Order = get_model("order", "Order")


def live_campaign() -> tuple[CampaignPage, str]:
    """The peanut campaign, live for the last half hour, and its volunteer sharer's code."""
    campaign = make_campaign(
        title="东川七彩花生直播专场",
        slug="peanut-live",
        code="PEANUT",
        starts_at=timezone.now() - datetime.timedelta(minutes=30),
        hours=2.5,
        products=[("YX-DC-003", "35.80")],
    )
    sharer = campaign_sharer_add(
        campaign=campaign, name="杨小梅", role="volunteer", code="PEANUT-YANG"
    )
    return campaign, sharer.code


def test_a_viewer_buys_through_a_sharer_link_and_the_counter_moves(demo_site, page):
    cache.clear()
    campaign, code = live_campaign()
    page.goto(f"{demo_site.url}/c/{code}/")
    page.wait_for_selector("#campaign[data-state='live']")
    assert page.locator("#campaign-state").inner_text() == "直播中"
    assert "直播价 ¥35.80" in page.locator(".yx-campaign-product").first.inner_text()
    # The counters come from the endpoint (the page's script fills them in).
    # A function, not an expression: Playwright evals expressions, which the page's CSP refuses.
    page.wait_for_function(
        "() => document.querySelector('[data-counter=orders]').textContent === '0'"
    )
    screenshot(page, "campaign-live-before")

    page.locator(".yx-campaign-product form button[type=submit]").first.click()
    page.wait_for_selector(".alert-success")
    guest_to_payment(page, demo_site.url, email="fan@example.com")
    order_place(page)

    order = Order.objects.get(guest_email="fan@example.com")
    assert order.total_incl_tax == Decimal("35.80")  # the campaign price
    link = CampaignOrder.objects.get(order=order)
    assert (link.campaign_id, link.sharer.code) == (campaign.pk, code)

    # Staff see the transfer arrive; the page's counter moves within a refresh.
    page.goto(demo_site.url + campaign.url)
    page.wait_for_function(
        "() => document.querySelector('[data-counter=orders]').textContent === '0'"
    )
    pay_in_full(
        order, by=get_user_model().objects.get(username="admin"), reference="CAMPAIGN-BROWSER-1"
    )
    page.wait_for_function(
        "() => document.querySelector('[data-counter=orders]').textContent === '1'",
        timeout=20_000,
    )
    assert page.locator("[data-counter=sales]").inner_text() == "35.80"
    assert page.locator("[data-counter=buyers]").inner_text() == "1"
    # the peanuts' linked households: 东川 2, 4, 5 and demo/data.py's five in warning
    assert page.locator("[data-counter=households]").inner_text() == "8"
    screenshot(page, "campaign-live-after")


def test_a_signed_in_buyer_gets_the_shared_page_with_their_own_account_and_basket(
    demo_site, page, browser
):
    cache.clear()
    campaign, _code = live_campaign()
    # An anonymous viewer's visit puts the page in the shared cache.
    other = browser.new_context()
    other.new_page().goto(demo_site.url + campaign.url)
    other.close()

    log_in(
        page,
        demo_site.url,
        then=campaign.url,
        username="canteen@yixiang.example",
        password="yixiang-demo",
    )
    page.wait_for_url("**" + campaign.url)
    page.locator(".yx-campaign-product form button[type=submit]").first.click()
    page.wait_for_selector(".alert-success")  # the message: this visit was rendered for them

    page.goto(demo_site.url + campaign.url)  # the shared page, from the cache
    page.wait_for_selector("html[data-yx-personal='filled']")
    assert page.locator("#account_link").count() == 1  # their own account link
    assert page.locator("#yx-cart .yx-cart-count").inner_text() == "1"  # their basket
    screenshot(page, "campaign-signed-in-from-cache")
