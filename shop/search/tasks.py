"""Search index upkeep, off the web request. Both tasks are idempotent (safe to retry)."""

from celery import shared_task

from .services import product_reindex as product_reindex_service
from .services import search_rebuild as search_rebuild_service


@shared_task(acks_late=True, max_retries=3, default_retry_delay=10)
def product_reindex(product_id: int) -> None:
    """One product's search document (queued on commit by the signal processor; queue celery)."""
    product_reindex_service(product_id=product_id)


@shared_task(acks_late=True)
def search_rebuild() -> None:
    """The whole index again (``manage.py search_rebuild --queue`` sends it to the long queue)."""
    search_rebuild_service()
