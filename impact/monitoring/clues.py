"""The review queue: a clue moves stage by stage, and help measures record what was done."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Clue, ClueStep, HelpMeasure, Household, MonitoringSettings
from . import targets

if TYPE_CHECKING:
    from django.contrib.auth.models import User

INCOME_RULES = targets.INCOME_RULES

# A clue's stage is the field's plain string, so the table is keyed by strings (a Stage is one).
TRANSITIONS: dict[str, list[str]] = {
    Clue.Stage.OPEN: [Clue.Stage.VERIFIED, Clue.Stage.DISMISSED],
    Clue.Stage.VERIFIED: [Clue.Stage.NOTICE, Clue.Stage.DISMISSED],
    Clue.Stage.NOTICE: [Clue.Stage.TOWNSHIP, Clue.Stage.DISMISSED],
    Clue.Stage.TOWNSHIP: [Clue.Stage.APPROVED, Clue.Stage.DISMISSED],
    Clue.Stage.APPROVED: [Clue.Stage.ASSISTING],
    Clue.Stage.ASSISTING: [Clue.Stage.ELIMINATED],
    Clue.Stage.ELIMINATED: [],
    Clue.Stage.DISMISSED: [],
}


def household_risk_eliminable(*, household: Household, today: datetime.date) -> list[str]:
    """What still stands in the way of eliminating a household's risk (empty: nothing)."""
    return targets.risk_elimination_obstacles(household=household, today=today)


@transaction.atomic
def clue_advance(
    *,
    clue: Clue,
    to_stage: str,
    by: User,
    note: str = "",
    notice_from: datetime.date | None = None,
    today: datetime.date | None = None,
    target_type: str | None = None,
) -> Clue:
    """Move a clue one stage on, recording who, when and why.

    County approval includes the household as a monitoring target of ``target_type`` (default
    from its kind and the clue's level); risk elimination ends that target, ``note`` its reason.
    """
    today = today or timezone.localdate()
    config = MonitoringSettings.load()
    clue = Clue.objects.select_for_update().get(pk=clue.pk)
    if to_stage not in TRANSITIONS[clue.stage]:
        raise ValidationError(
            _("A clue at “%(from)s” cannot move to “%(to)s”.")
            % {"from": clue.get_stage_display(), "to": Clue.Stage(to_stage).label}
        )
    if to_stage == Clue.Stage.NOTICE:
        if notice_from is None:
            raise ValidationError(_("Give the date the village notice was posted."))
        clue.notice_from = notice_from
        clue.notice_to = notice_from + datetime.timedelta(days=config.notice_days)
    if to_stage == Clue.Stage.TOWNSHIP and (clue.notice_to is None or today < clue.notice_to):
        raise ValidationError(
            _("The village notice must stay up at least %(days)s days (until %(date)s).")
            % {"days": config.notice_days, "date": clue.notice_to}
        )
    if to_stage == Clue.Stage.APPROVED:
        if clue.household is None:
            raise ValidationError(
                _("Link the self-declaration to a registered household before county approval.")
            )
        targets.monitoring_target_include(
            household=clue.household, clue=clue, by=by, target_type=target_type, today=today
        )
    if to_stage == Clue.Stage.ELIMINATED and clue.household is not None:
        targets.monitoring_target_eliminate(
            household=clue.household, by=by, reason=note, today=today
        )
    if to_stage == Clue.Stage.DISMISSED and not note.strip():
        raise ValidationError(_("Say why the clue is not confirmed."))
    clue.stage = to_stage
    if to_stage in Clue.CLOSED and clue.closed_at is None and to_stage != Clue.Stage.ASSISTING:
        clue.closed_at = timezone.now()
    clue.save()
    ClueStep.objects.create(clue=clue, stage=to_stage, by=by, note=note)
    return clue


def help_measure_record(
    *,
    household: Household,
    by: User,
    mode: str,
    description: str,
    cadre: str,
    started: datetime.date,
    ended: datetime.date | None = None,
    outcome: str = "",
    clue: Clue | None = None,
) -> HelpMeasure:
    measure = HelpMeasure(
        household=household,
        clue=clue,
        mode=mode,
        description=description,
        cadre=cadre,
        started=started,
        ended=ended,
        outcome=outcome,
        recorded_by=by,
    )
    measure.full_clean()
    measure.save()
    return measure
