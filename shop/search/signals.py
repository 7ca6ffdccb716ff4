"""Keep the product search index current.

Haystack's realtime processor only sees saves of indexed models; a product's
price and stock live on its stock records, and its title may change through
a child product. This processor re-indexes the browsable product whenever the
product or one of its stock records changes, once the transaction commits.
"""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from haystack import connections
from haystack.signals import BaseSignalProcessor
from oscar.core.loading import get_model


def product_reindex(*, product_id: int) -> None:
    Product = get_model("catalogue", "Product")
    product = Product.objects.filter(pk=product_id).select_related("parent").first()
    backend_index = connections["default"].get_unified_index().get_index(Product)
    if product is None:
        backend_index.remove_object(f"catalogue.product.{product_id}")
        return
    if product.parent_id:
        product = product.parent
    if backend_index.index_queryset().filter(pk=product.pk).exists():
        backend_index.update_object(product)
    else:
        backend_index.remove_object(product)


class ProductIndexSignalProcessor(BaseSignalProcessor):
    def setup(self) -> None:
        for model in (get_model("catalogue", "Product"), get_model("partner", "StockRecord")):
            post_save.connect(self.handle_change, sender=model)
            post_delete.connect(self.handle_change, sender=model)

    def teardown(self) -> None:
        for model in (get_model("catalogue", "Product"), get_model("partner", "StockRecord")):
            post_save.disconnect(self.handle_change, sender=model)
            post_delete.disconnect(self.handle_change, sender=model)

    def handle_change(self, sender: Any, instance: Any, **kwargs: Any) -> None:
        if "update_fields" not in kwargs and kwargs.get("signal") is post_save:
            # Oscar's stock allocation (each order) sends post_save by hand, without
            # update_fields. Nothing searched or shown from the index changes with it
            # (result cards read availability from the database), so the product is
            # not re-indexed: that write cost half of every checkout.
            return
        product_id = getattr(instance, "product_id", None) or instance.pk
        # robust: a search index that cannot be written never fails the save itself.
        transaction.on_commit(lambda: product_reindex(product_id=product_id), robust=True)
