"""Paying by Stripe: the order is paid only by the signed webhook, whatever order events come in."""

from decimal import Decimal

import pytest
from django.urls import reverse

from shop.payments.models import OrderPayment, PaymentEvent, Refund, StripeEvent

from .conftest import allocated, checkout, deliver, signature_header, stripe_event

pytestmark = pytest.mark.django_db


def stripe_order(client, buyer, *, lines=(("YX-DC-004", 2),)):
    """Check out by Stripe and open the payment page, which makes the PaymentIntent."""
    order, placed = checkout(client, lines=list(lines), method="stripe")
    assert placed["Location"] == reverse("payments:stripe-pay", kwargs={"number": order.number})
    page = client.get(placed["Location"])
    assert page.status_code == 200
    order.payment.refresh_from_db()
    intent_id = order.payment.stripe_payment_intent
    assert intent_id.startswith("pi_")
    assert intent_id in page.content.decode()  # the client secret starts with the intent's id
    return order, intent_id


def test_stripe_is_hidden_without_keys(client):
    from tests.shop.checkout_flow import checkout_to_preview

    preview = checkout_to_preview(client, upc="YX-DC-001", quantity=1)
    assert "stripe" not in preview.context["payment_offer"].method
    assert [offer.method for offer in preview.context["payment_offers"]] == ["transfer"]


def test_the_return_page_is_not_proof_of_payment(client, stripe_buyer):
    order, intent_id = stripe_order(client, stripe_buyer)
    assert order.status == "Pending payment"
    assert order.payment.amount_due == Decimal("116.00")
    assert stripe_buyer.intent(intent_id)["amount"] == 11600
    assert stripe_buyer.intent(intent_id)["currency"] == "cny"
    assert allocated("YX-DC-004") == 2

    # Coming back from Stripe without a webhook changes nothing.
    thank_you = client.get(
        reverse("payments:stripe-return", kwargs={"number": order.number}), follow=True
    )
    assert thank_you.status_code == 200
    assert "等待支付机构确认" in thank_you.content.decode()
    order.refresh_from_db()
    assert order.status == "Pending payment"
    assert not PaymentEvent.objects.filter(order_payment__order=order).exists()


def test_the_signed_succeeded_event_pays_the_order_once(client, stripe_buyer):
    order, intent_id = stripe_order(client, stripe_buyer)
    assert stripe_buyer.pays(intent_id).status_code == 200
    intent = stripe_buyer.intent(intent_id)
    assert intent["status"] == "succeeded"

    payload = stripe_event("payment_intent.succeeded", intent)
    first = deliver(client, payload)
    again = deliver(client, payload)

    assert (first.status_code, first.content) == (200, b"paid")
    assert (again.status_code, again.content) == (200, b"duplicate")
    order.refresh_from_db()
    assert order.status == "Paid"
    payment = OrderPayment.objects.get(order=order)
    assert (payment.state, payment.amount_received) == ("paid", Decimal("116.00"))
    assert list(payment.events.values_list("kind", "amount")) == [("confirmed", Decimal("116.00"))]
    assert StripeEvent.objects.filter(type="payment_intent.succeeded").count() == 1
    # Stock stays allocated to the paid order until it ships.
    assert allocated("YX-DC-004") == 2


def test_a_failed_payment_releases_the_stock(client, stripe_buyer):
    order, intent_id = stripe_order(client, stripe_buyer)
    declined = stripe_buyer.pays(intent_id, card="4000000000000341")
    assert declined.status_code == 402
    response = deliver(
        client, stripe_event("payment_intent.payment_failed", stripe_buyer.intent(intent_id))
    )
    assert response.content == b"released"
    order.refresh_from_db()
    assert order.status == "Cancelled"
    assert order.payment.state == "cancelled"
    assert allocated("YX-DC-004") == 0
    assert "库存已释放" in order.notes.get().message


def test_a_cancelled_intent_releases_the_stock(client, stripe_buyer):
    order, intent_id = stripe_order(client, stripe_buyer, lines=[("YX-DC-001", 3)])
    stripe_buyer.session.post(
        f"{stripe_buyer.base}/v1/payment_intents/{intent_id}/cancel"
    ).raise_for_status()
    response = deliver(
        client, stripe_event("payment_intent.canceled", stripe_buyer.intent(intent_id))
    )
    assert response.content == b"released"
    assert allocated("YX-DC-001") == 0
    order.refresh_from_db()
    assert order.status == "Cancelled"


def test_a_failure_after_success_changes_nothing(client, stripe_buyer):
    order, intent_id = stripe_order(client, stripe_buyer)
    stripe_buyer.pays(intent_id)
    intent = stripe_buyer.intent(intent_id)
    deliver(client, stripe_event("payment_intent.succeeded", intent))
    late_failure = deliver(client, stripe_event("payment_intent.payment_failed", intent))
    assert late_failure.content == b"ignored"
    order.refresh_from_db()
    assert order.status == "Paid"
    assert allocated("YX-DC-004") == 2


def test_a_refund_arriving_before_the_success_ends_as_stripe_has_it(client, stripe_buyer):
    order, intent_id = stripe_order(client, stripe_buyer)
    stripe_buyer.pays(intent_id)
    # Refunded in Stripe's dashboard (not through us): 30.00 of the 116.00.
    stripe_refund = stripe_buyer.refund(intent_id, amount_fen=3000)

    charge = {
        "id": "ch_x",
        "object": "charge",
        "payment_intent": intent_id,
        "amount_refunded": 3000,
    }
    assert deliver(client, stripe_event("charge.refunded", charge)).content == b"paid"
    assert (
        deliver(
            client, stripe_event("payment_intent.succeeded", stripe_buyer.intent(intent_id))
        ).content
        == b"already paid"
    )

    payment = OrderPayment.objects.get(order=order)
    assert (payment.state, payment.amount_received, payment.amount_refunded) == (
        "paid",
        Decimal("116.00"),
        Decimal("30.00"),
    )
    refund = payment.refunds.get()
    assert (refund.stripe_refund, refund.state, refund.amount) == (
        stripe_refund["id"],
        "succeeded",
        Decimal("30.00"),
    )
    # A refund made outside the platform is put against the lines in proportion.
    assert sum(part.amount for part in refund.lines.all()) == Decimal("30.00")
    assert list(payment.events.values_list("kind", "amount")) == [
        ("confirmed", Decimal("116.00")),
        ("refunded", Decimal("30.00")),
    ]
    # Told again (a second charge.refunded), nothing more is recorded.
    deliver(client, stripe_event("charge.refunded", charge))
    assert Refund.objects.filter(order_payment=payment).count() == 1


def test_payment_after_the_hold_ran_out_reopens_the_order_if_stock_remains(client, stripe_buyer):
    order, intent_id = stripe_order(client, stripe_buyer)
    from django.db import transaction

    from shop.payments.services import order_payment_locked, order_release

    with transaction.atomic():
        order_release(order_payment_locked(order.payment.pk), note="test: hold ran out")
    assert allocated("YX-DC-004") == 0
    stripe_buyer.pays(intent_id)
    response = deliver(
        client, stripe_event("payment_intent.succeeded", stripe_buyer.intent(intent_id))
    )
    assert response.content == b"paid"
    order.refresh_from_db()
    assert order.status == "Paid"
    assert allocated("YX-DC-004") == 2


@pytest.mark.parametrize(
    "tamper",
    ["wrong secret", "tampered body", "too old", "no header", "garbage header"],
)
def test_a_bad_signature_gets_400_and_writes_nothing(client, stripe_on, tamper):
    payload = stripe_event("payment_intent.succeeded", {"id": "pi_nothing", "amount": 100})
    header = signature_header(payload)
    if tamper == "wrong secret":
        header = signature_header(payload, secret="whsec_someone_else")
    elif tamper == "tampered body":
        payload = payload.replace(b'"amount": 100', b'"amount": 999')
    elif tamper == "too old":
        import time

        header = signature_header(payload, timestamp=int(time.time()) - 301)
    elif tamper == "no header":
        header = ""
    elif tamper == "garbage header":
        header = "t=abc,v1=zzz"
    response = deliver(client, payload, header=header)
    assert response.status_code == 400
    assert StripeEvent.objects.count() == 0


def test_an_event_for_no_order_of_ours_is_stored_and_logged(client, stripe_on, caplog):
    payload = stripe_event(
        "payment_intent.succeeded", {"id": "pi_unknown", "amount": 100, "metadata": {}}
    )
    response = deliver(client, payload)
    assert (response.status_code, response.content) == (200, b"unknown payment intent")
    assert StripeEvent.objects.get().outcome == "unknown payment intent"
    assert "pi_unknown" in caplog.text


def test_a_failure_while_processing_answers_500_and_keeps_nothing_so_stripe_retries(
    client, stripe_buyer, monkeypatch
):
    order, intent_id = stripe_order(client, stripe_buyer)
    stripe_buyer.pays(intent_id)
    payload = stripe_event("payment_intent.succeeded", stripe_buyer.intent(intent_id))

    from shop.payments import services

    def broken(*args, **kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(services, "_stripe_succeeded", broken)
    assert deliver(client, payload).status_code == 500
    assert StripeEvent.objects.count() == 0
    order.refresh_from_db()
    assert order.status == "Pending payment"

    monkeypatch.undo()
    assert deliver(client, payload).content == b"paid"
    order.refresh_from_db()
    assert order.status == "Paid"
