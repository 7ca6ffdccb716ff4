"""What a product's search document says, and how text becomes search terms.

Both backends read the same parts of a product (its title and UPC, its producer
and county, its categories, its description) and cut them into terms with the
same jieba analyser, so the same query finds the same products in Whoosh and in
PostgreSQL.
"""

from functools import cache
from typing import Any, TypedDict

from shop.selectors import product_origin


class DocumentParts(TypedDict):
    title: str
    producer: str
    category: str
    description: str


@cache
def analyzer() -> Any:
    from shop.search.backends import chinese_analyzer

    return chinese_analyzer()


def terms(text: str) -> list[str]:
    """The search terms of ``text``: jieba in search mode, lower-cased, stop words out, stemmed.

    Search mode also yields the shorter words inside a long one ("老鹰茶" gives
    "老鹰" and "老鹰茶"), so a partial word finds the product.
    """
    if not text:
        return []
    return [token.text for token in analyzer()(text)]


def segmented(text: str) -> str:
    """``text`` as its terms separated by spaces: what PostgreSQL's 'simple' parser stores."""
    return " ".join(terms(text))


def _origin(product: Any) -> tuple[str, str]:
    origin = product_origin(product=product)
    if origin["producer"] is None and product.is_parent:
        for child in product.children.all():
            origin = product_origin(product=child)
            if origin["producer"] is not None:
                break
    producer, county = origin["producer"], origin["county"]
    return (producer.name if producer else "", county.name if county else "")


def document_parts(product: Any) -> DocumentParts:
    """The text a product is found by, in the parts PostgreSQL weighs differently."""
    producer, county = _origin(product)
    categories = [category.name for category in product.get_categories()]
    return {
        "title": "\n".join(filter(None, [product.upc or "", product.title or ""])),
        "producer": "\n".join(filter(None, [producer, county])),
        "category": "\n".join(categories),
        "description": product.description or "",
    }


def document_text(product: Any) -> str:
    """All the parts in one text: Whoosh's single document field."""
    parts = document_parts(product)
    return "\n".join(
        filter(None, [parts["title"], parts["producer"], parts["category"], parts["description"]])
    )
