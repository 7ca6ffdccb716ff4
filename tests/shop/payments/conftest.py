"""Payments tests: a localstripe server on loopback, Stripe keys, signed events, checkout.

Stripe's own servers are the only thing replaced: by localstripe (a
Stripe-compatible server from PyPI), started once per test session on a free
loopback port. Webhook signatures are computed here with the real scheme.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model

from tests.shop.checkout_flow import basket_add, checkout_to_payment, order_place, preview_post
from tests.stripe_fixtures import WEBHOOK_SECRET

Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")


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


def deliver(client: Client, payload: bytes, *, header: str | None = None):
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
) -> tuple[Any, HttpResponse]:
    """Check out the given lines paying by ``method``; returns (order, response of place_order)."""
    for upc, quantity in lines:
        basket_add(client, upc=upc, quantity=quantity)
    checkout_to_payment(client, email=None if login else email)
    preview_post(client, method=method)
    placed = order_place(client)
    order = Order.objects.select_related("payment").order_by("-pk").first()
    return order, placed


def allocated(upc: str) -> int:
    return StockRecord.objects.get(product__upc=upc).num_allocated or 0


def yuan(value: str) -> Decimal:
    return Decimal(value)
