"""The search index follows stock edits, but not each order's allocation (nothing shown changes)."""

import pytest
from haystack.query import SearchQuerySet
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db


def indexed_stock(product) -> int:
    return SearchQuerySet().models(Product).filter(django_id=product.pk)[0].num_in_stock


def test_allocation_skips_the_reindex_and_a_stock_edit_does_not(django_capture_on_commit_callbacks):
    record = StockRecord.objects.get(product__upc="YX-DC-005")
    product = record.product
    with django_capture_on_commit_callbacks(execute=True):
        record.num_in_stock = 40
        record.num_allocated = 0
        record.save()
    assert indexed_stock(product) == 40

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        record.allocate(3)
    assert callbacks == []
    assert indexed_stock(product) == 40

    with django_capture_on_commit_callbacks(execute=True):
        record.refresh_from_db()
        record.num_in_stock = 50
        record.save()
    assert indexed_stock(product) == 47
