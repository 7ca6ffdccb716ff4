"""Orders on screen and in e-mails: status names, the timeline, transfer details, site links."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.conf import settings

from shop.order_status import order_status_name
from shop.order_timeline import (
    BankTransferDue,
    TimelineStep,
    order_bank_transfer_due,
    order_timeline,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
    from oscar.apps.order.models import Order

register = template.Library()


@register.filter(name="order_status")
def order_status_filter(status: str | None) -> StrOrPromise:
    """{{ order.status|order_status }}: 待付款, 已付款, … for the stored English status."""
    return order_status_name(status)


@register.simple_tag(name="order_timeline")
def order_timeline_tag(order: Order) -> list[TimelineStep]:
    """{% order_timeline order as steps %}"""
    return order_timeline(order=order)


@register.simple_tag(name="order_bank_transfer")
def order_bank_transfer_tag(order: Order) -> BankTransferDue | None:
    """{% order_bank_transfer order as transfer %}: None unless a transfer is awaited."""
    return order_bank_transfer_due(order=order)


@register.simple_tag
def site_url(path: str = "") -> str:
    """{% site_url path %}: an absolute link on the configured site address (SITE_URL)."""
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.SITE_URL}/{path.lstrip('/')}" if path else settings.SITE_URL
