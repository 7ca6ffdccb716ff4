"""What happens when a household's platform income changes: re-assessment, and credit to sales.

Every change to income that households received through the platform (a payout
recorded, reversed, confirmed or disputed) calls ``platform_income_changed``
once, after its own rows are written, with the households and years it
touched. This is the one place that re-assesses them because of it, and the
one place that gives sales credit for a warning level.

Sales get credit only where the platform's payouts made the difference: every
assessment also keeps the level the household would have without any platform
payouts, at the same moment and on the same thresholds
(``HouseholdStatus.level_without``). A level change is credited when the
payouts counted changed and

- for an improvement, the level after differs from the level after without payouts;
- for a fall (a payout reversed or disputed), the level before differed from the
  level before without payouts.

Edits to thresholds or settings re-assess through ``households_reassess``
directly, never through here, so they never produce credit.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Assessment, Household, HouseholdStatus, Payout, SalesLevelChange
from ..monitoring.assessment import households_reassess, payouts_counting

logger = logging.getLogger("yixiang.impact")


@dataclass(frozen=True)
class _State:
    level: int
    level_without: int | None
    platform_income: Decimal
    year: int
    assessment_id: int


def _states(ids: list[int], *, lock: bool = False) -> dict[int, _State]:
    statuses = HouseholdStatus.objects.filter(household_id__in=ids)
    if lock:
        statuses = statuses.select_for_update(of=("self",)).order_by("household_id")
    return {
        household_id: _State(level, without, platform, year, assessment_id)
        for household_id, level, without, platform, year, assessment_id in statuses.values_list(
            "household_id",
            "level",
            "level_without",
            "assessment__platform_income",
            "assessment__year",
            "assessment_id",
        )
    }


def _credited(before: _State, after: _State) -> int | None:
    """The level without payouts that makes this change the payouts' doing, or None."""
    if after.level == before.level or after.platform_income == before.platform_income:
        return None
    if after.level > before.level:  # improved: the payouts must hold it there now
        if after.level_without is not None and after.level_without != after.level:
            return after.level_without
        return None
    # worsened: the payouts that stopped counting must have been holding it up
    if before.level_without is not None and before.level_without != before.level:
        return before.level_without
    return None


def platform_income_changed(*, household_ids: Iterable[int], years: Iterable[int]) -> int:
    """Re-assess the households for each year and credit sales where payouts made the difference.

    A household is re-assessed for a year when its current assessment is of
    that year (or it has none yet): a payout dated in another year does not
    change the figures its current level stands on. Returns the number of
    assessments written.
    """
    ids = sorted(set(household_ids))
    assessed = 0
    if not ids:
        return assessed
    with transaction.atomic():
        before = _states(ids, lock=True)
        for year in sorted(set(years)):
            these = [pk for pk in ids if pk not in before or before[pk].year == year]
            if not these:
                continue
            try:
                report = households_reassess(
                    households=Household.objects.filter(pk__in=these),
                    year=year,
                    channel=Assessment.Channel.SCREENING,
                )
            except ValidationError:
                # No thresholds for the year yet: the payouts stand, and count once staff enter them.
                logger.warning(
                    "Platform income: no thresholds for %s; %d households not re-assessed",
                    year,
                    len(these),
                )
                continue
            assessed += report.assessed
            after = _states(these)
            for household_id in these:
                if household_id not in before or household_id not in after:
                    continue
                without = _credited(before[household_id], after[household_id])
                if without is None:
                    continue
                _credit_record(
                    household_id=household_id,
                    year=year,
                    before=before[household_id],
                    after=after[household_id],
                    level_without=without,
                )
    return assessed


def _credit_record(
    *, household_id: int, year: int, before: _State, after: _State, level_without: int
) -> SalesLevelChange:
    change = SalesLevelChange.objects.create(
        household_id=household_id,
        year=year,
        level_before=before.level,
        level_after=after.level,
        level_without=level_without,
        platform_before=before.platform_income,
        platform_after=after.platform_income,
        assessment_id=after.assessment_id,
    )
    counting = payouts_counting(year=year).filter(household_id=household_id)
    if after.level > before.level:
        payouts = counting
    else:
        payouts = (
            Payout.objects.filter(household_id=household_id, paid_on__year=year)
            .exclude(pk__in=counting.values("pk"))
            .order_by()
        )
    change.payouts.set(payouts)
    return change
