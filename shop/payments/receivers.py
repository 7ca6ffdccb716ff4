"""Where payments listen to the rest of the shop: one thin receiver per concern."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from producers.models import Shipment

from .services import order_paid_email, order_shipped_payment_due
from .signals import payment_confirmed


@receiver(post_save, sender=Shipment, dispatch_uid="payments_pay_later_due_on_shipping")
def pay_later_due_on_shipping(sender, instance, created, **kwargs):  # type: ignore[no-untyped-def]
    if created:
        order_shipped_payment_due(order=instance.order, shipped_on=timezone.localdate())


@receiver(payment_confirmed, dispatch_uid="payments_email_buyer_when_paid")
def email_buyer_when_paid(sender, event, order, **kwargs):  # type: ignore[no-untyped-def]
    transaction.on_commit(lambda: order_paid_email(order=order), robust=True)
