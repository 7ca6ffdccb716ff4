"""Payments tests: a localstripe server on loopback, Stripe keys, signed events, checkout.

Stripe's own servers are the only thing replaced: by localstripe (a
Stripe-compatible server from PyPI), started once per test session on a free
loopback port. Webhook signatures are computed here with the real scheme.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import time
from decimal import Decimal

import pytest
import requests
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model

from tests.shop.checkout_flow import ADDRESS, basket_add

Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")

SECRET_KEY = "sk_test_yixiang"
PUBLISHABLE_KEY = "pk_test_yixiang"
WEBHOOK_SECRET = "whsec_yixiang_test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe_url():  # type: ignore[no-untyped-def]
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(f"{url}/v1/balance", auth=(SECRET_KEY, ""), timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("localstripe did not start")
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def stripe_on(settings, localstripe_url):  # type: ignore[no-untyped-def]
    """Stripe keys set and every Stripe call going to localstripe."""
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = localstripe_url
    return localstripe_url


class Buyer:
    """What Stripe.js does in the buyer's browser, done against localstripe's API."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.auth = (SECRET_KEY, "")

    def pays(self, intent_id: str, *, card: str = "4242424242424242") -> requests.Response:
        method = self.session.post(
            f"{self.base}/v1/payment_methods",
            data={
                "type": "card",
                "card[number]": card,
                "card[exp_month]": "12",
                "card[exp_year]": "2030",
                "card[cvc]": "123",
            },
        )
        method.raise_for_status()
        self.session.post(
            f"{self.base}/v1/payment_intents/{intent_id}",
            data={"payment_method": method.json()["id"]},
        ).raise_for_status()
        return self.session.post(f"{self.base}/v1/payment_intents/{intent_id}/confirm")

    def intent(self, intent_id: str) -> dict:
        return self.session.get(f"{self.base}/v1/payment_intents/{intent_id}").json()

    def refunds(self, intent_id: str) -> list[dict]:
        return self.session.get(
            f"{self.base}/v1/refunds", params={"payment_intent": intent_id}
        ).json()["data"]

    def refund(self, intent_id: str, *, amount_fen: int) -> dict:
        response = self.session.post(
            f"{self.base}/v1/refunds", data={"payment_intent": intent_id, "amount": amount_fen}
        )
        response.raise_for_status()
        return response.json()


@pytest.fixture
def stripe_buyer(stripe_on) -> Buyer:  # type: ignore[no-untyped-def]
    return Buyer(stripe_on)


def signature_header(
    payload: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None
) -> str:
    """Stripe's signature scheme: HMAC-SHA256 of "timestamp.payload" with the endpoint secret."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


_event_sequence = iter(range(1, 10**9))


def stripe_event(kind: str, obj: dict, *, event_id: str | None = None) -> bytes:
    event = {
        "id": event_id or f"evt_test_{next(_event_sequence)}_{int(time.time() * 1000)}",
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "data": {"object": obj},
    }
    return json.dumps(event).encode()


def deliver(client: Client, payload: bytes, *, header: str | None = None):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("payments:stripe-webhook"),
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header if header is not None else signature_header(payload),
    )


def checkout(
    client: Client,
    *,
    lines: list[tuple[str, int]],
    method: str,
    email: str = "buyer@example.com",
    login: bool = False,
):  # type: ignore[no-untyped-def]
    """Check out the given lines paying by ``method``; returns (order, response of place_order)."""
    for upc, quantity in lines:
        basket_add(client, upc=upc, quantity=quantity)
    if not login:
        response = client.post(
            reverse("checkout:index"), {"username": email, "options": "anonymous"}
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(reverse("checkout:shipping-address"), ADDRESS)
    assert response.status_code == 302, response.context["form"].errors
    details = client.get(reverse("checkout:shipping-method"), follow=True)
    assert details.status_code == 200
    assert details.redirect_chain[-1][0] == reverse("checkout:payment-details")
    preview = client.post(reverse("checkout:preview"), {"method": method})
    assert preview.status_code == 200, preview.content.decode()[:2000]
    assert 'id="place_order_form"' in preview.content.decode(), preview.content.decode()[:3000]
    placed = client.post(reverse("checkout:preview"), {"action": "place_order"})
    assert placed.status_code == 302, placed.content.decode()[:3000]
    order = Order.objects.select_related("payment").order_by("-pk").first()
    return order, placed


def allocated(upc: str) -> int:
    return StockRecord.objects.get(product__upc=upc).num_allocated or 0


def yuan(value: str) -> Decimal:
    return Decimal(value)
