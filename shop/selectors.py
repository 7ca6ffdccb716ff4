"""Reads of the storefront's data."""

from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import QuerySet
from oscar.core.loading import get_class, get_model

if TYPE_CHECKING:
    from oscar.apps.catalogue.models import Product

    from impact.models import Region
    from producers.models import Producer

# Product cards show the producer and its county, and whether the product can
# be bought (the partner strategy reads the producer and the certificates):
# fetch them with the products so a page of cards costs the same number of
# queries however long it is.
PRODUCT_CARD_PREFETCH = "stockrecords__partner__producer__region__parent__parent"
PRODUCT_CARD_PREFETCHES = (PRODUCT_CARD_PREFETCH, "certificates")


def product_card_queryset() -> QuerySet[Any]:
    Product = get_model("catalogue", "Product")
    return (
        Product.objects.browsable()
        .base_queryset()
        .filter(is_public=True)
        .prefetch_related(*PRODUCT_CARD_PREFETCHES)
    )


class ProductOrigin(TypedDict):
    producer: "Producer | None"
    county: "Region | None"


def product_origin(*, product: "Product") -> ProductOrigin:
    """The producer and county a product comes from, read from prefetched stock records."""
    for stockrecord in product.stockrecords.all():
        producer = getattr(stockrecord.partner, "producer", None)
        if producer is not None:
            return {"producer": producer, "county": producer.region.county}
    return {"producer": None, "county": None}


def product_shop_price(*, product: Any) -> Decimal | None:
    """The product's price in the shop when it can be bought there today; None otherwise."""
    Selector = get_class("partner.strategy", "Selector")
    info = Selector().strategy().fetch_for_product(product)
    if not info.availability.is_available_to_buy or info.price.incl_tax is None:
        return None
    return info.price.incl_tax
