"""Demo monitoring targets (监测对象) in 东川区: two of each type included by the county's review,
and one household whose risk was eliminated after more than six stable months.

The first evaluation (``demo/services.py``) opened clues for the households it flagged; here
some of 东川区's clues are taken through the staged review as it happened weeks ago (the steps
are recorded with their past dates), and the county approval includes each household through
``monitoring_target_include``. The elimination goes through ``clue_advance`` today, so the
same checks a member of staff meets apply to it.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.utils import timezone

from impact.models import (
    Assessment,
    Clue,
    ClueStep,
    Household,
    HouseholdStatus,
    MonitoringSettings,
    MonitoringTarget,
    RigidExpenditure,
)
from impact.monitoring.assessment import households_reassess
from impact.monitoring.clues import clue_advance
from impact.monitoring.rules import Level
from impact.monitoring.targets import monitoring_target_include, target_type_default

from . import data

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from .services import DemoReport

COUNTY = "530113"
PER_TYPE = 2


def _reviewed(clue: Clue, *, by: User, approved_on: datetime.date) -> None:
    """Record the clue's review as it happened: verified, village notice, township, county."""
    start = timezone.make_aware(datetime.datetime.combine(approved_on, datetime.time(10)))
    notice_days = MonitoringSettings.load().notice_days
    notice_from = approved_on - datetime.timedelta(days=notice_days + 3)
    steps = [
        (Clue.Stage.VERIFIED, notice_from - datetime.timedelta(days=1), "入户走访，数据比对属实"),
        (Clue.Stage.NOTICE, notice_from, "村民代表会议评议，村内公示"),
        (Clue.Stage.TOWNSHIP, approved_on - datetime.timedelta(days=2), "乡镇审核通过"),
        (Clue.Stage.APPROVED, approved_on, "县级审定，纳入监测对象"),
    ]
    for stage, day, note in steps:
        ClueStep.objects.create(
            clue=clue,
            stage=stage,
            by=by,
            at=start.replace(year=day.year, month=day.month, day=day.day),
            note=note,
        )
    clue.opened_at = start - datetime.timedelta(days=notice_days + 6)
    clue.due_at = clue.opened_at + datetime.timedelta(days=MonitoringSettings.load().review_days)
    clue.notice_from = notice_from
    clue.notice_to = notice_from + datetime.timedelta(days=notice_days)
    clue.stage = Clue.Stage.ASSISTING
    clue.closed_at = start
    clue.save()
    ClueStep.objects.create(
        clue=clue, stage=Clue.Stage.ASSISTING, by=by, at=start, note="落实帮扶措施"
    )


def _include(clue: Clue, *, by: User, on: datetime.date, target_type: str | None = None) -> None:
    """The clue reviewed as it happened, the county's approval on ``on`` including its household."""
    assert clue.household is not None
    _reviewed(clue, by=by, approved_on=on)
    monitoring_target_include(
        household=clue.household, clue=clue, by=by, target_type=target_type, today=on
    )


def demo_targets(report: DemoReport) -> None:
    if MonitoringTarget.objects.exists():
        return
    staff = get_user_model().objects.get(username=data.DEMO_COUNTY_STAFF["username"])
    today = timezone.localdate()
    counts = dict.fromkeys(MonitoringTarget.Type.values, 0)
    clues = (
        Clue.objects.filter(county__code=COUNTY, household__isnull=False, stage=Clue.Stage.OPEN)
        .exclude(household__code=data.DEMO_SALE_HOUSEHOLD)
        .select_related("household")
        .order_by("household__code")
    )
    number = 0
    for clue in clues:
        assert clue.household is not None  # filtered above
        kind = target_type_default(household=clue.household, level=clue.level)
        if counts[kind] < PER_TYPE:
            number += 1
            _include(clue, by=staff, on=today - datetime.timedelta(days=20 + 7 * number))
            counts[kind] += 1
            report.count("monitoring targets", True)
    # Too few screening clues of a type: households that declared a hardship themselves (农户申报).
    # An ordinary household hit by a sudden hardship is one the approver may type 突发严重困难户.
    kinds = {
        MonitoringTarget.Type.UNSTABLE: [Household.Kind.EXITED],
        MonitoringTarget.Type.MARGINAL: [Household.Kind.MARGINAL],
        MonitoringTarget.Type.SUDDEN: [Household.Kind.SUDDEN_HARDSHIP, Household.Kind.ORDINARY],
    }
    for target_type, household_kinds in kinds.items():
        declared = (
            Household.objects.filter(
                county__code=COUNTY, kind__in=household_kinds, clues__isnull=True
            )
            .exclude(code=data.DEMO_SALE_HOUSEHOLD)
            .select_related("status", "county")
            .order_by("-kind", "-code")  # "sudden" households before "ordinary" ones
        )
        for household in declared[: PER_TYPE - counts[target_type]]:
            status = getattr(household, "status", None)
            clue = Clue.objects.create(
                household=household,
                county=household.county,
                channel=Assessment.Channel.DECLARATION,
                level=status.level if status is not None else None,
            )
            number += 1
            _include(
                clue,
                by=staff,
                on=today - datetime.timedelta(days=20 + 7 * number),
                target_type=target_type,
            )
            counts[target_type] += 1
            report.count("monitoring targets", True)
    _demo_elimination(report, staff=staff, today=today)


def _demo_elimination(report: DemoReport, *, staff: User, today: datetime.date) -> None:
    """A household included eight months ago whose risk is eliminated today.

    It is screened green now with no rule firing; its assessment of seven months ago (the
    rules run then, on the same figures) starts the six stable months.
    """
    unresolved = RigidExpenditure.objects.filter(
        resolved=False, cause__in=RigidExpenditure.SPECIAL_CAUSES
    ).values("household_id")
    household = (
        Household.objects.filter(
            county__code=COUNTY,
            kind=Household.Kind.EXITED,
            status__level=Level.GREEN,
            targets__isnull=True,
            clues__isnull=True,
        )
        .exclude(pk__in=unresolved)
        .exclude(code=data.DEMO_SALE_HOUSEHOLD)
        .order_by("code")
        .first()
    )
    if household is None:
        return
    year = today.year
    seven_months_ago = timezone.now() - datetime.timedelta(days=213)
    households_reassess(
        households=Household.objects.filter(pk=household.pk),
        year=year,
        channel=Assessment.Channel.PERIODIC,
    )
    older = Assessment.objects.filter(household=household).order_by("-assessed_at", "-pk").first()
    assert older is not None
    Assessment.objects.filter(pk=older.pk).update(assessed_at=seven_months_ago)
    households_reassess(
        households=Household.objects.filter(pk=household.pk),
        year=year,
        channel=Assessment.Channel.PERIODIC,
    )
    assert HouseholdStatus.objects.get(household=household).level == Level.GREEN
    included_on = today - datetime.timedelta(days=240)
    clue = Clue.objects.create(
        household=household,
        county=household.county,
        channel=Assessment.Channel.DECLARATION,
        level=Level.PURPLE,
    )
    _reviewed(clue, by=staff, approved_on=included_on)
    monitoring_target_include(
        household=household,
        clue=clue,
        by=staff,
        target_type=MonitoringTarget.Type.UNSTABLE,
        today=included_on,
    )
    clue_advance(
        clue=clue,
        to_stage=Clue.Stage.ELIMINATED,
        by=staff,
        note="收入连续六个月以上稳定高于监测线，刚性支出已解决，两不愁三保障和饮水安全达标",
        today=today,
    )
    report.count("risk eliminations", True)
