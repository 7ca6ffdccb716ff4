"""A viewer opens a live campaign through a sharer's link, buys, and sees the counter move."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone
from oscar.core.loading import get_model

from cms.campaigns.services import campaign_sharer_add
from cms.models import CampaignHost, CampaignIndexPage, CampaignOrder, CampaignPage, CampaignProduct
from shop.payments.services import order_transfer_record

from .conftest import screenshot

pytestmark = pytest.mark.browser

Order = get_model("order", "Order")
Product = get_model("catalogue", "Product")


def live_campaign() -> tuple[CampaignPage, str]:
    admin = get_user_model().objects.get(username="admin")
    now = timezone.now()
    campaign = CampaignPage(
        title="东川七彩花生直播专场",
        slug="peanut-live",
        platform=CampaignPage.Platform.DOUYIN,
        starts_at=now - datetime.timedelta(minutes=30),
        ends_at=now + datetime.timedelta(hours=2),
        stream_url="https://live.yixiang.example/peanuts",
        code="PEANUT",
        live=False,
    )
    campaign.hosts.add(CampaignHost(name="周海燕", title="区农业农村局干部（演示）"))
    campaign.products.add(
        CampaignProduct(
            product=Product.objects.get(upc="YX-DC-003"), campaign_price=Decimal("35.80")
        )
    )
    CampaignIndexPage.objects.get().add_child(instance=campaign)
    campaign.save_revision(user=admin).publish(user=admin)
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
    page.wait_for_function("document.querySelector('[data-counter=orders]').textContent === '0'")
    screenshot(page, "campaign-live-before")

    page.locator(".yx-campaign-product form button[type=submit]").first.click()
    page.wait_for_selector(".alert-success")
    page.goto(demo_site.url + "/shop/checkout/")
    page.fill("#id_username", "fan@example.com")
    page.check("#id_options_0")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_selector("#id_last_name")
    page.fill("#id_last_name", "李四")
    page.fill("#id_line1", "红土地镇花沟村 12 号")
    page.fill("#id_line4", "昆明市")
    page.fill("#id_state", "云南省")
    page.fill("#id_postcode", "654100")
    page.fill("#id_phone_number", "13800138000")
    page.locator("#new_shipping_address button[type=submit]").click()
    page.wait_for_selector(".yx-payment-method")
    page.click("#view_preview")
    page.click("#place-order")
    page.wait_for_selector(".yx-payment-due")

    order = Order.objects.get(guest_email="fan@example.com")
    assert order.total_incl_tax == Decimal("35.80")  # the campaign price
    link = CampaignOrder.objects.get(order=order)
    assert (link.campaign_id, link.sharer.code) == (campaign.pk, code)

    # Staff see the transfer arrive; the page's counter moves within a refresh.
    page.goto(demo_site.url + campaign.url)
    page.wait_for_function("document.querySelector('[data-counter=orders]').textContent === '0'")
    order_transfer_record(
        order=order,
        amount=order.total_incl_tax,
        received_on=timezone.localdate(),
        bank_reference="CAMPAIGN-BROWSER-1",
        by=get_user_model().objects.get(username="admin"),
    )
    page.wait_for_function(
        "document.querySelector('[data-counter=orders]').textContent === '1'", timeout=20_000
    )
    assert page.locator("[data-counter=sales]").inner_text() == "35.80"
    assert page.locator("[data-counter=buyers]").inner_text() == "1"
    assert page.locator("[data-counter=households]").inner_text() == "3"
    screenshot(page, "campaign-live-after")
