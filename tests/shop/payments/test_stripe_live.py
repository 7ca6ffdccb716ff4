"""Stripe end to end on loopback: localstripe signs and sends the webhooks to a live server.

Also the webhook under duplicate delivery: 20 copies of one event at once, each
on its own connection, change the order's state once. Committed data, so these
tests clear the database afterwards; the demo is put back from the session's snapshot
first (the root conftest.py's ``committed_demo``).

The live server and the localstripe sending to it are this test's own
(``localstripe_webhook``): both are stopped, and the live server's requests finished,
before the database is cleared.
"""

import json
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from shop.payments.models import OrderPayment, PaymentEvent, StripeEvent
from tests.producers.factories import staff_user

from .conftest import allocated, checkout, deliver, stripe_event


def test_stripe_checkout_end_to_end_with_localstripe_webhooks(
    committed_demo, live_server, localstripe_webhook, django_capture_on_commit_callbacks
):
    stripe_buyer = localstripe_webhook
    client = Client()
    order, placed = checkout(client, lines=[("YX-DC-004", 2)], method="stripe")
    assert client.get(placed["Location"]).status_code == 200
    payment = OrderPayment.objects.get(order=order)
    assert stripe_buyer.pays(payment.stripe_payment_intent).status_code == 200

    # localstripe sends its webhooks a second later: each time the live server has answered
    # one, look for the stored outcome (written in the webhook's transaction, committed
    # before the answer).
    live_server.wait_until(
        lambda: StripeEvent.objects.filter(type="payment_intent.succeeded", outcome="paid").exists()
    )
    order.refresh_from_db()
    assert order.status == "Paid"
    assert OrderPayment.objects.get(pk=payment.pk).state == "paid"
    assert list(
        PaymentEvent.objects.filter(order_payment=payment).values_list("kind", "amount")
    ) == [("confirmed", Decimal("116.00"))]

    # The buyer's thank-you page now says paid.
    page = client.get(
        reverse("payments:stripe-return", kwargs={"number": order.number}), follow=True
    )
    assert "yx-payment-paid" in page.content.decode()

    # A partial refund from the dashboard goes to localstripe once.
    staff_client = Client()
    staff_client.force_login(staff_user())
    line = order.lines.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("payments-dashboard:refund", kwargs={"number": order.number}),
            {f"quantity_{line.pk}": "1", "reason": "破损"},
        )
    assert response.status_code == 302
    assert [r["amount"] for r in stripe_buyer.refunds(payment.stripe_payment_intent)] == [5800]
    payment.refresh_from_db()
    assert payment.amount_refunded == Decimal("58.00")


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent deliveries need PostgreSQL's row locks"
)
def test_twenty_concurrent_deliveries_of_one_event_change_the_state_once(
    committed_demo, stripe_buyer
):
    client = Client()
    order, placed = checkout(client, lines=[("YX-DC-004", 1)], method="stripe")
    client.get(placed["Location"])
    payment = OrderPayment.objects.get(order=order)
    stripe_buyer.pays(payment.stripe_payment_intent)
    payload = stripe_event(
        "payment_intent.succeeded", stripe_buyer.intent(payment.stripe_payment_intent)
    )

    barrier = threading.Barrier(20)
    answers: list[tuple[int, bytes]] = []
    lock = threading.Lock()

    def deliver_once() -> None:
        try:
            own = Client()
            barrier.wait(timeout=30)
            response = deliver(own, payload)
            with lock:
                answers.append((response.status_code, response.content))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver_once) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    assert sorted(answers) == sorted([(200, b"paid")] + [(200, b"duplicate")] * 19)
    assert StripeEvent.objects.filter(stripe_id=json.loads(payload)["id"]).count() == 1
    assert StripeEvent.objects.count() == 1
    assert PaymentEvent.objects.filter(order_payment=payment).count() == 1
    order.refresh_from_db()
    assert order.status == "Paid"
    assert order.notes.count() == 1
    assert allocated("YX-DC-004") == 1
