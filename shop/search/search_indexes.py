from typing import Any

from django.db.models import QuerySet
from haystack import indexes
from oscar.apps.search import search_indexes as oscar_indexes

from shop.selectors import PRODUCT_CARD_PREFETCHES


class ProductIndex(oscar_indexes.ProductIndex, indexes.Indexable):
    def read_queryset(self, using: str | None = None) -> QuerySet[Any]:
        return super().read_queryset(using).prefetch_related(*PRODUCT_CARD_PREFETCHES)

    def index_queryset(self, using: str | None = None) -> QuerySet[Any]:
        return super().index_queryset(using).prefetch_related(*PRODUCT_CARD_PREFETCHES)
