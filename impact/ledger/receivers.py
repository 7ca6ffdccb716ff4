"""Where impact listens to payments: each payment event opens an attribution job, run on commit."""

from typing import Any

from django.db import transaction
from django.dispatch import receiver

from shop.payments.models import PaymentEvent
from shop.payments.signals import payment_confirmed, payment_refunded

from ..tasks import impact_attribute_payment
from .services import attribution_job_open


def _queue(event: PaymentEvent) -> None:
    # The job row commits with the payment; the task is only the fast path.
    attribution_job_open(event=event)
    event_id = event.pk
    transaction.on_commit(lambda: impact_attribute_payment.delay(event_id), robust=True)


@receiver(payment_confirmed, dispatch_uid="impact_attribute_on_payment")
def attribute_on_payment(sender: Any, event: PaymentEvent, order: Any, **kwargs: Any) -> None:
    _queue(event)


@receiver(payment_refunded, dispatch_uid="impact_reverse_on_refund")
def reverse_on_refund(
    sender: Any, event: PaymentEvent, order: Any, refund: Any, **kwargs: Any
) -> None:
    _queue(event)
