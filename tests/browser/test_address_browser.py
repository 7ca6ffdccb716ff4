"""The Chinese address form on a phone (390 px): the 省 → 市 → 区 selects, with and without script."""

import pytest
from oscar.core.loading import get_model

from .conftest import basket_add, log_in, screenshot

pytestmark = pytest.mark.browser

Order = get_model("order", "Order")


def phone_page(browser, *, script: bool = True):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", java_script_enabled=script
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def guest_to_address(page, base: str) -> None:
    basket_add(page, base, upc="YX-DC-004")
    page.goto(base + "/shop/checkout/")
    page.fill("#id_username", "phone@example.com")
    page.check("#id_options_0")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_selector("#id_last_name")


def test_a_buyer_on_a_phone_chooses_province_city_and_district(demo_site, browser):
    context, page = phone_page(browser)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        guest_to_address(page, demo_site.url)
        page.wait_for_selector("[data-address-cascade-ready]", state="attached")
        assert page.locator("#id_city option").all_inner_texts() == ["请选择市"]
        page.select_option("#id_province", "530000")
        cities = page.locator("#id_city option").all_inner_texts()
        assert cities[:3] == ["请选择市", "昆明市", "曲靖市"] and len(cities) == 17  # 16 + prompt
        page.select_option("#id_city", "530100")
        assert "东川区" in page.locator("#id_district option").all_inner_texts()
        page.select_option("#id_district", "530113")
        page.fill("#id_last_name", "欧阳晓明")
        page.fill("#id_phone_number", "0871-65123456")  # a landline: refused
        page.fill("#id_line1", "铜都街道 1 号")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "address-form-390")
        page.locator("#new_shipping_address button[type=submit]").click()
        page.wait_for_selector(".error-block")
        assert page.locator(".error-block").inner_text().strip() == (
            "这是座机号码，请填写快递员能拨打或发短信的手机号。"
        )
        # What was chosen stays chosen.
        assert page.input_value("#id_district") == "530113"

        page.fill("#id_phone_number", "13800138000")
        page.locator("#new_shipping_address button[type=submit]").click()
        page.wait_for_selector(".yx-payment-methods")
        page.click("#view_preview")
        address = page.locator(".yx-address").inner_text()
        assert address.split("\n") == [
            "欧阳晓明 138 0013 8000",
            "云南省 昆明市 东川区 铜都街道 1 号",
        ]
        page.click("#place-order")
        page.wait_for_selector(".yx-payment-due")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert problems == []
    finally:
        context.close()
    saved = Order.objects.get().shipping_address
    assert (saved.last_name, saved.first_name, saved.state, saved.line4, saved.line3) == (
        "欧阳晓明",
        "",
        "云南省",
        "昆明市",
        "东川区",
    )
    assert saved.phone_number.as_e164 == "+8613800138000"


def test_without_script_a_canteen_buyer_still_reaches_the_payment(demo_site, browser):
    """No JavaScript: each choice is sent, and the server lists the next select's options.
    The work unit's buyer checks out through the same form."""
    context, page = phone_page(browser, script=False)
    try:
        log_in(
            page,
            demo_site.url,
            then="/shop/",
            username="canteen@yixiang.example",
            password="yixiang-demo",
        )
        basket_add(page, demo_site.url, upc="YX-DC-004")
        page.goto(demo_site.url + "/shop/checkout/shipping-address/")
        page.fill("#id_last_name", "东川区第一中学食堂")
        page.fill("#id_phone_number", "13800138000")
        page.fill("#id_line1", "铜都街道东川区第一中学")
        page.select_option("#id_province", "530000")
        page.locator("#new_shipping_address button[type=submit]").click()
        page.select_option("#id_city", "530100")  # listed now, by the server
        page.locator("#new_shipping_address button[type=submit]").click()
        page.select_option("#id_district", "530113")
        page.locator("#new_shipping_address button[type=submit]").click()
        page.wait_for_selector(".yx-payment-methods")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
