"""The official monitoring status: including a household as a monitoring target (监测对象) when the
county approves its clue, and eliminating its risk (风险消除) once nothing stands in the way.

The warning level the rules compute is a screening result; these services are the only way a
household becomes, or stops being, a monitoring target. Records are kept, never deleted.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    Assessment,
    Clue,
    Household,
    MonitoringSettings,
    MonitoringTarget,
    RigidExpenditure,
)
from .rules import Level

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The rules that fire when income is below the national standard or the monitoring line.
INCOME_RULES = frozenset(
    {"income_below_standard", "no_labour_or_subsistence_below_line", "labour_below_line"}
)


def target_type_default(*, household: Household, level: int | None) -> str:
    """The type a county approver is offered: from the household's kind and the clue's level.

    A household that exited poverty is 脱贫不稳定户; a sudden-hardship household, or an
    ordinary one flagged for a sudden risk (purple), 突发严重困难户; every other 边缘易致贫户.
    """
    kind = household.kind
    if kind == Household.Kind.EXITED:
        return MonitoringTarget.Type.UNSTABLE
    if kind == Household.Kind.SUDDEN_HARDSHIP or (
        kind == Household.Kind.ORDINARY and level == Level.PURPLE
    ):
        return MonitoringTarget.Type.SUDDEN
    return MonitoringTarget.Type.MARGINAL


def monitoring_target_current(*, household: Household) -> MonitoringTarget | None:
    return MonitoringTarget.objects.filter(household=household, eliminated_on__isnull=True).first()


def monitoring_target_include(
    *,
    household: Household,
    clue: Clue | None,
    by: User,
    target_type: str | None = None,
    today: datetime.date | None = None,
) -> MonitoringTarget:
    """Include a household as a monitoring target (county approval of its clue).

    ``target_type`` is the approver's choice (default: ``target_type_default``). A household
    that is already a current target is not included twice: its current record is returned.
    """
    today = today or timezone.localdate()
    chosen = target_type or target_type_default(
        household=household, level=clue.level if clue is not None else None
    )
    if chosen not in MonitoringTarget.Type.values:
        raise ValidationError(
            _("Choose the type of monitoring target: %(types)s.")
            % {"types": "、".join(str(label) for label in MonitoringTarget.Type.labels)}
        )
    # Lock the household's row, so that two approvals at once cannot both include it.
    Household.objects.select_for_update().filter(pk=household.pk).first()
    current = monitoring_target_current(household=household)
    if current is not None:
        return current
    return MonitoringTarget.objects.create(
        household=household,
        type=chosen,
        clue=clue,
        included_on=today,
        included_by=by,
    )


def _months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` calendar months earlier (the month's last day where it is shorter)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def risk_elimination_obstacles(*, household: Household, today: datetime.date) -> list[str]:
    """Everything that still stands in the way of eliminating a household's risk (empty: nothing).

    - the latest assessment must be clear: level Ⅴ and no rule fired (两不愁三保障, safe water,
      rigid expenditure and members unable to work included);
    - income steadily above the line for the last ``stable_months`` months: an assessment at
      least that old to start from, and no income rule in it nor in any assessment since;
    - every special-cause rigid expenditure resolved.
    """
    months = MonitoringSettings.load().stable_months
    since = _months_before(today, months)
    problems: list[str] = []
    assessments = list(
        Assessment.objects.filter(household=household)
        .order_by("assessed_at", "pk")
        .values("assessed_at", "level", "rules_fired")
    )
    if not assessments:
        problems.append(_("The household has not been assessed yet."))
    else:
        latest = assessments[-1]
        if latest["level"] != Level.GREEN or latest["rules_fired"]:
            reasons = (
                "；".join(hit["reason"] for hit in latest["rules_fired"])
                or Level(latest["level"]).colour
            )
            problems.append(
                _("The latest assessment (%(date)s) still shows a warning: %(reasons)s.")
                % {
                    "date": timezone.localdate(latest["assessed_at"]).isoformat(),
                    "reasons": reasons,
                }
            )
    older = [a for a in assessments if timezone.localdate(a["assessed_at"]) <= since]
    recent = [a for a in assessments if timezone.localdate(a["assessed_at"]) > since]
    if not older:
        problems.append(
            _(
                "There is no assessment from %(months)s months ago or earlier (on or before "
                "%(date)s) to show that income has stayed above the monitoring line since."
            )
            % {"months": months, "date": since.isoformat()}
        )
    else:
        below = [
            timezone.localdate(a["assessed_at"]).isoformat()
            for a in [older[-1], *recent]
            if any(hit["code"] in INCOME_RULES for hit in a["rules_fired"])
        ]
        if below:
            problems.append(
                _(
                    "Income has not stayed above the monitoring line for the last %(months)s "
                    "months: below it in the assessments of %(dates)s."
                )
                % {"months": months, "dates": "、".join(below)}
            )
    unresolved = list(
        RigidExpenditure.objects.filter(
            household=household, resolved=False, cause__in=RigidExpenditure.SPECIAL_CAUSES
        ).order_by("date", "pk")
    )
    if unresolved:
        problems.append(
            _("Rigid expenditures not yet resolved: %(items)s.")
            % {
                "items": "、".join(
                    f"{item.date.isoformat()} {item.get_cause_display()} ¥{item.amount}"
                    for item in unresolved
                )
            }
        )
    return problems


def monitoring_target_eliminate(
    *,
    household: Household,
    by: User,
    reason: str,
    today: datetime.date | None = None,
) -> MonitoringTarget:
    """Eliminate a current monitoring target's risk, recording who, when and why.

    Refused, with every obstacle named and nothing changed, unless the household is a current
    target, a reason is given and ``risk_elimination_obstacles`` finds nothing.
    """
    today = today or timezone.localdate()
    target = (
        MonitoringTarget.objects.select_for_update()
        .filter(household=household, eliminated_on__isnull=True)
        .first()
    )
    problems: list[str] = []
    if target is None:
        problems.append(
            _("Household %(code)s is not a current monitoring target.") % {"code": household.code}
        )
    if not reason.strip():
        problems.append(_("Say why the risk is eliminated."))
    if target is not None and today < target.included_on:
        problems.append(
            _("Risk cannot be eliminated before the household was included (%(date)s).")
            % {"date": target.included_on.isoformat()}
        )
    problems += risk_elimination_obstacles(household=household, today=today)
    if problems:
        raise ValidationError(problems)
    assert target is not None  # a missing target is a problem above
    target.eliminated_on = today
    target.eliminated_by = by
    target.elimination_reason = reason.strip()
    target.save(update_fields=["eliminated_on", "eliminated_by", "elimination_reason"])
    return target
