"""Writing the product search index (whichever backend ``SEARCH_BACKEND`` chose)."""

from typing import Any

from django.core.management import call_command
from haystack import connections
from oscar.core.loading import get_model


def product_reindex(*, product_id: int, using: str = "default") -> None:
    """Bring one product's search document up to date, or remove it if it is not browsable.

    A child product's change re-indexes its parent (the browsable one).
    """
    Product = get_model("catalogue", "Product")
    product = Product.objects.filter(pk=product_id).select_related("parent").first()
    backend_index = connections[using].get_unified_index().get_index(Product)
    if product is None:
        backend_index.remove_object(f"catalogue.product.{product_id}", using=using)
        return
    if product.parent_id:
        product = product.parent
    indexed = backend_index.index_queryset(using=using).filter(pk=product.pk).first()
    if indexed is not None:
        backend_index.update_object(indexed, using=using)
    else:
        backend_index.remove_object(product, using=using)


def search_rebuild(*, verbosity: int = 0, **options: Any) -> None:
    """Clear the index and write every browsable product's document again."""
    call_command("rebuild_index", interactive=False, verbosity=verbosity, **options)
