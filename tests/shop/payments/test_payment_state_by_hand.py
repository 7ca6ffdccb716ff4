"""Payment state moves only through the payments services; a pay-first order ships once paid.

Tried as a producer's user, county staff and a superuser, each posting to the
dashboard directly (not only what the page offers): the order page's line and
order status actions, the order list's bulk status change, Oscar's payment and
shipping events, and the producer's ship form.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from oscar.core.loading import get_model

from producers.models import Shipment
from shop.payments.models import OrderPayment
from shop.payments.services import RefundLineRequest, order_payment_open, order_refund_request
from tests.impact.factories import county_staff
from tests.producers.factories import order as make_order
from tests.producers.factories import producer_user, staff_user

from .paying import awaiting_transfer, pay_in_full

pytestmark = pytest.mark.django_db

PaymentEventType = get_model("order", "PaymentEventType")
ShippingEventType = get_model("order", "ShippingEventType")
StockRecord = get_model("partner", "StockRecord")

HONGTUDI = "dongchuan-hongtudi"
POTATO = "YX-DC-001"  # 东川红土地大洋芋 5kg, 29.90, of HONGTUDI

PAID_BY_HAND = "“Paid”是付款状态：只在付款确认或登记时设置，不能手动设置。"
NOT_PAID = "此订单尚未付款：请在付款后发货。"


def dashboard_user(role: str) -> Any:
    if role == "producer":
        return producer_user(partner_code=HONGTUDI)
    if role == "county":
        # County staff granted Oscar's order permissions: the most a staff account gets short
        # of a superuser (monitoring staff do not have them; the roles matrix decides who does).
        return county_staff("paystate-county", "530113", permissions=["view_order", "change_order"])
    return staff_user()  # a superuser


ROLES = ("producer", "county", "superuser")


def order_url(number: str) -> str:
    return reverse("dashboard:order-detail", kwargs={"number": number})


def line_post(line: Any, action: str, **fields: str) -> dict[str, Any]:
    return {
        "line_action": action,
        "selected_line": [str(line.pk)],
        f"selected_line_qty_{line.pk}": str(line.quantity),
        **fields,
    }


@pytest.mark.parametrize("role", ROLES)
def test_no_role_sets_an_unpaid_line_or_order_paid_by_any_dashboard_path(client, role):
    unpaid = awaiting_transfer([(POTATO, 2)])
    line = unpaid.lines.get()
    paid_type = PaymentEventType.objects.create(name="Paid", code="paid")
    client.force_login(dashboard_user(role))
    url = order_url(unpaid.number)

    posts = [
        (url, line_post(line, "change_line_statuses", new_status="Paid")),
        (url, {"order_action": "change_order_status", "new_status": "Paid"}),
        (
            reverse("dashboard:order-list"),
            {
                "action": "change_order_statuses",
                "selected_order": [str(unpaid.pk)],
                "new_status": "Paid",
            },
        ),
        (
            url,
            {
                "order_action": "create_order_payment_event",
                "amount": "59.80",
                "payment_event_type": "paid",
            },
        ),
        (url, line_post(line, "create_payment_event", payment_event_type="paid", amount="")),
    ]
    for target, data in posts:
        # Refused with a message (302 back to the page) or not theirs at all (403).
        assert client.post(target, data).status_code in (302, 403), data

    unpaid.refresh_from_db()
    line.refresh_from_db()
    assert (unpaid.status, line.status) == ("Pending payment", "Pending payment")
    payment = OrderPayment.objects.get(order=unpaid)
    assert (payment.state, payment.confirmed_at, payment.amount_received) == (
        "pending",
        None,
        Decimal("0.00"),
    )
    assert not unpaid.payment_events.filter(event_type=paid_type).exists()
    assert not unpaid.status_changes.exists()


@pytest.mark.parametrize("role", ROLES)
def test_shipping_a_pay_first_order_waits_for_its_payment(client, role):
    unpaid = awaiting_transfer([(POTATO, 1)])
    line = unpaid.lines.get()
    ShippingEventType.objects.create(name="Shipped", code="shipped")
    client.force_login(dashboard_user(role))
    url = order_url(unpaid.number)
    ship = {"order_action": "ship", "carrier": "顺丰速运", "tracking_number": "SF7000000001"}
    shipping_event = line_post(
        line, "create_shipping_event", shipping_event_type="shipped", reference="SF7000000001"
    )

    # Someone had set the status to "Paid" by hand before this fix: the money decides, not the status.
    type(unpaid).objects.filter(pk=unpaid.pk).update(status="Paid")
    page = client.get(url)
    if page.status_code == 200:
        content = page.content.decode()
        assert 'id="shipment_form"' not in content
        assert 'id="shipping_event_check"' not in content
    assert client.post(url, ship).status_code in (302, 403)
    assert client.post(url, shipping_event).status_code in (302, 403)
    assert not Shipment.objects.filter(order=unpaid).exists()
    assert not unpaid.shipping_events.exists()

    pay_in_full(unpaid, by=None)
    if role == "county":
        # Monitoring staff are refused the Oscar dashboard altogether (common.roles), even
        # holding Oscar's order permissions: paid or not, they ship nothing.
        assert client.post(url, shipping_event).status_code == 403
        assert not unpaid.shipping_events.exists()
        return
    assert client.post(url, ship if role == "producer" else shipping_event).status_code == 302
    if role == "producer":
        assert list(
            Shipment.objects.filter(order=unpaid).values_list("tracking_number", flat=True)
        ) == ["SF7000000001"]
    else:
        assert unpaid.shipping_events.get().event_type.code == "shipped"


def test_the_producer_page_says_why_it_cannot_ship_yet(client):
    unpaid = awaiting_transfer([(POTATO, 1)])
    client.force_login(dashboard_user("producer"))
    content = client.get(order_url(unpaid.number)).content.decode()
    assert NOT_PAID in content
    assert 'id="shipment_form"' not in content
    pay_in_full(unpaid, by=None)
    content = client.get(order_url(unpaid.number)).content.decode()
    assert NOT_PAID not in content
    assert 'id="shipment_form"' in content


def test_a_unit_order_that_pays_after_delivery_ships_before_payment(client):
    later = make_order(lines=[(POTATO, 1)], status="Pay after delivery")
    order_payment_open(order=later, method="pay_later", terms_days=30)
    client.force_login(dashboard_user("producer"))
    assert 'id="shipment_form"' in client.get(order_url(later.number)).content.decode()
    ship = {"order_action": "ship", "carrier": "中国邮政", "tracking_number": "EMS7000000002"}
    assert client.post(order_url(later.number), ship).status_code == 302
    assert Shipment.objects.get(order=later).tracking_number == "EMS7000000002"


def test_the_services_refuse_a_payment_status_set_by_hand_with_a_chinese_message():
    from shop.payments.services import order_lines_status_change, order_status_change

    unpaid = awaiting_transfer([(POTATO, 2)])
    line = unpaid.lines.get()
    with pytest.raises(ValidationError) as refused:
        order_status_change(order=unpaid, new_status="Paid", by=staff_user())
    assert refused.value.messages == [PAID_BY_HAND]
    with pytest.raises(ValidationError) as refused:
        order_lines_status_change(order=unpaid, lines=[line], new_status="Paid", by=None)
    assert refused.value.messages == [f"第 {line.pk} 行：{PAID_BY_HAND}"]
    unpaid.refresh_from_db()
    line.refresh_from_db()
    assert (unpaid.status, line.status) == ("Pending payment", "Pending payment")


def test_payment_sets_the_order_and_its_lines_paid_and_no_one_undoes_it_by_hand(client):
    staff = staff_user()
    paid = awaiting_transfer([(POTATO, 2)])
    pay_in_full(paid, by=staff)
    paid.refresh_from_db()
    line = paid.lines.get()
    assert (paid.status, line.status) == ("Paid", "Paid")

    client.force_login(staff)
    url = order_url(paid.number)
    client.post(url, line_post(line, "change_line_statuses", new_status="Pending payment"))
    client.post(url, line_post(line, "change_line_statuses", new_status="Cancelled"))
    client.post(url, {"order_action": "change_order_status", "new_status": "Cancelled"})
    client.post(url, {"order_action": "change_order_status", "new_status": "Pending payment"})
    paid.refresh_from_db()
    line.refresh_from_db()
    assert (paid.status, line.status) == ("Paid", "Paid")
    from shop.payments.services import order_status_change

    with pytest.raises(ValidationError) as refused:
        order_status_change(order=paid, new_status="Cancelled", by=staff)
    assert refused.value.messages == ["已付款的订单须先全额退款，才能取消。"]

    # Once the money has gone back through a refund, the order may be cancelled.
    order_refund_request(
        order=paid, lines=[RefundLineRequest(line_id=line.pk, quantity=2)], reason="退货", by=staff
    )
    response = client.post(url, {"order_action": "change_order_status", "new_status": "Cancelled"})
    assert response.status_code == 302
    client.post(url, line_post(line, "change_line_statuses", new_status="Cancelled"))
    paid.refresh_from_db()
    line.refresh_from_db()
    assert (paid.status, line.status) == ("Cancelled", "Cancelled")


def test_paid_and_shipped_move_forward_by_hand(client):
    staff = staff_user()
    paid = awaiting_transfer([(POTATO, 1)])
    pay_in_full(paid, by=staff)
    client.force_login(staff)
    url = order_url(paid.number)
    page = client.get(url)
    assert [
        value for value, _label in page.context["order_status_form"].fields["new_status"].choices
    ] == ["Shipped"]
    assert page.context["line_statuses"] == ["Shipped", "Complete", "Cancelled"]
    assert (
        client.post(
            url, {"order_action": "change_order_status", "new_status": "Shipped"}
        ).status_code
        == 302
    )
    paid.refresh_from_db()
    assert paid.status == "Shipped"


def test_staff_cancelling_an_unpaid_order_goes_through_the_payments_service(client):
    unpaid = awaiting_transfer([(POTATO, 3)])
    allocated = StockRecord.objects.get(product__upc=POTATO).num_allocated
    client.force_login(staff_user())
    response = client.post(
        reverse("dashboard:order-list"),
        {
            "action": "change_order_statuses",
            "selected_order": [str(unpaid.pk)],
            "new_status": "Cancelled",
        },
    )
    assert response.status_code == 302
    unpaid.refresh_from_db()
    payment = OrderPayment.objects.get(order=unpaid)
    assert (unpaid.status, payment.state) == ("Cancelled", "cancelled")
    assert StockRecord.objects.get(product__upc=POTATO).num_allocated == allocated - 3
    assert unpaid.lines.get().status == "Cancelled"


def test_djangos_admin_shows_but_never_edits_an_order_or_line_status(client):
    unpaid = awaiting_transfer([(POTATO, 1)])
    line = unpaid.lines.get()
    client.force_login(staff_user())
    order_page = client.get(reverse("admin:order_order_change", args=[unpaid.pk]))
    line_page = client.get(reverse("admin:order_line_change", args=[line.pk]))
    assert (order_page.status_code, line_page.status_code) == (200, 200)
    assert "status" not in order_page.context["adminform"].form.fields
    assert "status" not in order_page.context["inline_admin_formsets"][0].formset.forms[0].fields
    assert "status" not in line_page.context["adminform"].form.fields
