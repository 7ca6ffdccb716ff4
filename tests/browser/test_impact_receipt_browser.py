"""A guest buys eagle tea by bank transfer and sees what it does for registered households."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from oscar.core.loading import get_model

from impact.models import AttributionEntry, Household
from tests.shop.payments.paying import pay_in_full

from .conftest import basket_add, guest_to_payment, order_place, screenshot

pytestmark = pytest.mark.browser

Order = get_model("order", "Order")
Product = get_model("catalogue", "Product")


def test_a_guest_sees_the_impact_receipt_before_and_after_paying(demo_site, page):
    product = Product.objects.get(upc="YX-DC-004")
    basket_add(page, demo_site.url, upc=product.upc)
    guest_to_payment(page, demo_site.url, email="guest@example.com")
    order_place(page)

    # Not paid yet: what the ¥58.00 will reach once paid (20% + 8% + 5% of it, three households).
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
    pay_in_full(
        order, by=get_user_model().objects.get(username="admin"), reference="ICBC-RECEIPT-1"
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
        == "本订单 ¥58.00 中，¥19.14 将带动 1 个县区 3 户登记农户增收（应兑付）。"
        "其中已兑付 ¥0.00，待兑付 ¥19.14。"
    )
    screenshot(page, "impact-receipt-paid")
