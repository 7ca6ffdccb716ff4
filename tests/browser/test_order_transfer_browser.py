"""A guest pays by bank transfer: the reference copies with one tap, the hold counts down."""

import re

import pytest
from django.urls import reverse
from oscar.core.loading import get_model
from playwright.sync_api import expect

from .conftest import basket_add, guest_to_payment, order_place, screenshot

pytestmark = pytest.mark.browser

Order = get_model("order", "Order")


def test_the_transfer_card_copies_the_reference_and_counts_down(demo_site, page):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=demo_site.url)

    basket_add(page, demo_site.url, upc="YX-DC-001")
    guest_to_payment(page, demo_site.url, email="guest@example.com")
    order_place(page)
    order = Order.objects.get(guest_email="guest@example.com")

    card = page.locator("#bank-transfer")
    assert card.locator(".yx-transfer-amount").inner_text() == "¥29.90"
    # Held for seven days from now: the countdown starts just under that. The page's script
    # writes it once the page is parsed; Playwright's expect waits for it (up to 5 s).
    countdown = card.locator(".yx-countdown")
    expect(countdown).to_have_text(re.compile(r"^剩余 6 天 23 小时 5\d 分钟$"))
    card.locator("button.yx-copy").click()
    # A function, not an expression: Playwright evals expressions, which the page's CSP refuses.
    page.wait_for_function(
        "() => document.querySelector('#bank-transfer button.yx-copy').textContent === '已复制'"
    )
    assert page.evaluate("navigator.clipboard.readText()") == order.number
    screenshot(page, "order-transfer-thank-you")

    # The guest's status page (from the e-mail's link) shows the same card and the timeline.
    page.goto(
        demo_site.url
        + reverse(
            "customer:anon-order",
            kwargs={"order_number": order.number, "hash": order.verification_hash()},
        )
    )
    page.fill("#id_email", "guest@example.com")
    page.locator("#id_email").press("Enter")
    page.wait_for_selector("#order-timeline")
    assert page.locator("#order-timeline .yx-reached .yx-step-label").all_inner_texts() == [
        "已下单"
    ]
    assert page.locator("#bank-transfer .yx-payment-reference").inner_text() == order.number
    expect(page.locator("#bank-transfer .yx-countdown")).to_have_text(re.compile(r"^剩余 6 天"))
    screenshot(page, "order-transfer-guest-page")
    assert errors == []
