"""The product page on a phone (390 px) and a desktop (1366 px): its proof, and the 加入购物车 /
立即购买 bar fixed to the bottom of a phone's screen without covering the page's end."""

import pytest
from oscar.core.loading import get_model

from .conftest import screenshot

pytestmark = pytest.mark.browser

Product = get_model("catalogue", "Product")
Line = get_model("basket", "Line")


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _quantity_in_baskets(upc: str) -> int:
    return sum(line.quantity for line in Line.objects.filter(product__upc=upc))


def test_the_bar_adds_to_the_basket_and_buys_now_on_a_phone(demo_site, phone):
    potatoes = demo_site.url + Product.objects.get(upc="YX-DC-001").get_absolute_url()
    tea = demo_site.url + Product.objects.get(upc="YX-DC-004").get_absolute_url()
    phone.goto(potatoes)
    assert phone.locator(".yx-cert-number").inner_text().endswith("-YX-DC-001")
    assert "¥6.89" in phone.locator(".yx-projection:not(.yx-lift)").inner_text()

    bar = phone.locator(".yx-buy-bar")
    assert bar.is_visible()
    box = bar.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] == pytest.approx(844, abs=1)  # on the screen's bottom edge
    assert box["width"] == pytest.approx(390, abs=1)
    # The page is padded by at least the bar's height, so its end scrolls clear of the bar.
    padding = phone.evaluate("parseFloat(getComputedStyle(document.body).paddingBottom)")
    assert padding >= box["height"]
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "product-page-390")

    assert _quantity_in_baskets("YX-DC-001") == 0
    bar.locator(".yx-buy-add").click()
    phone.wait_for_selector(".alert-success")
    assert _quantity_in_baskets("YX-DC-001") == 1
    assert phone.url == potatoes  # 加入购物车 stays on the product

    phone.goto(tea)
    phone.locator(".yx-buy-bar .yx-buy-now").click()
    phone.wait_for_url("**/shop/checkout/**")
    assert "/shop/checkout/" in phone.url
    assert _quantity_in_baskets("YX-DC-004") == 1
    assert _quantity_in_baskets("YX-DC-001") == 1
    screenshot(phone, "buy-now-checkout-390")


def test_the_bar_sits_in_the_page_on_a_desktop(demo_site, browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(demo_site.url + Product.objects.get(upc="YX-DC-004").get_absolute_url())
        bar = page.locator(".yx-buy-bar")
        assert bar.evaluate("element => getComputedStyle(element).position") == "static"
        assert page.evaluate("parseFloat(getComputedStyle(document.body).paddingBottom)") == 0
        assert page.locator(".yx-credit-code").inner_text() == "93530113MA6K2Q8P1R"
        screenshot(page, "product-page-1366")
    finally:
        context.close()
