from typing import Any

from django.db.models import QuerySet
from haystack import indexes
from oscar.apps.search import search_indexes as oscar_indexes

from shop.search.documents import document_text
from shop.selectors import product_origin, stockrecords_prefetch, with_product_cards


class ProductIndex(oscar_indexes.ProductIndex, indexes.Indexable):
    # The catalogue's filters (OSCAR_SEARCH_FACETS): where a product comes from, who makes
    # it, what it is. Faceted, so each is also indexed whole as <name>_exact.
    county = indexes.CharField(null=True, faceted=True)
    producer = indexes.CharField(null=True, faceted=True)
    category_name = indexes.MultiValueField(null=True, faceted=True)

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

    def prepare_county(self, obj: Any) -> str | None:
        county = product_origin(product=obj)["county"]
        return county.name if county is not None else None

    def prepare_producer(self, obj: Any) -> str | None:
        producer = product_origin(product=obj)["producer"]
        return producer.name if producer is not None else None

    def prepare_category_name(self, obj: Any) -> list[str]:
        return sorted({category.name for category in obj.categories.all()})
