"""Where impact listens to payments: each payment event opens an attribution job, run on commit;
and to payouts and their settings, which move a producer's arrears."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from shop.payments.models import PaymentEvent
from shop.payments.signals import payment_confirmed, payment_refunded

from ..models import Payout, PayoutSettings
from ..tasks import impact_attribute_payment
from .arrears import arrears_suspension_refresh
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


# Arrears: the suspension flag follows payouts and the settings (see impact.ledger.arrears) ----


def _refresh_on_commit(producer_ids: list[int] | None) -> None:
    transaction.on_commit(
        lambda: arrears_suspension_refresh(producer_ids=producer_ids), robust=True
    )


@receiver(post_save, sender=Payout, dispatch_uid="impact_arrears_on_payout")
def arrears_on_payout(sender: Any, instance: Payout, **kwargs: Any) -> None:
    """A payout recorded or reversed moves its producer's arrears: check its suspension."""
    _refresh_on_commit([instance.producer_id])


@receiver(post_save, sender=PayoutSettings, dispatch_uid="impact_arrears_on_settings")
def arrears_on_settings(sender: Any, instance: PayoutSettings, **kwargs: Any) -> None:
    """A new limit or period applies to every producer at once."""
    _refresh_on_commit(None)
