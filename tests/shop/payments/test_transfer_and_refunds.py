"""Bank transfers recorded by staff, pay after delivery, and refunds of whole or part lines."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from shop.payments.models import OrderPayment, PaymentEvent, Refund
from shop.payments.services import RefundLineRequest, order_refund_request, order_transfer_record
from shop.payments.signals import payment_confirmed, payment_refunded
from tests.producers.factories import PASSWORD, buyer, staff_user

from .conftest import allocated, checkout

pytestmark = pytest.mark.django_db


@pytest.fixture
def fired():
    """Every payment domain event fired during the test, in order."""
    seen: list[tuple[str, str, Decimal]] = []

    def on_confirmed(sender, event, order, **kwargs):
        seen.append(("confirmed", order.number, event.amount))

    def on_refunded(sender, event, order, refund, **kwargs):
        seen.append(("refunded", order.number, refund.amount))

    payment_confirmed.connect(on_confirmed)
    payment_refunded.connect(on_refunded)
    yield seen
    payment_confirmed.disconnect(on_confirmed)
    payment_refunded.disconnect(on_refunded)


def transfer_order(client, lines=(("YX-DC-004", 2), ("YX-DC-001", 1))):
    order, placed = checkout(client, lines=list(lines), method="transfer")
    assert placed["Location"] == reverse("checkout:thank-you")
    return order


def staff_client(client):
    staff = staff_user()
    client.login(username=staff.username, password=PASSWORD)
    return staff


def test_a_transfer_order_waits_with_the_balance_and_reference(client):
    before = timezone.now()
    order = transfer_order(client)
    after = timezone.now()
    assert order.status == "Pending payment"
    payment = order.payment
    assert (payment.method, payment.state, payment.amount_due) == (
        "transfer",
        "pending",
        Decimal("145.90"),
    )
    # Held for seven days from the moment the order was placed.
    week = datetime.timedelta(days=7)
    assert before + week <= payment.hold_until <= after + week
    assert before <= payment.created_at <= after
    page = client.get(reverse("checkout:thank-you")).content.decode()
    assert order.number in page
    assert "¥145.90" in page


def test_a_partial_transfer_leaves_the_balance_due_and_the_rest_pays_the_order_once(client, fired):
    order = transfer_order(client)
    staff = staff_client(client)
    today = timezone.localdate()

    response = client.post(
        reverse("payments-dashboard:transfer", kwargs={"number": order.number}),
        {"amount": "100.00", "received_on": today.isoformat(), "bank_reference": "ICBC-0001"},
    )
    assert response.status_code == 302
    payment = OrderPayment.objects.get(order=order)
    assert (payment.state, payment.amount_received, payment.balance_due) == (
        "pending",
        Decimal("100.00"),
        Decimal("45.90"),
    )
    order.refresh_from_db()
    assert order.status == "Pending payment"
    assert fired == []

    order_transfer_record(
        order=order, amount="45.90", received_on=today, bank_reference="ICBC-0002", by=staff
    )
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.state, payment.amount_received, payment.balance_due) == (
        "paid",
        Decimal("145.90"),
        Decimal("0.00"),
    )
    assert order.status == "Paid"
    assert fired == [("confirmed", order.number, Decimal("145.90"))]
    assert [t.bank_reference for t in payment.transfers.all()] == ["ICBC-0001", "ICBC-0002"]
    # Oscar's own payment source shows what was debited.
    assert order.sources.get().amount_debited == Decimal("145.90")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"amount": "145.91", "bank_reference": "X1"}, "amount", "超过"),
        ({"amount": "0", "bank_reference": "X1"}, "amount", ""),
        ({"amount": "10.001", "bank_reference": "X1"}, "amount", ""),
        ({"amount": "10.00", "bank_reference": "  "}, "bank_reference", ""),
    ],
)
def test_a_bad_transfer_is_refused_with_a_message_and_writes_nothing(client, data, field, message):
    order = transfer_order(client)
    staff_client(client)
    response = client.post(
        reverse("payments-dashboard:transfer", kwargs={"number": order.number}),
        {"received_on": timezone.localdate().isoformat(), **data},
    )
    assert response.status_code == 400
    form = response.context["transfer_form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    payment = OrderPayment.objects.get(order=order)
    assert payment.amount_received == Decimal("0.00")
    assert payment.transfers.count() == 0


def test_the_same_bank_reference_is_not_recorded_twice(client):
    order = transfer_order(client)
    staff = staff_client(client)
    today = timezone.localdate()
    order_transfer_record(
        order=order, amount="10.00", received_on=today, bank_reference="REF-1", by=staff
    )
    with pytest.raises(ValidationError) as refused:
        order_transfer_record(
            order=order, amount="10.00", received_on=today, bank_reference="REF-1", by=staff
        )
    assert "bank_reference" in refused.value.message_dict
    assert OrderPayment.objects.get(order=order).amount_received == Decimal("10.00")


def test_a_transfer_in_the_future_is_refused(client):
    order = transfer_order(client)
    staff = staff_client(client)
    with pytest.raises(ValidationError):
        order_transfer_record(
            order=order,
            amount="10.00",
            received_on=timezone.localdate() + datetime.timedelta(days=1),
            bank_reference="REF-2",
            by=staff,
        )


def test_only_staff_reach_the_payments_dashboard(client):
    order = transfer_order(client)
    someone = buyer("someone@example.com")
    client.login(username=someone.username, password=PASSWORD)
    assert client.get(reverse("payments-dashboard:list")).status_code == 403
    response = client.post(
        reverse("payments-dashboard:transfer", kwargs={"number": order.number}),
        {
            "amount": "145.90",
            "received_on": timezone.localdate().isoformat(),
            "bank_reference": "X",
        },
    )
    assert response.status_code == 403
    assert OrderPayment.objects.get(order=order).amount_received == Decimal("0.00")
    client.logout()
    assert client.get(reverse("payments-dashboard:list")).status_code == 302


def test_the_dashboard_lists_transfers_awaited(client):
    order = transfer_order(client)
    staff_client(client)
    page = client.get(reverse("payments-dashboard:list"))
    assert page.status_code == 200
    assert order.number in page.content.decode()
    detail = client.get(reverse("payments-dashboard:detail", kwargs={"number": order.number}))
    assert detail.status_code == 200


def paid_transfer_order(client):
    order = transfer_order(client)
    staff = staff_client(client)
    order_transfer_record(
        order=order,
        amount="145.90",
        received_on=timezone.localdate(),
        bank_reference="PAID-1",
        by=staff,
    )
    return order, staff


def test_partial_refunds_of_lines_and_quantities_then_the_rest(client, fired):
    order, staff = paid_transfer_order(client)
    eagle_tea, potatoes = order.lines.order_by("pk")
    assert (eagle_tea.upc, eagle_tea.quantity, eagle_tea.line_price_incl_tax) == (
        "YX-DC-004",
        2,
        Decimal("116.00"),
    )

    # One of the two eagle tea packs, through the dashboard form.
    response = client.post(
        reverse("payments-dashboard:refund", kwargs={"number": order.number}),
        {f"quantity_{eagle_tea.pk}": "1", f"quantity_{potatoes.pk}": "0", "reason": "破损"},
    )
    assert response.status_code == 302
    first = Refund.objects.get(order_payment__order=order)
    assert (first.state, first.amount, first.reason) == ("succeeded", Decimal("58.00"), "破损")
    assert [(p.line_id, p.quantity, p.amount) for p in first.lines.all()] == [
        (eagle_tea.pk, 1, Decimal("58.00"))
    ]

    # A part of the potatoes' price, no quantity back.
    order_refund_request(
        order=order,
        lines=[RefundLineRequest(line_id=potatoes.pk, quantity=0, amount=Decimal("9.90"))],
        reason="晚到",
        by=staff,
    )
    # More than is left of the eagle tea line is refused.
    with pytest.raises(ValidationError):
        order_refund_request(
            order=order,
            lines=[RefundLineRequest(line_id=eagle_tea.pk, quantity=2)],
            reason="",
            by=staff,
        )
    # The rest of everything.
    order_refund_request(
        order=order,
        lines=[
            RefundLineRequest(line_id=eagle_tea.pk, quantity=1),
            RefundLineRequest(line_id=potatoes.pk, quantity=1),
        ],
        reason="取消",
        by=staff,
    )
    payment = OrderPayment.objects.get(order=order)
    assert (payment.amount_received, payment.amount_refunded) == (
        Decimal("145.90"),
        Decimal("145.90"),
    )
    assert fired == [
        ("confirmed", order.number, Decimal("145.90")),
        ("refunded", order.number, Decimal("58.00")),
        ("refunded", order.number, Decimal("9.90")),
        ("refunded", order.number, Decimal("78.00")),
    ]
    assert list(
        PaymentEvent.objects.filter(order_payment=payment).values_list("kind", flat=True)
    ) == [
        "confirmed",
        "refunded",
        "refunded",
        "refunded",
    ]
    # Nothing is left to give back.
    with pytest.raises(ValidationError):
        order_refund_request(
            order=order,
            lines=[RefundLineRequest(line_id=potatoes.pk, quantity=0, amount=Decimal("0.01"))],
            reason="",
            by=staff,
        )


def test_more_than_was_paid_is_refused_and_nothing_is_written(client):
    order = transfer_order(client)
    staff = staff_client(client)
    order_transfer_record(
        order=order,
        amount="50.00",
        received_on=timezone.localdate(),
        bank_reference="P-1",
        by=staff,
    )
    eagle_tea = order.lines.get(upc="YX-DC-004")
    response = client.post(
        reverse("payments-dashboard:refund", kwargs={"number": order.number}),
        {f"quantity_{eagle_tea.pk}": "2", "reason": ""},
    )
    assert response.status_code == 400
    assert "最多" in response.content.decode()
    assert not Refund.objects.filter(order_payment__order=order).exists()


def test_an_unpaid_order_has_nothing_to_refund(client):
    order = transfer_order(client)
    staff = staff_client(client)
    line = order.lines.first()
    with pytest.raises(ValidationError):
        order_refund_request(
            order=order, lines=[RefundLineRequest(line_id=line.pk, quantity=1)], reason="", by=staff
        )


# ---------------------------------------------------------------- pay after delivery


def unit_buyer(client):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="canteen")
    client.force_login(user)
    return user


def test_pay_after_delivery_is_offered_only_to_an_approved_units_buyer(client):
    from tests.shop.checkout_flow import checkout_to_preview

    preview = checkout_to_preview(client, upc="YX-DC-001", quantity=1)
    assert [offer.method for offer in preview.context["payment_offers"]] == ["transfer"]
    # Asking for it anyway is refused on the payment page.
    refused = client.post(reverse("checkout:preview"), {"method": "pay_later"})
    assert refused.status_code == 200
    assert 'id="place_order_form"' not in refused.content.decode()
    assert "method" in refused.context["payment_method_form"].errors


def test_a_unit_orders_ships_first_and_pays_within_its_terms(client, fired):
    from producers.models import Producer, Shipment

    user = unit_buyer(client)
    order, _placed = checkout(client, lines=[("YX-DC-001", 10)], method="pay_later", login=True)
    assert order.user == user
    assert order.status == "Pay after delivery"
    payment = order.payment
    assert (
        payment.method,
        payment.state,
        payment.terms_days,
        payment.hold_until,
        payment.due_on,
    ) == (
        "pay_later",
        "pending",
        30,
        None,
        None,
    )
    assert allocated("YX-DC-001") == 10

    producer = Producer.objects.get(partner=order.lines.get().partner)
    Shipment.objects.create(order=order, producer=producer, carrier="顺丰", tracking_number="SF1")
    payment.refresh_from_db()
    assert payment.due_on == timezone.localdate() + datetime.timedelta(days=30)
    assert fired == []

    # Thirty-one days later it is overdue on the staff's list.
    from shop.payments.selectors import payments_overdue

    later = timezone.localdate() + datetime.timedelta(days=31)
    assert list(payments_overdue(today=later)) == [payment]
    assert list(payments_overdue(today=timezone.localdate())) == []

    staff = staff_user()
    order_transfer_record(
        order=order,
        amount=order.total_incl_tax,
        received_on=timezone.localdate(),
        bank_reference="UNIT-1",
        by=staff,
    )
    payment.refresh_from_db()
    assert payment.state == "paid"
    assert fired == [("confirmed", order.number, order.total_incl_tax)]
    assert list(payments_overdue(today=later)) == []


def test_the_buyer_is_emailed_once_when_the_payment_arrives(
    client, django_capture_on_commit_callbacks
):
    from django.core import mail

    order = transfer_order(client)
    mail.outbox.clear()
    staff = staff_user()
    with django_capture_on_commit_callbacks(execute=True):
        order_transfer_record(
            order=order,
            amount="100.00",
            received_on=timezone.localdate(),
            bank_reference="M-1",
            by=staff,
        )
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        order_transfer_record(
            order=order,
            amount="45.90",
            received_on=timezone.localdate(),
            bank_reference="M-2",
            by=staff,
        )
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["buyer@example.com"], f"订单 {order.number} 已收到付款")
    ]
    assert "¥145.90" in mail.outbox[0].body


def test_an_unpaid_transfer_order_cannot_be_shipped(client):
    from producers.models import Producer
    from producers.services import order_ship

    order = transfer_order(client, lines=[("YX-DC-001", 1)])
    producer = Producer.objects.get(partner=order.lines.get().partner)
    with pytest.raises(ValidationError) as refused:
        order_ship(order=order, producer=producer, carrier="顺丰", tracking_number="SF2", by=None)
    assert refused.value.messages == ["此订单尚未付款：请在付款后发货。"]
    assert not order.shipments.exists()
