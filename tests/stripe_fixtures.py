"""Stripe's far side for the tests: a localstripe server on loopback, and keys pointing at it.

localstripe (a Stripe-compatible server from PyPI) is started once per test
session on a free loopback port; ``STRIPE_API_BASE`` sends every SDK call there.
No webhook is ever registered with that one: it sends nothing to anybody.

A test that wants localstripe's webhooks (``localstripe_webhook``) gets a localstripe of
its own, registered to send them to its live server. localstripe cannot forget a webhook
and sends each a second after the event, so at teardown that process is stopped (the
deliveries it still holds die with it) before the live server drains the ones already in
its hands and stops, before the database is flushed: no webhook of one test ever reaches
another's database. Registered for the whole suite in the root conftest.py.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests
from django.urls import reverse

SECRET_KEY = "sk_test_yixiang"
PUBLISHABLE_KEY = "pk_test_yixiang"
WEBHOOK_SECRET = "whsec_yixiang_test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalStripe:
    """A localstripe process on a free loopback port, started and stopped by its owner."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "localstripe", "--port", str(self.port), "--from-scratch"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while self.process.poll() is None:
            try:
                requests.get(f"{self.url}/v1/balance", auth=(SECRET_KEY, ""), timeout=5)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        pytest.fail(f"localstripe exited at start with status {self.process.returncode}")

    def webhook_to(self, url: str) -> None:
        requests.post(
            f"{self.url}/_config/webhooks/yixiang",
            data={"url": url, "secret": WEBHOOK_SECRET},
            timeout=5,
        ).raise_for_status()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None


def _stripe_settings(settings, url: str) -> None:
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = url


@pytest.fixture(scope="session")
def localstripe_url() -> Iterator[str]:
    stripe = LocalStripe()
    stripe.start()
    yield stripe.url
    stripe.stop()


@pytest.fixture
def stripe_on(settings, localstripe_url):
    """Stripe keys set and every Stripe call going to the session's localstripe (no webhooks)."""
    _stripe_settings(settings, localstripe_url)
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


@pytest.fixture
def localstripe_webhook(live_server, settings) -> Iterator[Buyer]:
    """A localstripe of the test's own that delivers every event, signed, to its live server.

    Stripe calls go to it (the keys set as in ``stripe_on``); the test pays through the
    ``Buyer`` returned. Stopped at teardown before the live server is (see the module's text).
    """
    stripe = LocalStripe()
    stripe.start()
    try:
        stripe.webhook_to(f"{live_server.url}{reverse('payments:stripe-webhook')}")
        _stripe_settings(settings, stripe.url)
        yield Buyer(stripe.url)
    finally:
        stripe.stop()
