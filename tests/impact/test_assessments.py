"""Assessments stored from the rule engine, clues opened, the periodic evaluation."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from impact.models import Assessment, Clue, Household, IncomeRecord, RigidExpenditure
from impact.monitoring.assessment import households_reassess

from . import factories

pytestmark = pytest.mark.django_db

YEAR = 2026
AS_OF = datetime.date(2026, 11, 28)


@pytest.fixture(autouse=True)
def thresholds():
    return factories.threshold(YEAR, "4000.00")  # line 6000.00


def reassess(*households: Household, channel: str = "screening"):
    return households_reassess(
        households=Household.objects.filter(pk__in=[h.pk for h in households]),
        year=YEAR,
        channel=channel,
        as_of=AS_OF,
    )


def test_a_household_below_the_line_with_labour_is_yellow_with_its_figures():
    household = factories.household(members=2, labour=1)
    factories.income(household, YEAR, "11999.99")
    report = reassess(household)
    assessment = Assessment.objects.get(household=household)
    assert report.assessed == 1
    assert assessment.level == 4
    assert assessment.per_capita == Decimal("5999.99")  # 5999.995, below: rounded down
    assert assessment.figures["line"] == "6000.00"
    assert [hit["code"] for hit in assessment.rules_fired] == ["labour_below_line"]
    household.refresh_from_db()
    assert household.current_level == 4
    assert household.current_assessment == assessment


def test_exactly_on_the_line_is_green_and_opens_no_clue():
    household = factories.household(members=2, labour=1)
    factories.income(household, YEAR, "12000.00")
    reassess(household)
    assert Assessment.objects.get(household=household).level == 5
    assert not Clue.objects.filter(household=household).exists()


def test_a_new_warning_opens_one_clue_due_in_15_days_and_a_repeat_does_not_open_another():
    household = factories.household(members=3, labour=0)
    factories.income(household, YEAR, "9000.00")  # 3000 per head: below the standard
    reassess(household)
    clue = Clue.objects.get(household=household)
    assert clue.level == 1
    assert clue.stage == "open"
    assert clue.due_at - clue.opened_at == datetime.timedelta(days=15)
    assert clue.county.code == "530113"
    reassess(household)
    assert Clue.objects.filter(household=household).count() == 1
    assert Assessment.objects.filter(household=household).count() == 2


def test_only_unresolved_special_cause_expenditure_in_the_last_12_months_counts():
    household = factories.household(members=2, labour=2)
    factories.income(household, YEAR, "20000.00")  # 10000 per head
    for date, cause, amount, resolved in [
        (datetime.date(2025, 11, 28), "illness", "7000.00", False),  # 366 days before: out
        (datetime.date(2026, 3, 1), "other", "7000.00", False),  # not a special cause
        (datetime.date(2026, 4, 1), "disaster", "7000.00", True),  # resolved
        (datetime.date(2026, 12, 1), "illness", "7000.00", False),  # after the assessment date
    ]:
        RigidExpenditure.objects.create(
            household=household, date=date, cause=cause, amount=Decimal(amount), resolved=resolved
        )
    reassess(household)
    assert Assessment.objects.get(household=household).level == 5
    RigidExpenditure.objects.create(
        household=household,
        date=datetime.date(2026, 6, 1),
        cause="illness",
        amount=Decimal("8000.01"),
    )
    reassess(household)
    latest = Assessment.objects.filter(household=household).first()
    assert latest.level == 3
    assert latest.figures["rigid"] == "8000.01"


def test_households_without_income_records_are_skipped_and_counted():
    with_income = factories.household()
    without = factories.household()
    factories.income(with_income, YEAR, "50000.00")
    report = reassess(with_income, without)
    assert (report.assessed, report.skipped) == (1, 1)
    assert not Assessment.objects.filter(household=without).exists()


def test_reassess_command_runs_every_household_and_reports_levels():
    low = factories.household(members=1, labour=1)
    factories.income(low, YEAR, "5000.00")  # yellow
    without_income = factories.household()
    with_income = IncomeRecord.objects.filter(year=YEAR).count()
    out = StringIO()
    call_command("impact_reassess", "--all", "--year", str(YEAR), stdout=out)
    assert out.getvalue().startswith(f"{YEAR} 年度评估完成：{with_income} 户（")
    assert "无收入记录未评估 1 户" in out.getvalue()
    latest = Assessment.objects.filter(household=low).get()
    assert (latest.channel, latest.level) == ("periodic", 4)
    assert not Assessment.objects.filter(household=without_income).exists()
    assert (
        Assessment.objects.filter(channel="periodic", assessed_at=latest.assessed_at).count()
        == with_income
    )


def test_reassess_command_for_one_household_and_unknown_codes():
    household = factories.household(code="T-ONE")
    factories.income(household, YEAR, "5000.00")
    call_command("impact_reassess", "--household", "T-ONE", "--year", str(YEAR), stdout=StringIO())
    assert Assessment.objects.get(household=household).channel == "screening"
    with pytest.raises(CommandError, match="没有户编号为 NOPE"):
        call_command("impact_reassess", "--household", "NOPE", stdout=StringIO())


def test_reassess_without_thresholds_for_the_year_says_so():
    with pytest.raises(CommandError, match="2030"):
        call_command("impact_reassess", "--all", "--year", "2030", stdout=StringIO())


def test_an_edit_queues_screening_on_commit(django_capture_on_commit_callbacks):
    from django.utils import timezone

    from impact.monitoring.households import households_data_changed

    factories.threshold(timezone.localdate().year, "4000.00")
    household = factories.household(members=1, labour=1)
    factories.income(household, timezone.localdate().year, "5000.00")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        households_data_changed(household_ids=[household.pk])
    # the screening, then the targeting refresh its re-assessment queues (impact.targeting)
    assert [callback.__qualname__ for callback in callbacks] == [
        "reassess_on_change.<locals>.queue",
        "_queue.<locals>.queue",
    ]
    assessment = Assessment.objects.get(household=household)
    assert (assessment.channel, assessment.level) == ("screening", 4)
