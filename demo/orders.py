"""Demo orders, placed the way checkout places them: a basket, free delivery, Oscar's order creator."""

from __future__ import annotations

from typing import Any

from oscar.apps.shipping.methods import Free
from oscar.core.loading import get_class, get_model

from . import data

Basket = get_model("basket", "Basket")
Country = get_model("address", "Country")
Product = get_model("catalogue", "Product")
ShippingAddress = get_model("order", "ShippingAddress")
OrderCreator = get_class("order.utils", "OrderCreator")
OrderTotalCalculator = get_class("checkout.calculators", "OrderTotalCalculator")
Selector = get_class("partner.strategy", "Selector")


def demo_order_place(
    *, buyer: Any, lines: list[tuple[str, int]], number: str, status: str | None = None
) -> Any:
    """The buyer's order of ``lines`` (UPC, quantity) under ``number``, delivered to the demo address.

    ``status`` None: Oscar's initial status, as checkout leaves it.
    """
    basket = Basket.objects.create(owner=buyer)
    basket.strategy = Selector().strategy(user=buyer)
    for upc, quantity in lines:
        basket.add_product(Product.objects.get(upc=upc), quantity=quantity)
    address = ShippingAddress(
        country=Country.objects.get(iso_3166_1_a2="CN"), **data.DEMO_SALE_ADDRESS
    )
    address.save()
    shipping = Free()
    charge = shipping.calculate(basket)
    order = OrderCreator().place_order(
        basket=basket,
        total=OrderTotalCalculator().calculate(basket, charge),
        shipping_method=shipping,
        shipping_charge=charge,
        user=buyer,
        shipping_address=address,
        order_number=number,
        status=status,
    )
    basket.submit()
    return order
