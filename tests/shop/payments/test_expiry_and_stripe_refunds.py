"""Stock held by unpaid orders is released on time; Stripe refunds are never issued twice."""

import datetime
from decimal import Decimal

import pytest
import stripe
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from shop.payments import services, stripe_api
from shop.payments.models import OrderPayment, Refund
from shop.payments.services import RefundLineRequest, order_refund_request, order_transfer_record
from shop.payments.tasks import payments_expire_reservations, payments_refund_issue
from tests.producers.factories import staff_user

from .conftest import allocated, checkout, deliver, stripe_event
from .test_stripe import stripe_order

pytestmark = pytest.mark.django_db


def test_an_unpaid_transfer_order_is_cancelled_after_seven_days_and_its_stock_released(client):
    order, _placed = checkout(client, lines=[("YX-DC-002", 4)], method="transfer")
    assert allocated("YX-DC-002") == 4
    placed_at = order.payment.created_at

    assert (
        services.payment_reservations_expire(now=placed_at + datetime.timedelta(days=6, hours=23))
        == []
    )
    assert allocated("YX-DC-002") == 4

    with freeze_time(placed_at + datetime.timedelta(days=7, minutes=1)):
        assert payments_expire_reservations.apply().get() == [order.number]
    order.refresh_from_db()
    assert order.status == "Cancelled"
    assert order.payment.state == "cancelled"
    assert allocated("YX-DC-002") == 0
    assert order.notes.get().message.startswith("7 天内未收到转账")
    # Running again finds nothing more to do.
    assert services.payment_reservations_expire(now=placed_at + datetime.timedelta(days=8)) == []


def test_a_partly_paid_transfer_order_keeps_its_stock(client):
    order, _placed = checkout(client, lines=[("YX-DC-002", 1)], method="transfer")
    order_transfer_record(
        order=order,
        amount="1.00",
        received_on=timezone.localdate(),
        bank_reference="PART",
        by=staff_user(),
    )
    later = order.payment.created_at + datetime.timedelta(days=30)
    assert services.payment_reservations_expire(now=later) == []
    assert allocated("YX-DC-002") == 1


def test_an_unpaid_stripe_order_is_cancelled_after_thirty_minutes_at_stripe_too(
    client, stripe_buyer
):
    order, intent_id = stripe_order(client, stripe_buyer)
    placed_at = order.payment.created_at
    assert (
        services.payment_reservations_expire(now=placed_at + datetime.timedelta(minutes=29)) == []
    )
    assert services.payment_reservations_expire(now=placed_at + datetime.timedelta(minutes=31)) == [
        order.number
    ]
    assert stripe_buyer.intent(intent_id)["status"] == "canceled"
    assert allocated("YX-DC-004") == 0
    order.refresh_from_db()
    assert order.status == "Cancelled"
    assert "30 分钟" in order.notes.get().message


def test_a_stripe_order_paid_before_its_webhook_arrived_is_confirmed_not_cancelled(
    client, stripe_buyer
):
    order, intent_id = stripe_order(client, stripe_buyer)
    stripe_buyer.pays(intent_id)
    later = order.payment.created_at + datetime.timedelta(minutes=31)
    assert services.payment_reservations_expire(now=later) == []
    order.refresh_from_db()
    assert order.status == "Paid"
    assert allocated("YX-DC-004") == 2


def test_the_hold_times_come_from_settings(client, settings):
    settings.PAYMENT_HOLD_TRANSFER_DAYS = 2
    before = timezone.now()
    order, _placed = checkout(client, lines=[("YX-DC-002", 1)], method="transfer")
    after = timezone.now()
    two_days = datetime.timedelta(days=2)
    assert before + two_days <= order.payment.hold_until <= after + two_days


# ---------------------------------------------------------------- Stripe refunds


def paid_stripe_order(client, buyer):
    order, intent_id = stripe_order(client, buyer, lines=[("YX-DC-004", 2), ("YX-DC-001", 1)])
    buyer.pays(intent_id)
    assert (
        deliver(client, stripe_event("payment_intent.succeeded", buyer.intent(intent_id))).content
        == b"paid"
    )
    return order, intent_id


class RecordingClient(stripe.RequestsClient):
    """The SDK's own HTTP client, noting each request's idempotency key on its way to localstripe."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: list[tuple[str, str, str | None]] = []

    def request(self, method, url, headers, post_data=None):
        self.keys.append((method, url.split("?")[0], (headers or {}).get("Idempotency-Key")))
        return super().request(method, url, headers, post_data)


def test_a_partial_then_a_full_refund_through_stripe(
    client, stripe_buyer, monkeypatch, django_capture_on_commit_callbacks
):
    recorder = RecordingClient()
    monkeypatch.setattr(stripe_api, "http_client", recorder)
    order, intent_id = paid_stripe_order(client, stripe_buyer)
    staff = staff_user()
    eagle_tea, potatoes = order.lines.order_by("pk")

    with django_capture_on_commit_callbacks(execute=True):
        first = order_refund_request(
            order=order,
            lines=[RefundLineRequest(line_id=eagle_tea.pk, quantity=1)],
            reason="",
            by=staff,
        )
    first.refresh_from_db()
    assert (first.state, first.amount) == ("succeeded", Decimal("58.00"))
    assert [r["amount"] for r in stripe_buyer.refunds(intent_id)] == [5800]
    creates = [
        key
        for method, url, key in recorder.keys
        if method == "post" and url.endswith("/v1/refunds")
    ]
    assert creates == [f"yixiang-refund-{first.pk}"]

    with django_capture_on_commit_callbacks(execute=True):
        order_refund_request(
            order=order,
            lines=[
                RefundLineRequest(line_id=eagle_tea.pk, quantity=1),
                RefundLineRequest(line_id=potatoes.pk, quantity=1),
            ],
            reason="",
            by=staff,
        )
    payment = OrderPayment.objects.get(order=order)
    assert (payment.amount_received, payment.amount_refunded) == (
        Decimal("145.90"),
        Decimal("145.90"),
    )
    assert sorted(r["amount"] for r in stripe_buyer.refunds(intent_id)) == [5800, 8790]
    assert list(payment.events.values_list("kind", "amount")) == [
        ("confirmed", Decimal("145.90")),
        ("refunded", Decimal("58.00")),
        ("refunded", Decimal("87.90")),
    ]


def test_a_refund_task_that_died_after_stripe_refunded_is_retried_without_a_second_refund(
    client, stripe_buyer, monkeypatch
):
    order, intent_id = paid_stripe_order(client, stripe_buyer)
    line = order.lines.get(upc="YX-DC-004")
    # Not on commit: the test runs the task itself, the way a worker would, twice.
    refund = order_refund_request(
        order=order,
        lines=[RefundLineRequest(line_id=line.pk, quantity=2)],
        reason="",
        by=staff_user(),
    )
    assert refund.state == "requested"

    real_apply = services._stripe_refund_apply

    def worker_killed(*args, **kwargs):
        raise SystemExit("worker lost after Stripe refunded")

    monkeypatch.setattr(services, "_stripe_refund_apply", worker_killed)
    with pytest.raises(SystemExit):
        payments_refund_issue.apply(args=[refund.pk], throw=True)
    assert [r["amount"] for r in stripe_buyer.refunds(intent_id)] == [11600]
    refund.refresh_from_db()
    assert refund.state == "requested"

    monkeypatch.setattr(services, "_stripe_refund_apply", real_apply)
    assert payments_refund_issue.apply(args=[refund.pk]).get() == "succeeded"
    assert payments_refund_issue.apply(args=[refund.pk]).get() == "succeeded"

    assert [r["amount"] for r in stripe_buyer.refunds(intent_id)] == [11600]
    refund.refresh_from_db()
    assert (refund.state, refund.stripe_refund) == (
        "succeeded",
        stripe_buyer.refunds(intent_id)[0]["id"],
    )
    payment = OrderPayment.objects.get(order=order)
    assert payment.amount_refunded == Decimal("116.00")
    assert payment.events.filter(kind="refunded").count() == 1
    # Stripe's own notice of that refund, arriving afterwards, adds nothing.
    charge = {"id": "ch_y", "object": "charge", "payment_intent": intent_id}
    deliver(client, stripe_event("charge.refunded", charge))
    assert Refund.objects.filter(order_payment=payment).count() == 1


def test_the_dashboard_refunds_through_stripe(
    client, stripe_buyer, django_capture_on_commit_callbacks
):
    order, intent_id = paid_stripe_order(client, stripe_buyer)
    staff = staff_user()
    client.force_login(staff)
    potatoes = order.lines.get(upc="YX-DC-001")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("payments-dashboard:refund", kwargs={"number": order.number}),
            {f"quantity_{potatoes.pk}": "1", "reason": "缺货"},
        )
    assert response.status_code == 302
    assert [r["amount"] for r in stripe_buyer.refunds(intent_id)] == [2990]
    assert Refund.objects.get(order_payment__order=order).state == "succeeded"
