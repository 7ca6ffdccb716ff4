"""A guest buys with the embedded default: bank transfer, order awaiting payment."""

from decimal import Decimal

import pytest
from django.core import mail
from django.http import HttpResponse
from django.test import Client
from oscar.core.loading import get_model

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
