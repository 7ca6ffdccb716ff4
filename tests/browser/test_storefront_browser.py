"""A shopper in a real browser: home page, Chinese search, basket, guest checkout."""

import pytest
from oscar.core.loading import get_model

from .conftest import guest_to_payment, order_place, screenshot

pytestmark = pytest.mark.browser

Order = get_model("order", "Order")


def test_a_guest_finds_eagle_tea_and_orders_it_by_bank_transfer(demo_site, page):
    page.goto(demo_site.url + "/")
    assert page.locator(".yx-banner h1").inner_text() == "买一份山货，帮一户人家"
    cards = page.locator("article.yx-card")
    assert cards.count() == 8
    assert cards.first.locator(".yx-badge").inner_text() == "扶贫产品"
    assert cards.first.locator(".yx-origin-county").inner_text() == "东川区"
    screenshot(page, "home")

    page.fill("#id_q", "老鹰茶")
    page.locator("#id_q").press("Enter")
    page.wait_for_url("**/shop/search/**")
    results = page.locator("article.yx-card")
    assert results.count() == 1
    assert "东川老鹰茶 250g" in results.first.inner_text()
    screenshot(page, "search")

    results.first.locator("h3 a").click()
    page.wait_for_selector(".yx-provenance")
    assert "东川区红土地镇" in page.locator(".yx-provenance").inner_text()
    page.locator("#add_to_basket_form button[type=submit]").click()
    page.wait_for_selector(".alert-success")

    guest_to_payment(page, demo_site.url, email="guest@example.com")
    assert "银行转账" in page.locator(".yx-payment-method").inner_text()
    order_place(page)

    order = Order.objects.get()
    assert page.locator(".yx-payment-reference").inner_text() == order.number
    assert order.status == "Pending payment"
    assert str(order.total_incl_tax) == "58.00"
    screenshot(page, "thank-you")
