"""The day the suite's demo data is loaded on, and the clock held to it where a test needs it.

The demo is loaded once per worker at the start of a run, with dates relative to that day (a
certificate that runs out in 20 days, payouts "today", this year's plans). A run that goes on
past midnight in Asia/Shanghai would otherwise see the demo's "today" become yesterday
halfway through. Tests that compare the page's dates with the demo's use the ``demo_day``
fixture (root conftest.py; ``pytestmark = pytest.mark.usefixtures("demo_day")``) and take
their "today" from ``DEMO_DAY``: while the real day is still the demo's the fixture changes
nothing; after midnight it holds the clock at 23:59 of the demo's day, ticking, for that test.

``YX_TEST_DEMO_DAYS_AGO=1`` loads the demo as if the run had started the day before (at
23:59), which is what such a run looks like after midnight: the whole suite then shows which
tests depend on the demo's day.
"""

import datetime
import os
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone
from freezegun import freeze_time

DAYS_AGO = int(os.environ.get("YX_TEST_DEMO_DAYS_AGO", "0"))
DEMO_DAY = timezone.localdate() - datetime.timedelta(days=DAYS_AGO)


def _late_on_the_demo_day() -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(DEMO_DAY, datetime.time(23, 59)))


@contextmanager
def on_the_demo_day() -> Iterator[None]:
    """Hold the clock on the demo's day (at 23:59, ticking) if the real day has moved on."""
    if timezone.localdate() == DEMO_DAY:
        yield
        return
    with freeze_time(_late_on_the_demo_day(), tick=True):
        yield
