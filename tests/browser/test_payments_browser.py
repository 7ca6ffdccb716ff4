"""Paying in a real browser: choosing Stripe, the payment page, paid by the webhook; staff record a transfer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from oscar.core.loading import get_model

from shop.payments.models import OrderPayment

from .conftest import basket_add, guest_to_payment, log_in, order_place, screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Page

Order = get_model("order", "Order")


def test_a_guest_pays_by_stripe_and_the_webhook_marks_it_paid(
    demo_site, page, localstripe_webhook, settings
):
    # localstripe_webhook: a localstripe of this test's own, sending to demo_site's server.
    stripe_buyer = localstripe_webhook
    # Stripe.js itself is Stripe's and cannot load here: the page must say so rather than pretend.
    settings.STRIPE_JS_URL = demo_site.url + "/static/js/no-such-stripe.js"

    basket_add(page, demo_site.url, upc="YX-DC-004")
    guest_to_payment(page, demo_site.url, email="guest@example.com")
    labels = page.locator(".yx-payment-method").all_inner_texts()
    assert ["银行卡、支付宝或微信支付" in labels[0], "对公转账" in labels[1]] == [True, True]
    screenshot(page, "payment-choice")
    page.check("#method-stripe")
    page.click("#view_preview")
    assert "银行卡、支付宝或微信支付" in page.locator(".yx-preview-payment").inner_text()
    page.click("#place-order")

    page.wait_for_selector("#yx-stripe-form")
    order = Order.objects.get()
    assert "¥58.00" in page.locator("#yx-pay").inner_text()
    page.wait_for_selector("#yx-payment-message:not(.d-none)")
    assert "无法加载付款表单" in page.locator("#yx-payment-message").inner_text()
    screenshot(page, "stripe-pay-page")

    # What Stripe.js would do with the buyer's card; localstripe then sends the signed webhook.
    payment = OrderPayment.objects.get(order=order)
    assert stripe_buyer.pays(payment.stripe_payment_intent).status_code == 200
    demo_site.wait_until(lambda: OrderPayment.objects.get(pk=payment.pk).state == "paid")

    page.goto(demo_site.url + reverse("payments:stripe-return", kwargs={"number": order.number}))
    page.wait_for_selector(".yx-payment-paid")
    assert "已付款" in page.locator(".yx-payment-paid").inner_text()
    order.refresh_from_db()
    assert order.status == "Paid"


def transfer_record(page: Page, *, amount: str, reference: str) -> str:
    """Staff enter a transfer on the order's payment page: the message that answers."""
    page.fill("#id_amount", amount)
    page.fill("#id_bank_reference", reference)
    page.locator(".yx-transfer-form button[type=submit]").click()
    page.wait_for_selector(".alert-success")
    return page.locator(".alert-success").inner_text()


def test_staff_record_a_partial_then_the_full_transfer(demo_site, page):
    basket_add(page, demo_site.url, upc="YX-DC-001")
    guest_to_payment(page, demo_site.url, email="guest@example.com")
    order_place(page)
    order = Order.objects.get()

    page.context.clear_cookies()
    log_in(
        page,
        demo_site.url,
        then=reverse("payments-dashboard:list"),
        username="admin@yixiang.example",
        password="yixiang-demo",
    )
    page.wait_for_selector(".yx-awaiting-transfer")
    assert order.number in page.locator(".yx-awaiting-transfer").inner_text()
    page.locator(".yx-awaiting-transfer a").first.click()

    assert "尚欠 ¥9.90" in transfer_record(page, amount="20.00", reference="ICBC-20261128-01")
    assert page.locator(".yx-balance").inner_text() == "¥9.90"

    assert "已付清" in transfer_record(page, amount="9.90", reference="ICBC-20261128-02")
    assert page.locator(".yx-payment-state").inner_text() == "已付款"
    screenshot(page, "dashboard-payment")
    order.refresh_from_db()
    assert order.status == "Paid"
