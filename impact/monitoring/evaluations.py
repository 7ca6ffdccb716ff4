"""Whole evaluations in the background: the monthly one, and those after a change of thresholds
or monitoring rules. Each is recorded as a ``ReassessmentRun`` and never credited to sales
(they call ``households_reassess`` directly, never the ledger's sales credit).
"""

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from ..models import Assessment, Household, ReassessmentRun
from .assessment import households_reassess
from .runs import EvaluationBusy, evaluation_year, reassessment_run_fail, reassessment_run_start

logger = logging.getLogger("yixiang.impact")

# How long a whole evaluation queued in the background waits for another to finish.
WHOLE_RUN_WAIT_SECONDS = 3600


def evaluation_run(
    *,
    why: str,
    year: int | None,
    note: str,
    channel: str,
    households: QuerySet[Household] | None = None,
) -> dict[str, Any]:
    """A whole evaluation, recorded as a ReassessmentRun: it never raises for a year without
    thresholds or another evaluation still running after ``WHOLE_RUN_WAIT_SECONDS``; it says so
    (in the run, the result and the log)."""
    run = reassessment_run_start(why=why, year=year, note=note)
    result: dict[str, Any] = {"run": run.pk, "year": year, "note": note}
    if year is None:
        reassessment_run_fail(run=run, error=note)
        run.note = ""
        run.save(update_fields=["note"])
        logger.warning("%s: %s", run.get_why_display(), note)
        return result | {"assessed": 0, "skipped": 0, "clues_opened": 0}
    if note:
        logger.warning("%s: %s", run.get_why_display(), note)
    try:
        report = households_reassess(
            households=households,
            year=year,
            channel=channel,
            run=run,
            wait=WHOLE_RUN_WAIT_SECONDS,
        )
    except (ValidationError, EvaluationBusy) as exc:
        message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        reassessment_run_fail(run=run, error=message)
        logger.warning("%s %s not run: %s", run.get_why_display(), year, message)
        return result | {"assessed": 0, "skipped": 0, "clues_opened": 0, "error": message}
    except Exception as exc:
        reassessment_run_fail(run=run, error=repr(exc))
        raise
    logger.info(
        "%s %s: %d assessed, %d without an income record for %s skipped, %d clues opened",
        run.get_why_display(),
        year,
        report.assessed,
        report.skipped,
        year,
        report.clues_opened,
    )
    return result | {
        "assessed": report.assessed,
        "skipped": report.skipped,
        "clues_opened": report.clues_opened,
    }


def evaluation_periodic() -> dict[str, Any]:
    """The monthly periodic comprehensive evaluation of every household.

    On this year's thresholds, or before they are entered the latest earlier
    year's (and says so); with none at all it says so and evaluates nobody.
    """
    year, note = evaluation_year()
    return evaluation_run(
        why=ReassessmentRun.Why.PERIODIC, year=year, note=note, channel=Assessment.Channel.PERIODIC
    )


def evaluation_after_change(*, year: int, why: str) -> dict[str, Any]:
    """Re-assess after thresholds or monitoring rules changed.

    Every household when ``year`` is the year evaluations run on now; for any
    other year, only households whose current assessment is of that year.
    """
    current, _note = evaluation_year()
    households = (
        None if year == current else Household.objects.filter(status__assessment__year=year)
    )
    return evaluation_run(
        why=why, year=year, note="", channel=Assessment.Channel.SCREENING, households=households
    )
