"""Warning figures from paid-out income, and sales credit only where payouts made the difference.

The income rule (DESIGN.md, "Warning levels"; README, "Monitoring"): for year Y,
income = the recorded survey income + max(0, the payouts paid in Y that are not
reversed and not disputed − what the record says it already includes).
Expected figures are worked out by hand in the comments, from that rule.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from impact.ledger.credit import platform_income_changed
from impact.models import Assessment, Household, IncomeRecord, Payout, SalesLevelChange, Threshold
from impact.monitoring.access import Scope
from impact.monitoring.assessment import household_figures, households_reassess
from impact.monitoring.forms import IncomeForm
from impact.monitoring.households import income_record_save
from impact.monitoring.imports import impact_import
from impact.reporting.public import public_figures, public_figures_cached
from impact.reporting.staff import households_above_line_by_platform
from producers.models import Producer
from tests.producers.factories import staff_user

from . import factories
from .paying_out import payout_add, payout_dispute, payout_reverse

pytestmark = pytest.mark.django_db

D = Decimal
YEAR = timezone.localdate().year


@pytest.fixture(autouse=True)
def thresholds():
    return factories.threshold(YEAR, "4000.00")  # line 1.5 × 4,000.00 = 6,000.00 a head


@pytest.fixture
def producer():
    return Producer.objects.order_by("pk").first()


@pytest.fixture
def staff():
    return staff_user()


def yellow_pair(recorded: str = "11900.00", included: str = "0.00") -> Household:
    """Two members, one able to work: 6,000.00 a head is the line (12,000.00 for the household)."""
    household = factories.household(members=2, labour=1)
    IncomeRecord.objects.create(
        household=household, year=YEAR, wages=D(recorded), platform_included=D(included)
    )
    return household


def payout(household, producer, staff, amount: str, *, paid_on=None, **fields) -> Payout:
    return Payout.objects.create(
        producer=producer,
        household=household,
        amount=D(amount),
        paid_on=paid_on or datetime.date(YEAR, 3, 1),
        method=Payout.Method.CASH,
        recorded_by=staff,
        **fields,
    )


def assessed(household: Household) -> Assessment:
    households_reassess(
        households=Household.objects.filter(pk=household.pk), year=YEAR, channel="screening"
    )
    return Household.objects.get(pk=household.pk).current_assessment


# ---------------------------------------------------------------- the income rule at its boundaries


def test_payouts_that_bring_the_household_exactly_onto_the_line_make_it_green(producer, staff):
    household = yellow_pair("11900.00")
    payout(household, producer, staff, "60.00")
    payout(household, producer, staff, "40.00")
    # 11,900.00 + 100.00 = 12,000.00: 6,000.00 a head, on the line, not below it.
    assessment = assessed(household)
    assert (assessment.level, assessment.per_capita, assessment.platform_income) == (
        5,
        D("6000.00"),
        D("100.00"),
    )
    assert assessment.figures["platform_payouts"] == "100.00"
    assert assessment.figures["platform_included"] == "0.00"
    assert assessment.figures["platform_income"] == "100.00"
    assert assessment.figures["income"] == "12000.00"
    # Without the payouts: 5,950.00 a head, yellow; kept with the assessment and the status.
    assert assessment.figures["level_without_platform"] == "4"
    assert Household.objects.get(pk=household.pk).status.level_without == 4


def test_one_fen_less_of_payouts_leaves_it_yellow(producer, staff):
    household = yellow_pair("11900.00")
    payout(household, producer, staff, "99.99")
    # 11,999.99 / 2 = 5,999.995 a head: below the line, so the figure shown and stored is
    # rounded down (DESIGN: a figure beside "低于" never contradicts it).
    assessment = assessed(household)
    assert (assessment.level, assessment.per_capita) == (4, D("5999.99"))
    assert Household.objects.get(pk=household.pk).status.level_without == 4


@pytest.mark.parametrize(
    ("included", "counted", "level"),
    [
        ("100.00", "0.00", 4),  # the record already holds all of them: nothing added
        ("40.00", "60.00", 4),  # 11,900.00 + 60.00 = 11,960.00: 5,980.00 a head
        ("0.00", "100.00", 5),  # 12,000.00: on the line
    ],
)
def test_payouts_already_in_the_record_are_not_counted_twice(
    producer, staff, included, counted, level
):
    household = yellow_pair("11900.00", included=included)
    payout(household, producer, staff, "100.00")
    assessment = assessed(household)
    assert (assessment.platform_income, assessment.level) == (D(counted), level)


def test_a_record_that_says_it_holds_more_payouts_than_were_made_adds_nothing_and_takes_nothing(
    producer, staff
):
    household = yellow_pair("12000.00", included="150.00")
    payout(household, producer, staff, "100.00")
    # max(0, 100.00 − 150.00) = 0: the recorded 12,000.00 stands, 6,000.00 a head, green.
    assessment = assessed(household)
    assert (assessment.platform_income, assessment.per_capita, assessment.level) == (
        D("0.00"),
        D("6000.00"),
        5,
    )


def test_disputed_reversed_and_other_years_payouts_do_not_count(producer, staff):
    household = yellow_pair("11900.00")
    payout(household, producer, staff, "100.00", verification=Payout.Verification.DISPUTED)
    payout(household, producer, staff, "100.00", reversed_at=timezone.now(), reversed_by=staff)
    payout(household, producer, staff, "100.00", paid_on=datetime.date(YEAR - 1, 12, 31))
    payout(household, producer, staff, "100.00", paid_on=datetime.date(YEAR + 1, 1, 1))
    payout(household, producer, staff, "0.01", verification=Payout.Verification.NOT_REACHED)
    payout(household, producer, staff, "0.02", verification=Payout.Verification.CONFIRMED)
    # Only the last two count: not followed up yet, or confirmed. 11,900.03: still yellow.
    assessment = assessed(household)
    assert (assessment.platform_income, assessment.level) == (D("0.03"), 4)
    figures = household_figures(household=household, year=YEAR, as_of=timezone.localdate())
    assert figures.income == D("11900.03")


def test_due_amounts_never_count(producer, staff):
    household = yellow_pair("11900.00")
    # No payout: whatever the ledger says is due, the figures hold the survey income only.
    assessment = assessed(household)
    assert (assessment.platform_income, assessment.level) == (D("0.00"), 4)


# ---------------------------------------------------------------- credit where payouts made it


def test_a_payout_over_the_line_is_credited_and_its_reversal_takes_the_credit_back(producer, staff):
    household = yellow_pair("11900.00")
    assessed(household)
    assert households_above_line_by_platform(scope=Scope(None)) == 0

    lift = payout_add(household=household, producer=producer, amount=D("100.00"), by=staff)
    (up,) = SalesLevelChange.objects.filter(household=household)
    assert (up.level_before, up.level_after, up.level_without, up.improved) == (4, 5, 4, True)
    assert (up.platform_before, up.platform_after, up.year) == (D("0.00"), D("100.00"), YEAR)
    assert list(up.payouts.all()) == [lift]
    assert households_above_line_by_platform(scope=Scope(None)) == 1

    payout_reverse(lift, by=staff)
    down = SalesLevelChange.objects.filter(household=household).order_by("pk").last()
    assert down != up
    assert (down.level_before, down.level_after, down.level_without, down.improved) == (
        5,
        4,
        4,
        False,
    )
    assert (down.platform_before, down.platform_after) == (D("100.00"), D("0.00"))
    assert list(down.payouts.all()) == [lift]
    # The current count falls with it.
    assert households_above_line_by_platform(scope=Scope(None)) == 0


def test_a_disputed_payout_takes_the_household_back_and_the_count_falls(producer, staff):
    household = yellow_pair("11900.00")
    assessed(household)
    lift = payout_add(household=household, producer=producer, amount=D("150.00"), by=staff)
    assert households_above_line_by_platform(scope=Scope(None)) == 1
    payout_dispute(lift)
    assert Household.objects.get(pk=household.pk).current_level == 4
    assert households_above_line_by_platform(scope=Scope(None)) == 0
    assert [(c.level_before, c.level_after) for c in SalesLevelChange.objects.order_by("pk")] == [
        (4, 5),
        (5, 4),
    ]


def test_lowering_the_standard_then_paying_out_gives_no_credit_when_already_above_without(
    producer, staff
):
    # 7,000.00 for two: 3,500.00 a head, below the 4,000.00 standard: red.
    household = yellow_pair("7000.00")
    assert assessed(household).level == 1
    # The year's standard is lowered to 3,000.00 (line 4,500.00); nobody is re-assessed yet.
    Threshold.objects.filter(year=YEAR).update(national_standard=D("3000.00"))
    # A payout of ¥3.18: 3,501.59 a head, yellow; without it, 3,500.00 a head: yellow too.
    payout_add(household=household, producer=producer, amount=D("3.18"), by=staff)
    moved = Household.objects.get(pk=household.pk)
    assert (moved.current_level, moved.status.level_without) == (4, 4)
    assert not SalesLevelChange.objects.exists()


def test_threshold_edits_never_produce_credit_even_where_payouts_matter(producer, staff):
    household = yellow_pair("11900.00")
    payout_add(household=household, producer=producer, amount=D("50.00"), by=staff)
    assert Household.objects.get(pk=household.pk).current_level == 4  # 5,975.00 a head
    assert not SalesLevelChange.objects.exists()
    # The standard falls to 3,980.00 (line 5,970.00): with the payouts green, without them yellow.
    Threshold.objects.filter(year=YEAR).update(national_standard=D("3980.00"))
    households_reassess(
        households=Household.objects.filter(pk=household.pk), year=YEAR, channel="periodic"
    )
    status = Household.objects.get(pk=household.pk).status
    assert (status.level, status.level_without) == (5, 4)
    assert not SalesLevelChange.objects.exists()
    # It is counted now, as payouts make the difference now; but nothing was credited.
    assert households_above_line_by_platform(scope=Scope(None)) == 1


def test_a_payout_that_only_adds_to_what_the_record_already_holds_changes_nothing(producer, staff):
    household = yellow_pair("11900.00", included="500.00")
    assessed(household)
    payout_add(household=household, producer=producer, amount=D("300.00"), by=staff)
    # max(0, 300.00 − 500.00) = 0: yellow, no credit.
    assert Household.objects.get(pk=household.pk).current_level == 4
    assert not SalesLevelChange.objects.exists()


def test_a_payout_dated_in_another_year_leaves_the_current_level_alone(producer, staff):
    household = yellow_pair("11900.00")
    assessed(household)
    before = Household.objects.get(pk=household.pk).status.assessment_id
    payout_add(
        household=household,
        producer=producer,
        amount=D("500.00"),
        by=staff,
        paid_on=datetime.date(YEAR - 1, 6, 1),
    )
    assert Household.objects.get(pk=household.pk).status.assessment_id == before
    assert not SalesLevelChange.objects.exists()


def test_platform_income_changed_without_thresholds_writes_nothing_and_says_so(
    producer, staff, caplog
):
    household = yellow_pair("11900.00")
    Threshold.objects.filter(year=YEAR).delete()
    assert platform_income_changed(household_ids=[household.pk], years=[YEAR]) == 0
    assert not Assessment.objects.filter(household=household).exists()
    assert "no thresholds" in caplog.text


def test_the_public_and_staff_figures_show_the_current_count(producer, staff):
    households = [yellow_pair("11900.00") for _ in range(3)]
    for household in households:
        payout_add(household=household, producer=producer, amount=D("100.00"), by=staff)
    # First assessed with the payouts: nobody was credited, but all three stand green thanks to them.
    assert public_figures().above_line_now == 3
    lift = Payout.objects.get(household=households[0])
    payout_reverse(lift, by=staff)
    assert public_figures_cached().above_line_now == 2


# ---------------------------------------------------------------- recording what a record holds


def test_the_income_form_refuses_more_platform_payouts_than_the_total():
    form = IncomeForm(
        data={
            "year": YEAR,
            "wages": "1000.00",
            "operating": "0",
            "property_income": "0",
            "transfers": "0",
            "platform_included": "1000.01",
        }
    )
    assert not form.is_valid()
    assert form.errors["platform_included"] == [
        "其中平台兑付收入不能超过该年度收入合计（1000.00 元）。"
    ]


def test_the_income_service_refuses_it_and_writes_nothing():
    household = factories.household()
    with pytest.raises(ValidationError) as refused:
        income_record_save(
            household=household,
            year=YEAR,
            wages=D("500.00"),
            operating=D("0"),
            property_income=D("0"),
            transfers=D("0"),
            platform_included=D("500.01"),
        )
    assert "platform_included" in refused.value.message_dict
    assert not IncomeRecord.objects.filter(household=household).exists()
    record = income_record_save(
        household=household,
        year=YEAR,
        wages=D("500.00"),
        operating=D("0"),
        property_income=D("0"),
        transfers=D("0"),
        platform_included=D("500.00"),
    )
    assert record.platform_included == D("500.00")


HEADER = "户编号,年度,工资性收入,经营性收入,财产性收入,转移性收入"


def _csv(tmp_path, text: str):
    path = tmp_path / "incomes.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_incomes_import_reads_the_platform_payouts_column(tmp_path):
    one, two = factories.household(), factories.household()
    path = _csv(
        tmp_path,
        f"{HEADER},其中平台兑付收入\n"
        f"{one.code},{YEAR},1000.00,200.00,0,0,150.50\n"
        f"{two.code},{YEAR},1000.00,0,0,0,\n",
    )
    result = impact_import(kind="incomes", path=path)
    assert not result.errors
    assert IncomeRecord.objects.get(household=one).platform_included == D("150.50")
    assert IncomeRecord.objects.get(household=two).platform_included == D("0.00")


def test_an_import_row_with_more_platform_payouts_than_its_total_writes_nothing(tmp_path):
    one, two = factories.household(), factories.household()
    path = _csv(
        tmp_path,
        f"{HEADER},其中平台兑付收入\n"
        f"{one.code},{YEAR},100.00,0,0,0,50.00\n"
        f"{two.code},{YEAR},100.00,0,0,0.50,100.51\n",
    )
    result = impact_import(kind="incomes", path=path)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "其中平台兑付收入", "其中平台兑付收入 100.51 元超过本行收入合计 100.50 元")
    ]
    assert not IncomeRecord.objects.filter(household__in=[one, two]).exists()


def test_a_file_without_the_column_keeps_what_the_record_holds_and_checks_it(tmp_path):
    household = factories.household()
    IncomeRecord.objects.create(
        household=household, year=YEAR, wages=D("1000.00"), platform_included=D("300.00")
    )
    fine = impact_import(
        kind="incomes", path=_csv(tmp_path, f"{HEADER}\n{household.code},{YEAR},900,0,0,0\n")
    )
    assert not fine.errors
    record = IncomeRecord.objects.get(household=household)
    assert (record.wages, record.platform_included) == (D("900.00"), D("300.00"))

    short = impact_import(
        kind="incomes", path=_csv(tmp_path, f"{HEADER}\n{household.code},{YEAR},200,0,0,0\n")
    )
    assert [(e.row, e.column) for e in short.errors] == [(2, "年度")]
    assert "已记录其中平台兑付收入 300.00 元，超过本行收入合计 200.00 元" in short.errors[0].message
    assert IncomeRecord.objects.get(household=household).wages == D("900.00")
