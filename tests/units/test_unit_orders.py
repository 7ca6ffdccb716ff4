"""Orders placed for a unit: the latest ship date, both ways to pay, the certificate, the inspection."""

import datetime
from decimal import Decimal as D

import pytest
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone
from oscar.core.loading import get_model

from producers.models import Producer
from producers.services import order_ship
from shop.payments.models import OrderPayment
from shop.units.models import Inspection, ProducerRating, UnitOrder
from shop.units.services import unit_order_record, work_unit_invoice_update
from tests.shop.checkout_flow import basket_add, checkout_to_payment, preview_post
from tests.shop.payments.paying import pay_in_full

from . import factories
from .ordering import place, refund

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")
INVOICE = {
    "invoice_title": "东川区测试单位",
    "tax_number": "",
    "invoice_address": "东川区铜都街道 1 号",
    "invoice_phone": "0871-62120001",
    "invoice_bank": "演示银行东川支行",
    "invoice_account": "1234 5678 9012",
}


def unit_with_invoice():
    unit = factories.unit()
    return work_unit_invoice_update(unit=unit, **{**INVOICE, "tax_number": unit.credit_code})


def ship_all(order) -> None:
    for producer in Producer.objects.filter(partner__order_lines__order=order).distinct():
        order_ship(
            order=order,
            producer=producer,
            carrier="顺丰",
            tracking_number=f"SF{producer.pk}",
            by=None,
        )


# ---------------------------------------------------------------------- placing


@pytest.mark.parametrize(("choice", "days"), [("7", 7), ("15", 15), ("30", 30), (None, 30)])
def test_a_members_order_is_the_units_with_the_latest_ship_date_chosen(choice, days):
    unit = factories.unit()
    buyer = factories.member(of=unit)
    client = factories.client_for(buyer)
    preview_lines = [("YX-DC-001", 2)]
    order, placed = place(client, lines=preview_lines, ship_within=choice)
    assert placed.status_code == 302
    unit_order = UnitOrder.objects.get(order=order)
    placed_on = timezone.localdate(order.date_placed)
    assert (unit_order.unit, unit_order.placed_by, unit_order.ship_within_days) == (
        unit,
        buyer,
        days,
    )
    assert unit_order.ship_by == placed_on + datetime.timedelta(days=days)
    assert order.unit_order == unit_order


def test_the_preview_asks_a_unit_buyer_for_the_latest_ship_date_and_nobody_else():
    def preview_for(user: AbstractBaseUser) -> str:
        client = factories.client_for(user)
        basket_add(client, upc="YX-DC-001", quantity=1)
        checkout_to_payment(client, email=None)
        return preview_post(client, method="transfer").content.decode()

    html = preview_for(factories.member(of=factories.unit()))
    assert (
        '<select name="ship_within_days" id="id_ship_within_days" class="form-control" form="place_order_form">'
        in html
    )
    assert '<option value="7">within 7 days</option>' in html
    assert '<option value="30" selected>within 30 days</option>' in html
    assert "ship_within_days" not in preview_for(factories.user())
    assert "ship_within_days" not in preview_for(
        factories.member(of=factories.unit(status="applied"))
    )


def test_a_ship_date_other_than_7_15_or_30_days_places_no_order():
    buyer = factories.member(of=factories.unit())
    client = factories.client_for(buyer)
    before = (Order.objects.count(), UnitOrder.objects.count(), OrderPayment.objects.count())
    order, response = place(client, lines=[("YX-DC-001", 1)], ship_within="10")
    assert order is None
    assert response.status_code == 200
    assert "Choose a latest ship date: within 7, 15 or 30 days." in response.content.decode()
    assert (
        Order.objects.count(),
        UnitOrder.objects.count(),
        OrderPayment.objects.count(),
    ) == before


def test_orders_of_consumers_and_of_units_not_yet_approved_are_not_unit_orders():
    consumer_order, _ = place(factories.client_for(factories.user()), lines=[("YX-DC-001", 1)])
    applied = factories.member(of=factories.unit(status="applied"))
    applied_order, _ = place(factories.client_for(applied), lines=[("YX-DC-001", 1)])
    assert consumer_order is not None and applied_order is not None
    assert not UnitOrder.objects.filter(order__in=[consumer_order, applied_order]).exists()
    assert unit_order_record(order=consumer_order, user=consumer_order.user) is None


def test_a_unit_order_by_bank_transfer_shows_the_units_invoice_details_and_the_platforms_account(
    settings,
):
    unit = unit_with_invoice()
    client = factories.client_for(factories.member(of=unit))
    order, placed = place(client, lines=[("YX-DC-001", 10)], ship_within="15")
    assert order.payment.method == "transfer"
    html = client.get(placed["Location"]).content.decode()
    assert "Awaiting payment by bank transfer" in html
    assert settings.PLATFORM_BANK_ACCOUNT["account_number"] in html
    assert "Invoice to" in html
    for value in (unit.name, "东川区测试单位", unit.credit_code, "演示银行东川支行 1234 5678 9012"):
        assert value in html
    ship_by = (timezone.localdate(order.date_placed) + datetime.timedelta(days=15)).isoformat()
    assert f"Latest ship date: {ship_by} (within 15 days)" in html


def test_a_unit_order_paid_after_delivery():
    unit = factories.unit(terms=45)
    client = factories.client_for(factories.member(of=unit))
    order, placed = place(client, lines=[("YX-DC-002", 3)], method="pay_later", ship_within="7")
    assert placed.status_code == 302
    assert (order.status, order.payment.method, order.payment.terms_days) == (
        "Pay after delivery",
        "pay_later",
        45,
    )
    assert order.unit_order.ship_within_days == 7
    ship_all(order)
    order.payment.refresh_from_db()
    assert order.payment.due_on == timezone.localdate() + datetime.timedelta(days=45)


def test_the_ship_by_date_is_on_the_buyers_order_page_and_the_producers_dashboard(client):
    unit = factories.unit()
    buyer = factories.member(of=unit)
    buyer_client = factories.client_for(buyer)
    order, _ = place(buyer_client, lines=[("YX-DC-001", 1)], method="pay_later", ship_within="7")
    ship_by = order.unit_order.ship_by.isoformat()
    page = buyer_client.get(f"/shop/accounts/orders/{order.number}/").content.decode()
    assert f"Latest ship date: {ship_by} (within 7 days)" in page
    producer_user = Producer.objects.get(partner__order_lines__order=order).partner.users.first()
    producer_client = factories.client_for(producer_user)
    dashboard = producer_client.get(f"/shop/dashboard/orders/{order.number}/").content.decode()
    assert f"Work-unit order ({unit.name}): ship by {ship_by} at the latest." in dashboard


# ---------------------------------------------------------------------- the certificate


def test_the_payment_request_certificate_shows_the_unit_the_lines_and_the_payment():
    staff = factories.reviewer()
    unit = unit_with_invoice()
    buyer = factories.member(of=unit)
    finance = factories.member(of=unit, role="finance")
    order, _ = place(factories.client_for(buyer), lines=[("YX-DC-001", 10), ("YX-DC-004", 2)])

    client = factories.client_for(finance)  # the finance office prints it
    response = client.get(f"/shop/unit/orders/{order.number}/certificate/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "@media print" in html
    assert f'<span id="certificate-number">QK-{order.number}</span>' in html
    for text in (
        unit.name,
        unit.credit_code,
        "东川区测试单位",
        "东川区铜都街道 1 号 0871-62120001",
    ):
        assert text in html
    assert "东川红土地大洋芋 5kg" in html and "东川老鹰茶 250g" in html
    assert "¥29.90" in html and "¥299.00" in html and "¥116.00" in html
    assert '<td class="num" id="cert-total"><strong>¥415.00</strong></td>' in html
    assert '<td id="cert-payment-state">Awaiting payment</td>' in html
    assert '<td id="cert-balance">¥415.00</td>' in html
    assert "payment-request seal" in html

    pay_in_full(order, by=staff)
    refund(order, upc="YX-DC-004", quantity=1, by=staff)
    html = client.get(f"/shop/unit/orders/{order.number}/certificate/").content.decode()
    assert '<td id="cert-payment-state">Paid</td>' in html
    assert '<td id="cert-net-paid">¥357.00</td>' in html
    assert '<td id="cert-balance">¥0.00</td>' in html


def test_the_certificate_is_in_chinese_by_default():
    unit = unit_with_invoice()
    buyer = factories.member(of=unit)
    order, _ = place(factories.client_for(buyer), lines=[("YX-DC-001", 1)])
    client = factories.client_for(buyer)
    del client.cookies["django_language"]
    html = client.get(f"/shop/unit/orders/{order.number}/certificate/").content.decode()
    assert "订单请款证明" in html
    assert '<td id="cert-payment-state">待付款</td>' in html


# ---------------------------------------------------------------------- inspection


def test_the_buyer_confirms_delivery_once_after_shipment_and_rates_each_producer():
    buyer = factories.member(of=factories.unit())
    client = factories.client_for(buyer)
    order, _ = place(client, lines=[("YX-DC-001", 2), ("YX-LQ-001", 1)], method="pay_later")
    hongtudi = Producer.objects.get(partner__stockrecords__product__upc="YX-DC-001")
    saying = Producer.objects.get(partner__stockrecords__product__upc="YX-LQ-001")
    ratings = {
        f"rating_{hongtudi.pk}": "5",
        f"rating_{saying.pk}": "3",
        "comment": "洋芋很好，蜂蜜略少",
    }

    # Before everything has shipped: no form, and a post is refused.
    page = client.get(f"/shop/unit/orders/{order.number}/")
    assert 'id="inspection-form"' not in page.content.decode()
    order_ship(order=order, producer=hongtudi, carrier="顺丰", tracking_number="SF1", by=None)
    refused = client.post(f"/shop/unit/orders/{order.number}/inspect/", ratings, follow=True)
    assert "Confirm delivery once every producer of the order has shipped its lines." in (
        refused.content.decode()
    )
    assert not Inspection.objects.exists()

    order_ship(order=order, producer=saying, carrier="邮政", tracking_number="EMS2", by=None)
    assert (
        'id="inspection-form"' in client.get(f"/shop/unit/orders/{order.number}/").content.decode()
    )
    bad = client.post(
        f"/shop/unit/orders/{order.number}/inspect/", {**ratings, f"rating_{saying.pk}": "6"}
    )
    assert bad.status_code == 400
    assert not Inspection.objects.exists()

    done = client.post(f"/shop/unit/orders/{order.number}/inspect/", ratings)
    assert done.status_code == 302
    inspection = Inspection.objects.get(unit_order__order=order)
    assert (inspection.by, inspection.comment) == (buyer, "洋芋很好，蜂蜜略少")
    assert sorted(inspection.ratings.values_list("producer__name", "rating")) == sorted(
        [(hongtudi.name, 5), (saying.name, 3)]
    )
    html = client.get(f"/shop/unit/orders/{order.number}/").content.decode()
    assert f"Delivery confirmed by {buyer.username}" in html
    assert f"{saying.name}: 3 / 5" in html

    again = client.post(
        f"/shop/unit/orders/{order.number}/inspect/",
        {**ratings, f"rating_{hongtudi.pk}": "1"},
        follow=True,
    )
    assert "This order&#x27;s delivery has already been confirmed." in again.content.decode()
    assert Inspection.objects.count() == 1
    assert ProducerRating.objects.get(producer=hongtudi).rating == 5


def test_finance_may_read_the_order_but_not_confirm_delivery():
    unit = factories.unit()
    order, _ = place(
        factories.client_for(factories.member(of=unit)),
        lines=[("YX-DC-001", 1)],
        method="pay_later",
    )
    ship_all(order)
    finance = factories.client_for(factories.member(of=unit, role="finance"))
    assert finance.get(f"/shop/unit/orders/{order.number}/").status_code == 200
    producer = Producer.objects.get(partner__order_lines__order=order)
    response = finance.post(
        f"/shop/unit/orders/{order.number}/inspect/", {f"rating_{producer.pk}": "4"}
    )
    assert response.status_code == 403
    assert not Inspection.objects.exists()


def test_the_unit_order_list_holds_every_members_orders():
    unit = factories.unit()
    first, _ = place(factories.client_for(factories.member(of=unit)), lines=[("YX-DC-001", 1)])
    second, _ = place(
        factories.client_for(factories.member(of=unit, role="administrator")),
        lines=[("YX-DC-002", 1)],
    )
    response = factories.client_for(factories.member(of=unit, role="finance")).get(
        "/shop/unit/orders/"
    )
    assert [u.order.number for u in response.context["unit_orders"]] == [
        second.number,
        first.number,
    ]
    assert D(str(first.total_incl_tax)) == D("29.90")
