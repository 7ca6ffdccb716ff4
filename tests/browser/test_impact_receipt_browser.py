"""A guest buys eagle tea by bank transfer and sees what it does for registered households."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from impact.models import AttributionEntry, Household
from shop.payments.services import order_transfer_record

from .conftest import screenshot

pytestmark = pytest.mark.browser

Order = get_model("order", "Order")
Product = get_model("catalogue", "Product")


def test_a_guest_sees_the_impact_receipt_before_and_after_paying(demo_site, page):
    product = Product.objects.get(upc="YX-DC-004")
    page.goto(demo_site.url + product.get_absolute_url())
    page.locator("#add_to_basket_form button[type=submit]").click()
    page.wait_for_selector(".alert-success")
    page.goto(demo_site.url + "/shop/checkout/")
    page.fill("#id_username", "guest@example.com")
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

    # Not paid yet: what the ¥58.00 will reach once paid (20% + 8% + 5% of it, three households).
    page.wait_for_selector(".yx-payment-due")
    receipt = page.locator("#impact-receipt")
    assert receipt.locator("h3").inner_text() == "您的订单带来的帮扶"
    assert (
        receipt.locator(".yx-impact-sentence").inner_text()
        == "付款后，本订单 ¥58.00 中将有 ¥19.14 计入 1 个县区 3 户登记农户的收入。"
    )
    screenshot(page, "impact-receipt-unpaid")
    text = receipt.inner_text()
    for household in Household.objects.filter(benefit_links__product=product):
        assert household.code not in text and household.head_name not in text

    # Staff see the transfer arrive; the attribution is written on commit.
    order = Order.objects.get(guest_email="guest@example.com")
    order_transfer_record(
        order=order,
        amount=order.total_incl_tax,
        received_on=timezone.localdate(),
        bank_reference="ICBC-RECEIPT-1",
        by=get_user_model().objects.get(username="admin"),
    )
    assert AttributionEntry.objects.filter(line__order=order).count() == 3

    # The order status page a guest reaches from the confirmation e-mail (it asks for the e-mail first).
    page.goto(
        demo_site.url
        + reverse(
            "customer:anon-order",
            kwargs={"order_number": order.number, "hash": order.verification_hash()},
        )
    )
    page.fill("#id_email", "guest@example.com")
    page.locator("#id_email").press("Enter")
    page.wait_for_selector("#impact-receipt.yx-impact-recorded")
    assert (
        page.locator("#impact-receipt .yx-impact-sentence").inner_text()
        == "本订单 ¥58.00 中，¥19.14 已计入 1 个县区 3 户登记农户的收入。"
    )
    screenshot(page, "impact-receipt-paid")
