"""Where the units app listens to checkout: an order placed by a unit's member is the unit's."""

from typing import Any

from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.http import HttpRequest
from oscar.core.loading import get_class

from shop.checkout.signals import order_placing

from .services import ship_within_clean, unit_order_record

UnableToPlaceOrder = get_class("order.exceptions", "UnableToPlaceOrder")

#: The place-order form's field for the latest ship date (7, 15 or 30 days).
SHIP_WITHIN_FIELD = "ship_within_days"


@receiver(order_placing, dispatch_uid="units_unit_order_on_placing")
def unit_order_on_placing(sender: type, order: Any, request: HttpRequest, **kwargs: Any) -> None:
    """Inside checkout's transaction: an order by an approved unit's member is the unit's.

    The latest ship date comes from the place-order form of the preview page
    (30 days when the form did not ask). A bad value refuses the order:
    checkout shows the preview again with the message, and nothing is written.
    """
    raw = (request.POST.get(SHIP_WITHIN_FIELD) or "").strip()
    try:
        days = ship_within_clean(raw) if raw else None
        unit_order_record(order=order, user=request.user, ship_within_days=days)
    except ValidationError as exc:
        raise UnableToPlaceOrder(" ".join(exc.messages)) from exc
