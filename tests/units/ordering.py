"""A unit member's way through checkout, and refunding the order as staff would."""

import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from shop.payments.services import RefundLineRequest, order_refund_request
from tests.shop.checkout_flow import basket_add, checkout_to_payment, preview_post

Order = get_model("order", "Order")


def place(
    client: Client,
    *,
    lines: list[tuple[str, int]],
    method: str = "transfer",
    ship_within: str | None = None,
):
    """The logged-in client buys ``lines`` paying by ``method``; returns (order, place-order response)."""
    for upc, quantity in lines:
        basket_add(client, upc=upc, quantity=quantity)
    return place_basket(client, method=method, ship_within=ship_within)


def place_basket(
    client: Client, *, method: str = "transfer", ship_within: str | None = None
) -> tuple[Any, HttpResponse]:
    """Check out the logged-in client's basket; returns (the order or None, place-order response)."""
    checkout_to_payment(client, email=None)
    preview_post(client, method=method)
    data = {"action": "place_order"}
    if ship_within is not None:
        data["ship_within_days"] = ship_within
    before = Order.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    placed = client.post(reverse("checkout:preview"), data)
    order = Order.objects.filter(pk__gt=before).order_by("-pk").first()
    return order, placed


def refund(order, *, upc: str, quantity: int = 0, amount: str | None = None, by):
    line = order.lines.get(upc=upc)
    order_refund_request(
        order=order,
        lines=[
            RefundLineRequest(
                line_id=line.pk,
                quantity=quantity,
                amount=Decimal(amount) if amount is not None else None,
            )
        ],
        reason="测试退款",
        by=by,
    )


def placed_last_year(order) -> None:
    last_year = timezone.localdate().year - 1
    moment = timezone.make_aware(datetime.datetime(last_year, 12, 31, 23, 59))
    Order.objects.filter(pk=order.pk).update(date_placed=moment)
