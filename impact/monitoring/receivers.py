"""Where monitoring's own changes are turned into background work: re-assessment after commit."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from ..models import MonitoringSettings, ReassessmentRun, Threshold
from ..tasks import impact_reassess_households, impact_reassess_year
from .assessment import BATCH_SIZE
from .runs import evaluation_year
from .signals import households_changed


@receiver(households_changed, dispatch_uid="impact_reassess_on_change")
def reassess_on_change(sender: Any, household_ids: list[int], channel: str, **kwargs: Any) -> None:
    """System screening of the changed households, queued once the change commits."""

    def queue() -> None:
        for start in range(0, len(household_ids), BATCH_SIZE):
            impact_reassess_households.delay(household_ids[start : start + BATCH_SIZE], channel)

    # robust: a broker that is down is logged, and never fails the change itself;
    # the monthly periodic evaluation re-assesses every household anyway.
    transaction.on_commit(queue, robust=True)


# ---------------------------------------------------------------- thresholds and rules changed

# What the warning rules read of each: a save that changes none of it re-assesses nobody.
THRESHOLD_FIELDS = ("year", "national_standard", "multiplier")
SETTINGS_FIELDS = ("rigid_window_days",)


def _before(instance: Any, fields: tuple[str, ...]) -> tuple[Any, ...] | None:
    if instance.pk is None:
        return None
    row = type(instance).objects.filter(pk=instance.pk).values_list(*fields).first()
    return tuple(row) if row is not None else None


def _queue_year(year: int, why: str) -> None:
    # robust: a broker that is down never fails the edit; the monthly evaluation catches up.
    transaction.on_commit(lambda: impact_reassess_year.delay(year, why), robust=True)


@receiver(pre_save, sender=Threshold, dispatch_uid="impact_threshold_before")
def threshold_before(sender: Any, instance: Threshold, **kwargs: Any) -> None:
    setattr(instance, "_evaluation_before", _before(instance, THRESHOLD_FIELDS))  # noqa: B010


@receiver(post_save, sender=Threshold, dispatch_uid="impact_reassess_on_threshold")
def reassess_on_threshold(sender: Any, instance: Threshold, **kwargs: Any) -> None:
    """A year's thresholds added or changed (back office or import): that year re-assessed."""
    after = tuple(getattr(instance, field) for field in THRESHOLD_FIELDS)
    if getattr(instance, "_evaluation_before", None) != after:
        _queue_year(instance.year, ReassessmentRun.Why.THRESHOLDS)


@receiver(pre_save, sender=MonitoringSettings, dispatch_uid="impact_settings_before")
def settings_before(sender: Any, instance: MonitoringSettings, **kwargs: Any) -> None:
    setattr(instance, "_evaluation_before", _before(instance, SETTINGS_FIELDS))  # noqa: B010


@receiver(post_save, sender=MonitoringSettings, dispatch_uid="impact_reassess_on_settings")
def reassess_on_settings(sender: Any, instance: MonitoringSettings, **kwargs: Any) -> None:
    """The rigid-expenditure window changed: the year evaluated now is re-assessed."""
    before = getattr(instance, "_evaluation_before", None)
    after = tuple(getattr(instance, field) for field in SETTINGS_FIELDS)
    if before is None or before == after:
        return  # created with its defaults (nothing assessed differs), or nothing the rules read
    year, _note = evaluation_year()
    if year is not None:
        _queue_year(year, ReassessmentRun.Why.SETTINGS)
