"""Background work of payments. Thin, and safe to run any number of times."""

import stripe
from celery import shared_task

from .services import payment_reservations_expire, refund_issue

# Stripe unreachable or busy: try again later; the refund's idempotency key keeps it single.
STRIPE_TRANSIENT = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)


@shared_task(
    acks_late=True,
    autoretry_for=STRIPE_TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=10,
)
def payments_refund_issue(refund_id: int) -> str:
    """Issue a requested refund at Stripe."""
    return refund_issue(refund_id=refund_id)


@shared_task(acks_late=True)
def payments_expire_reservations() -> list[str]:
    """Cancel unpaid orders whose stock hold ran out, releasing the stock (beat, every 5 minutes)."""
    return payment_reservations_expire()
