"""Stripe's far side for the tests: a localstripe server on loopback, and keys pointing at it.

localstripe (a Stripe-compatible server from PyPI) is started once per test
session on a free loopback port; ``STRIPE_API_BASE`` sends every SDK call there.
Registered for the whole suite in the root conftest.py.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest
import requests

SECRET_KEY = "sk_test_yixiang"
PUBLISHABLE_KEY = "pk_test_yixiang"
WEBHOOK_SECRET = "whsec_yixiang_test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe_url():
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
def stripe_on(settings, localstripe_url):
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
def stripe_buyer(stripe_on) -> Buyer:
    return Buyer(stripe_on)
