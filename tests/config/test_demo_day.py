"""The suite's clock for tests that compare dates with the demo's (tests/demo_day.py)."""

import datetime

from django.utils import timezone
from freezegun import freeze_time

from tests.demo_day import DEMO_DAY, on_the_demo_day

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def _on(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def test_after_midnight_the_clock_is_held_late_on_the_demo_day():
    with freeze_time(_on(DEMO_DAY + datetime.timedelta(days=1), 0, 5)):
        assert timezone.localdate() == DEMO_DAY + datetime.timedelta(days=1)
        with on_the_demo_day():
            assert timezone.localdate() == DEMO_DAY
            assert timezone.localtime() >= _on(DEMO_DAY, 23, 59)
        assert timezone.localdate() == DEMO_DAY + datetime.timedelta(days=1)


def test_on_the_demo_day_the_clock_is_left_alone():
    with freeze_time(_on(DEMO_DAY, 10)), on_the_demo_day():
        assert timezone.localtime() == _on(DEMO_DAY, 10)
