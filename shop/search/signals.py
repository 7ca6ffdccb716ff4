"""Keep the product search index current.

Haystack's realtime processor only sees saves of indexed models; a product's
price and stock live on its stock records, and its title may change through
a child product. This processor queues the re-indexing of the browsable product
(the Celery task ``shop.search.tasks.product_reindex``) whenever the product or
one of its stock records changes, once the transaction commits: the web request
does not do the work. With eager tasks (the embedded default) it runs at once.
"""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from haystack.signals import BaseSignalProcessor
from oscar.core.loading import get_model


def _enqueue(product_id: int) -> None:
    from .tasks import product_reindex as product_reindex_task

    product_reindex_task.delay(product_id=product_id)


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
        # robust: a broker or index that cannot be reached never fails the save itself.
        transaction.on_commit(lambda: _enqueue(product_id), robust=True)
