"""The one way this code talks to Stripe: a client built from settings.

``STRIPE_API_BASE`` points every call at a Stripe-compatible server (localstripe
in the tests). ``http_client`` lets unit tests replace the SDK's HTTP client,
the far side of the network, and nothing else.
"""

from __future__ import annotations

import time
from decimal import Decimal

import stripe
from django.conf import settings

from common.money import FEN

# Tests may set this to a stripe.HTTPClient that answers instead of Stripe.
http_client: stripe.HTTPClient | None = None


def stripe_enabled() -> bool:
    """Stripe is offered only when all three keys are set (never in the embedded default)."""
    return bool(
        settings.STRIPE_SECRET_KEY
        and settings.STRIPE_PUBLISHABLE_KEY
        and settings.STRIPE_WEBHOOK_SECRET
    )


def stripe_client() -> stripe.StripeClient:
    kwargs: dict = {"max_network_retries": 2}
    if settings.STRIPE_API_BASE:
        kwargs["base_addresses"] = {"api": settings.STRIPE_API_BASE.rstrip("/")}
    if http_client is not None:
        kwargs["http_client"] = http_client
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, **kwargs)


def to_fen(amount: Decimal) -> int:
    """Yuan to Stripe's smallest unit; refuses anything finer than a fen."""
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of fen")
    return int(fen)


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(FEN)


def webhook_signed_in_future(header: str, *, tolerance: int, now: float | None = None) -> bool:
    """Whether a Stripe-Signature header was signed more than ``tolerance`` seconds from now.

    Stripe's SDK refuses a timestamp older than the tolerance but accepts any in the
    future, so an event signed ahead of time (a leaked secret, a skewed signer) could
    be replayed until then. Call after the signature checked out; a header without a
    readable timestamp counts as in the future (refused).
    """
    stamps = [item[2:] for item in header.split(",") if item.strip().startswith("t=")]
    try:
        signed_at = int(stamps[0].strip())
    except (IndexError, ValueError):
        return True
    return signed_at > (time.time() if now is None else now) + tolerance
