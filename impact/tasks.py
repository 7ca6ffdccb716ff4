"""Background work of the impact app. Thin: each task calls one service, and is safe to retry.

The tasks' registered names (``impact.tasks.<function>``) are what the beat
schedule in ``config.settings`` names: they stay here, at the top of the app.
"""

import datetime
import logging
from typing import Any

from celery import shared_task
from django.core.exceptions import ValidationError
from django.utils import timezone

from . import targeting
from .ledger.arrears import arrears_suspension_refresh
from .ledger.rollups import level_snapshot_take
from .ledger.services import attribution_catch_up, attribution_jobs_drain
from .models import Household
from .monitoring.assessment import households_reassess
from .monitoring.evaluations import evaluation_after_change, evaluation_periodic
from .monitoring.runs import evaluation_year

logger = logging.getLogger("yixiang.impact")


# Not acks_late (here and in the two evaluations below): each run adds assessments, so a
# message redelivered after a lost worker must not run it again (queue "long").
@shared_task(max_retries=3, default_retry_delay=30)
def impact_reassess_households(household_ids: list[int], channel: str) -> dict[str, int]:
    """System screening of households whose data changed (re-running it only adds an assessment)."""
    year, _note = evaluation_year()  # this year's thresholds, or the latest before them
    if year is None:
        logger.warning("no thresholds for any year: %d households not screened", len(household_ids))
        return {"assessed": 0, "clues_opened": 0}
    try:
        report = households_reassess(
            households=Household.objects.filter(pk__in=household_ids), year=year, channel=channel
        )
    except ValidationError:
        # No thresholds for the year yet: nothing can be assessed until staff enter them.
        logger.warning("no thresholds for %s: %d households not screened", year, len(household_ids))
        return {"assessed": 0, "clues_opened": 0}
    return {"assessed": report.assessed, "clues_opened": report.clues_opened}


@shared_task
def impact_periodic_reassess() -> dict[str, Any]:
    """The monthly periodic comprehensive evaluation of every household (Celery beat).

    On this year's thresholds, or before they are entered the latest earlier
    year's (and says so); with none at all it says so and evaluates nobody.
    """
    return evaluation_periodic()


@shared_task
def impact_reassess_year(year: int, why: str) -> dict[str, Any]:
    """Re-assess after thresholds or monitoring rules changed (never credited to sales).

    Every household when ``year`` is the year evaluations run on now; for any
    other year, only households whose current assessment is of that year.
    """
    return evaluation_after_change(year=year, why=why)


@shared_task(acks_late=True, max_retries=5, default_retry_delay=10)
def impact_attribute_payment(payment_event_id: int | None = None) -> dict[str, Any]:
    """After a payment event: run every ready attribution job, this event's among them, in
    batches (claimed SKIP LOCKED, each job exactly once; a failing one quarantined).

    Under a rush the first task takes the jobs of many payments at once and the
    later ones find them done: a worker books a batch in a few queries, not one
    payment at a time. ``payment_event_id`` says which event queued the task (logs).
    """
    return attribution_jobs_drain()


@shared_task(acks_late=True)
def impact_attribution_catch_up() -> dict[str, Any]:
    """Attribution jobs whose task never ran (broker down at payment time): run them (beat)."""
    return attribution_catch_up()


@shared_task(acks_late=True, max_retries=3, default_retry_delay=300)
def impact_level_snapshot() -> int:
    """On the 1st: how many households stood at each warning level when last month ended."""
    last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    return level_snapshot_take(month=last_month)


@shared_task(acks_late=True)
def impact_arrears_daily() -> dict[str, int]:
    """Arrears grow with the calendar: suspend or restore producers' sales by them (beat, daily)."""
    return arrears_suspension_refresh()


# Targeting figures (impact.targeting): recomputed from current data, so safe to run twice.
@shared_task(acks_late=True, max_retries=3, default_retry_delay=30)
def targeting_refresh_households(
    household_ids: list[int], producer_ids: list[int] | None = None
) -> dict[str, int]:
    """The lift and gap figures the households (and producers) touch, after their change commits."""
    return targeting.targeting_refresh_households(
        household_ids=household_ids, producer_ids=producer_ids or ()
    )


@shared_task(acks_late=True)
def targeting_refresh_all() -> dict[str, int]:
    """Every lift and gap figure, rebuilt (daily, and after a whole-population evaluation)."""
    return targeting.targeting_refresh_all()
