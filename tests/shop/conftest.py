"""Fixtures shared by the storefront's tests."""

from collections.abc import Callable, Iterator

import pytest
from haystack import connections as search_connections
from oscar.core.loading import get_model

from tests.shop.products import products_add

Product = get_model("catalogue", "Product")


@pytest.fixture
def indexed_products() -> Iterator[Callable[..., list]]:
    """Adds products to the database and the search index (``products_add``, which takes
    the same arguments); their documents leave the index afterwards (the database rolls back
    by itself)."""
    index = search_connections["default"].get_unified_index().get_index(Product)
    added: list = []

    def add(count: int, **made: object) -> list:
        products = products_add(count, **made)  # type: ignore[arg-type]
        for product in products:
            index.update_object(product)
        added.extend(products)
        return products

    yield add
    for product in added:
        index.remove_object(product)
