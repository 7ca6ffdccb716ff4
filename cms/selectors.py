"""Reads for the site's pages: the home page's featured products, a producer's products."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from wagtail.models import Page

from producers.models import Producer
from shop.selectors import product_card_queryset


def home_featured_products(*, page: Page, limit: int = 8) -> list[Any]:
    """The products the editors featured, in their order; the newest ones if none."""
    chosen_ids = list(
        page.featured_products.order_by("sort_order").values_list("product_id", flat=True)
    )
    queryset = product_card_queryset()
    if chosen_ids:
        by_id = {product.pk: product for product in queryset.filter(pk__in=chosen_ids)}
        return [by_id[pk] for pk in chosen_ids if pk in by_id][:limit]
    return list(queryset.order_by("-date_created")[:limit])


def producer_products(*, producer: Producer) -> QuerySet:
    return product_card_queryset().filter(stockrecords__partner=producer.partner).distinct()
