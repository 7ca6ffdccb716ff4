"""The storefront's background work."""

from celery import shared_task

from .analytics import analytics_counters_flush


@shared_task
def analytics_flush() -> dict[str, int]:
    """Counted product views and basket additions into Oscar's analytics rows (beat, every minute)."""
    return analytics_counters_flush()
