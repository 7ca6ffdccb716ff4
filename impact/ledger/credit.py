"""What happens when a household's platform income changes: re-assessment, and credit to sales.

Every change to income that households received through the platform (a payout
recorded, reversed, confirmed or disputed) calls ``platform_income_changed``
once, after its own rows are written, with the households and years it
touched. This is the one place that re-assesses them because of it.
"""

from collections.abc import Iterable

from ..models import Assessment, Household
from ..monitoring.assessment import households_reassess


def platform_income_changed(*, household_ids: Iterable[int], years: Iterable[int]) -> int:
    """Re-assess the households for each year; the number of assessments written."""
    ids = sorted(set(household_ids))
    assessed = 0
    if not ids:
        return assessed
    for year in sorted(set(years)):
        report = households_reassess(
            households=Household.objects.filter(pk__in=ids),
            year=year,
            channel=Assessment.Channel.SCREENING,
        )
        assessed += report.assessed
    return assessed
