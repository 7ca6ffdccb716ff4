"""A guest buys with the embedded default: bank transfer, order awaiting payment."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.http import HttpResponse
from django.test import Client
from django.test.signals import template_rendered
from oscar.core.loading import get_model

from config.email import email_later
from mailing.models import OutgoingEmail
from mailing.services import outgoing_email_deliver
from tests.shop.checkout_flow import basket_add, checkout_to_payment, order_place

Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db


def guest_checkout(client: Client, *, upc: str, quantity: int) -> HttpResponse:
    """A guest checks out by bank transfer, the embedded default; the thank-you page."""
    basket_add(client, upc=upc, quantity=quantity)
    payment = checkout_to_payment(client)
    assert "银行转账" in payment.content.decode()
    return client.get(order_place(client)["Location"])


def test_guest_checkout_places_an_order_awaiting_bank_transfer(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        thank_you = guest_checkout(client, upc="YX-DC-004", quantity=2)

    order = Order.objects.get()
    assert order.status == "Pending payment"
    assert order.guest_email == "guest@example.com"
    assert order.total_incl_tax == Decimal("116.00")
    assert order.currency == "CNY"
    assert [(line.upc, line.quantity) for line in order.lines.all()] == [("YX-DC-004", 2)]
    assert order.shipping_address.line1 == "红土地镇花沟村 12 号"

    html = thank_you.content.decode()
    assert thank_you.status_code == 200
    assert order.number in html
    assert "待付款" in html
    assert "¥116.00" in html

    # The confirmation went through the Celery task to the delivery backend.
    assert [message.to for message in mail.outbox] == [["guest@example.com"]]
    assert order.number in mail.outbox[0].body


def test_a_mail_server_that_fails_never_fails_the_order(
    client, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_DELIVERY_BACKEND = "tests.shop.failing_email.FailingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        thank_you = guest_checkout(client, upc="YX-DC-001", quantity=1)
    assert thank_you.status_code == 200
    assert Order.objects.get().total_incl_tax == Decimal("29.90")
    assert mail.outbox == []


def test_confirmation_is_only_queued_once_the_order_commits(client):
    # Without running on-commit callbacks (the transaction never commits),
    # no message leaves: the order and its e-mail go together or not at all.
    guest_checkout(client, upc="YX-DC-002", quantity=1)
    assert Order.objects.count() == 1
    assert mail.outbox == []


def test_the_confirmation_is_written_by_the_email_worker_not_in_the_request(client):
    """Placing the order writes an outbox row naming the renderer, and renders no e-mail
    template; the worker's delivery writes the message (Oscar's subject and body, in the
    buyer's language) into the row, sends it, and records Oscar's communication event."""
    CommunicationEvent = get_model("order", "CommunicationEvent")
    basket_add(client, upc="YX-DC-004", quantity=1)
    checkout_to_payment(client)
    rendered: list[str] = []

    def note(sender, template, context, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(note)
    try:
        order_place(client)
    finally:
        template_rendered.disconnect(note)
    assert not [name for name in rendered if "communication/emails" in (name or "")]

    order = Order.objects.get()
    outgoing = OutgoingEmail.objects.get()
    assert (outgoing.recipients, outgoing.subject, outgoing.status) == (
        "guest@example.com",
        "",
        "pending",
    )
    assert outgoing.payload == {
        "render": "order_placed",
        "params": {"order_id": order.pk, "language": "zh-hans"},
    }
    assert mail.outbox == [] and not CommunicationEvent.objects.exists()

    assert outgoing_email_deliver(outgoing_email_id=outgoing.pk) == "sent"
    [message] = mail.outbox
    assert message.to == ["guest@example.com"]
    assert order.number in message.subject and "订单" in message.subject
    assert "红土地镇花沟村 12 号" in message.body and "¥58.00" in message.body
    assert f"/shop/accounts/orders/{order.number}" not in message.body  # a guest's link
    assert order.verification_hash() in message.body
    [(_, html_type)] = message.alternatives
    assert html_type == "text/html"
    outgoing.refresh_from_db()
    assert outgoing.subject == message.subject
    assert outgoing.payload["body"] == message.body
    # Delivered again (a redelivered task): nothing written or sent twice.
    assert outgoing_email_deliver(outgoing_email_id=outgoing.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_a_buyer_in_english_gets_the_confirmation_in_english_with_their_account_link(client):
    Email = get_model("communication", "Email")
    user = get_user_model().objects.create_user("en-buyer", "en-buyer@example.com", "secret-pass-1")
    client.force_login(user)
    client.cookies["django_language"] = "en"
    basket_add(client, upc="YX-DC-004", quantity=1)
    checkout_to_payment(client, email=None)
    order_place(client)

    order = Order.objects.get()
    outgoing = OutgoingEmail.objects.get()
    assert outgoing.payload["params"] == {"order_id": order.pk, "language": "en"}
    assert outgoing_email_deliver(outgoing_email_id=outgoing.pk) == "sent"
    [message] = mail.outbox
    assert message.to == ["en-buyer@example.com"]
    assert message.subject == f"Confirmation of order {order.number}"
    assert "Your order contains" in message.body
    assert f"/shop/accounts/orders/{order.number}/" in message.body
    # Oscar's record of the e-mails a customer was sent, as Oscar keeps it.
    assert list(Email.objects.filter(user=user).values_list("subject", flat=True)) == [
        message.subject
    ]


def test_a_confirmation_that_cannot_be_written_is_retried_not_lost():
    outgoing = email_later(
        renderer="order_placed",
        params={"order_id": 987654321, "language": "zh-hans"},
        recipients="guest@example.com",
    )
    assert outgoing_email_deliver(outgoing_email_id=outgoing.pk) == "retry"
    outgoing.refresh_from_db()
    assert (outgoing.status, outgoing.attempts) == ("pending", 1)
    assert "DoesNotExist" in outgoing.last_error
    assert outgoing.payload["render"] == "order_placed"
    assert mail.outbox == []


def test_an_unknown_renderer_is_refused_when_written():

    with pytest.raises(LookupError):
        email_later(renderer="no-such", params={}, recipients="guest@example.com")
