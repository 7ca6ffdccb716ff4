from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class ProductSearchDocument(models.Model):
    """A product as PostgreSQL full-text search sees it (the ``postgres`` search backend).

    The text columns hold jieba's terms separated by spaces; ``search_vector`` is
    made from them with the 'simple' configuration (no stemming or stop words:
    jieba's analyser has done that), weighted title A, producer and category B,
    description C. ``fields`` holds the search index's other fields (price, stock,
    categories, dates) for filters, facets, sorting and the results' stored values.
    """

    product = models.OneToOneField(
        "catalogue.Product",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="search_document",
    )
    title = models.TextField(blank=True)
    producer = models.TextField(blank=True)
    category = models.TextField(blank=True)
    description = models.TextField(blank=True)
    search_vector = SearchVectorField(null=True)
    fields = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [GinIndex(fields=["search_vector"], name="search_doc_vector_gin")]

    def __str__(self) -> str:
        return f"search document of product {self.product_id}"
