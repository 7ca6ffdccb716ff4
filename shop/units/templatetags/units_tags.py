from collections.abc import Sequence
from typing import TYPE_CHECKING

from django import template

from shop.units.models import UnitOrder, WorkUnitMember
from shop.units.selectors import work_unit_membership

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
    from oscar.apps.order.models import Order

register = template.Library()


@register.simple_tag(takes_context=True)
def unit_membership(context: template.Context) -> WorkUnitMember | None:
    """{% unit_membership as membership %}: the user's unit membership, or None."""
    request = context.get("request")
    if request is None:
        return None
    if not hasattr(request, "_unit_membership"):
        request._unit_membership = work_unit_membership(user=request.user)
    return request._unit_membership


@register.simple_tag
def ship_within_choices() -> Sequence[tuple[int, "StrOrPromise"]]:
    """{% ship_within_choices as choices %}: (days, label) for the latest ship date."""
    return UnitOrder.ShipWithin.choices


@register.simple_tag
def unit_order_of(order: "Order | None") -> UnitOrder | None:
    """{% unit_order_of order as unit_order %}: the order's UnitOrder, or None."""
    if order is None or not getattr(order, "pk", None):
        return None
    return UnitOrder.objects.select_related("unit").filter(order=order).first()
