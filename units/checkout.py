"""Where checkout hands an order to the units app, as the order is placed."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from oscar.core.loading import get_class

from .models import UnitOrder
from .services import ship_within_clean
from .services import unit_order_record as unit_order_create

UnableToPlaceOrder = get_class("order.exceptions", "UnableToPlaceOrder")

SHIP_WITHIN_FIELD = "ship_within_days"


def unit_order_record(*, order, request: HttpRequest) -> UnitOrder | None:  # type: ignore[no-untyped-def]
    """Called inside checkout's transaction: an order by an approved unit's member is the unit's.

    The latest ship date (7, 15 or 30 days) comes from the place-order form of
    the preview page (30 days when the form did not ask). A bad value stops the
    order: checkout shows the preview again with the message, and nothing is written.
    """
    raw = (request.POST.get(SHIP_WITHIN_FIELD) or "").strip()
    try:
        days = ship_within_clean(raw) if raw else None
        return unit_order_create(order=order, user=request.user, ship_within_days=days)
    except ValidationError as exc:
        raise UnableToPlaceOrder(" ".join(exc.messages)) from exc
