"""The review queue: a clue moves stage by stage, and help measures record what was done."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    Clue,
    ClueStep,
    HelpMeasure,
    Household,
    MonitoringSettings,
    Region,
)
from . import targets
from .access import Scope, staff_region

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


# Which level performs the step that leads to a stage of the review (村 → 乡镇 → 县区).
STEP_LEVEL: dict[str, str] = {
    Clue.Stage.VERIFIED: Region.Level.VILLAGE,  # home visit and data cross-check
    Clue.Stage.NOTICE: Region.Level.VILLAGE,  # village review, public notice posted
    Clue.Stage.TOWNSHIP: Region.Level.TOWNSHIP,  # township review
    Clue.Stage.APPROVED: Region.Level.COUNTY,  # county approval
}
# Whose step is current at a stage of the review: they may also dismiss the clue.
PENDING_LEVEL: dict[str, str] = {
    Clue.Stage.OPEN: Region.Level.VILLAGE,
    Clue.Stage.VERIFIED: Region.Level.VILLAGE,
    Clue.Stage.NOTICE: Region.Level.TOWNSHIP,
    Clue.Stage.TOWNSHIP: Region.Level.COUNTY,
}


def clue_step_level(*, from_stage: str, to_stage: str) -> str | None:
    """The level (a ``Region.Level`` value) that performs this move, or None if the
    review's levels do not govern it (assistance and risk elimination, after approval)."""
    if to_stage == Clue.Stage.DISMISSED:
        return PENDING_LEVEL.get(from_stage)
    return STEP_LEVEL.get(to_stage)


def clue_village(clue: Clue) -> Region | None:
    """The village a clue lies in: its household's, or the declarant's."""
    if clue.household is not None:
        return clue.household.region
    if clue.declaration is not None:
        return clue.declaration.village
    return None


def clue_actor_problems(*, clue: Clue, to_stage: str, by: User) -> list[str]:
    """Why ``by`` may not make this move of the review (empty: they may).

    Each step is performed by its own level, within its area, and one account
    never acts at two levels of one clue (the clue's steps say who did what).
    """
    level = clue_step_level(from_stage=clue.stage, to_stage=to_stage)
    if level is None:
        return []
    level_label = Region.Level(level).label
    region = staff_region(by)
    if region is None:
        return [
            _(
                "Only village, township or county monitoring staff perform review steps; "
                "this account has no area. This step is for %(level)s staff."
            )
            % {"level": level_label}
        ]
    if region.level != level:
        return [
            _("This step is for %(level)s staff; your account is %(yours)s staff (%(area)s).")
            % {
                "level": level_label,
                "yours": Region.Level(region.level).label,
                "area": region.full_name,
            }
        ]
    scope = (
        Scope((region.county.pk,))
        if region.level == Region.Level.COUNTY
        else Scope((region.county.pk,), (region.level, region.pk))
    )
    village = clue_village(clue)
    inside = scope.covers_region(village) if village is not None else scope.covers(clue.county_id)
    if not inside:
        return [_("This clue lies outside your area (%(area)s).") % {"area": region.full_name}]
    for step in ClueStep.objects.filter(clue=clue, by=by):
        done_at = STEP_LEVEL.get(step.stage)
        if done_at is not None and done_at != level:
            return [
                _(
                    "One account cannot act at two levels of one clue: you already did "
                    "“%(stage)s” at %(level)s level."
                )
                % {"stage": Clue.Stage(step.stage).label, "level": Region.Level(done_at).label}
            ]
    return []


@dataclass(frozen=True)
class Deadline:
    """How a clue in review stands against its due date (15 days by default)."""

    due: datetime.date
    days_left: int  # whole days from today to the due date; 0 on the due day
    days_overdue: int  # 0 unless overdue; at least 1 once the due time has passed


def clue_deadline(*, clue: Clue, now: datetime.datetime | None = None) -> Deadline | None:
    """The clue's deadline, or None once the review is over (approved or dismissed)."""
    if clue.stage not in PENDING_LEVEL:
        return None
    now = now or timezone.now()
    due = timezone.localdate(clue.due_at)
    today = timezone.localdate(now)
    if now > clue.due_at:
        return Deadline(due=due, days_left=0, days_overdue=max(1, (today - due).days))
    return Deadline(due=due, days_left=(due - today).days, days_overdue=0)


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
    problems = clue_actor_problems(clue=clue, to_stage=to_stage, by=by)
    if problems:
        raise ValidationError(problems)
    if to_stage == Clue.Stage.NOTICE:
        if notice_from is None:
            raise ValidationError(_("Give the date the village notice was posted."))
        opened = timezone.localdate(clue.opened_at)
        if notice_from < opened:
            raise ValidationError(
                _("The village notice cannot start before the clue was found (%(date)s).")
                % {"date": opened}
            )
        if notice_from > today:
            raise ValidationError(
                _("The village notice cannot start after today (%(date)s).") % {"date": today}
            )
        clue.notice_from = notice_from
        clue.notice_to = notice_from + datetime.timedelta(days=config.notice_days)
    if to_stage == Clue.Stage.TOWNSHIP:
        ends = (
            None
            if clue.notice_from is None or clue.notice_to is None
            else max(clue.notice_to, clue.notice_from + datetime.timedelta(days=config.notice_days))
        )
        if ends is None or today < ends:
            raise ValidationError(
                _("The village notice must stay up at least %(days)s days (until %(date)s).")
                % {"days": config.notice_days, "date": ends}
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
