"""Where payments listen to the rest of the shop: one thin receiver per concern."""

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from producers.models import Shipment

from .models import OrderPayment, PaymentEvent, Refund
from .services import order_paid_email, order_shipped_payment_due
from .signals import payment_confirmed, stripe_refund_requested
from .tasks import payments_refund_issue

if TYPE_CHECKING:
    from oscar.apps.order.models import Order


@receiver(post_save, sender=Shipment, dispatch_uid="payments_pay_later_due_on_shipping")
def pay_later_due_on_shipping(
    sender: type[Shipment], instance: Shipment, created: bool, **kwargs: Any
) -> None:
    if created:
        order_shipped_payment_due(order=instance.order, shipped_on=timezone.localdate())


@receiver(payment_confirmed, dispatch_uid="payments_email_buyer_when_paid")
def email_buyer_when_paid(
    sender: type[OrderPayment], event: PaymentEvent, order: "Order", **kwargs: Any
) -> None:
    transaction.on_commit(lambda: order_paid_email(order=order), robust=True)


@receiver(stripe_refund_requested, dispatch_uid="payments_issue_stripe_refund")
def issue_stripe_refund(sender: type[Refund], refund: Refund, **kwargs: Any) -> None:
    refund_id = refund.pk
    transaction.on_commit(lambda: payments_refund_issue.delay(refund_id), robust=True)
