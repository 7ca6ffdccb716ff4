"""Fixtures shared by the storefront's tests."""

from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from haystack import connections as search_connections
from haystack.constants import ID
from haystack.utils import get_identifier
from oscar.core.loading import get_model
from whoosh.writing import AsyncWriter

from tests.shop.products import products_add

Product = get_model("catalogue", "Product")


@pytest.fixture
def indexed_products() -> Iterator[Callable[..., list]]:
    """Adds products to the database and the search index (``products_add``, which takes
    the same arguments); their documents leave the index afterwards (the database rolls back
    by itself, and PostgreSQL's index with it)."""
    index = search_connections["default"].get_unified_index().get_index(Product)
    added: list = []

    def add(count: int, **made: object) -> list:
        products = products_add(count, **made)  # type: ignore[arg-type]
        # One write of the index for them all (Whoosh commits and merges on every write:
        # about 0.1 s each on the 2-core machine), as update_index writes its batches.
        index.get_backend().update(index, products)
        added.extend(products)
        return products

    yield add
    if settings.SEARCH_BACKEND != "whoosh":
        return  # PostgreSQL's index is a table: the test's rollback took the documents out
    # One write again (haystack removes one document per write).
    with AsyncWriter(index.get_backend().index) as writer:
        for product in added:
            writer.delete_by_term(ID, get_identifier(product))
