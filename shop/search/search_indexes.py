from typing import Any

from django.db.models import QuerySet
from haystack import indexes
from oscar.apps.search import search_indexes as oscar_indexes

from shop.search.documents import document_text
from shop.selectors import stockrecords_prefetch, with_product_cards


class ProductIndex(oscar_indexes.ProductIndex, indexes.Indexable):
    def read_queryset(self, using: str | None = None) -> QuerySet[Any]:
        return with_product_cards(super().read_queryset(using))

    def index_queryset(self, using: str | None = None) -> QuerySet[Any]:
        return (
            super()
            .index_queryset(using)
            .prefetch_related(stockrecords_prefetch(), "certificates", "categories")
        )

    def prepare_text(self, obj: Any) -> str:
        # The text a product is found by: UPC and title, producer and county, categories,
        # description (the same parts the PostgreSQL backend weighs; shop/search/documents.py).
        return document_text(obj)
