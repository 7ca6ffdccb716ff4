"""Monitoring targets (监测对象): inclusion by county approval, risk elimination, the official overview.

Assessments come from the real rules (``households_reassess``) on figures set in each test;
older assessments are the same rules' output moved back in time.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from impact.models import (
    Assessment,
    Clue,
    ClueStep,
    Household,
    IncomeRecord,
    MonitoringTarget,
    Region,
    RigidExpenditure,
)
from impact.monitoring.access import Scope
from impact.monitoring.assessment import households_reassess
from impact.monitoring.clues import clue_advance
from impact.reporting import staff as reports
from tests.demo_day import DEMO_DAY

from . import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_day")]

YEAR = DEMO_DAY.year
TODAY = DEMO_DAY
# Threshold of the tests: standard 4,000.00, line 6,000.00 per person; households of two.
ABOVE = "20000.00"  # 10,000.00 each: above the line
BELOW_LINE = "10000.00"  # 5,000.00 each: above the standard, below the line


@pytest.fixture(autouse=True)
def _thresholds():
    factories.threshold(YEAR)


@pytest.fixture
def county_user():
    return factories.county_staff("tg-county", "530113")


@pytest.fixture
def other_user():
    return factories.county_staff("dc-other", "530113")


def household(*, income: str = ABOVE, kind: str = Household.Kind.EXITED, **fields) -> Household:
    made = factories.household(county_code="530113", members=2, labour=1, kind=kind, **fields)
    factories.income(made, YEAR, income)
    return made


def reassess(household: Household, *, days_ago: int = 0) -> Assessment:
    """Run the real rules for the household; move that assessment ``days_ago`` days back."""
    households_reassess(
        households=Household.objects.filter(pk=household.pk), year=YEAR, channel="periodic"
    )
    assessment = Assessment.objects.filter(household=household).latest("assessed_at", "pk")
    if days_ago:
        Assessment.objects.filter(pk=assessment.pk).update(
            assessed_at=timezone.now() - datetime.timedelta(days=days_ago)
        )
        assessment.refresh_from_db()
    return assessment


def at_township(household: Household, *, level: int | None = 4) -> Clue:
    """A clue past village notice and township review, waiting for the county."""
    return Clue.objects.create(
        household=household,
        county=household.county,
        channel="screening",
        level=level,
        stage="township",
    )


def included(household: Household, by, *, level: int | None = 4, **kwargs) -> Clue:
    """The county approves a clue of the household and help starts."""
    clue = clue_advance(
        clue=at_township(household, level=level), to_stage="approved", by=by, **kwargs
    )
    return clue_advance(clue=clue, to_stage="assisting", by=by, note="落实帮扶")


# ---------------------------------------------------------------- inclusion


def test_county_approval_includes_the_household_once_with_the_default_type(county_user):
    exited = household(kind=Household.Kind.EXITED)
    clue = clue_advance(clue=at_township(exited), to_stage="approved", by=county_user)
    target = MonitoringTarget.objects.get(household=exited)
    assert (target.type, target.included_on, target.included_by, target.clue) == (
        "unstable",
        TODAY,
        county_user,
        clue,
    )
    assert target.eliminated_on is None
    # A second clue approved while the household is a target does not include it twice.
    clue_advance(clue=at_township(exited, level=1), to_stage="approved", by=county_user)
    assert MonitoringTarget.objects.filter(household=exited).count() == 1


@pytest.mark.parametrize(
    ("kind", "level", "expected"),
    [
        (Household.Kind.EXITED, 3, "unstable"),
        (Household.Kind.MARGINAL, 4, "marginal"),
        (Household.Kind.SUDDEN_HARDSHIP, 4, "sudden"),
        (Household.Kind.ORDINARY, 3, "sudden"),  # an ordinary household at sudden risk (purple)
        (Household.Kind.ORDINARY, 4, "marginal"),
    ],
)
def test_the_default_type_follows_the_kind_and_the_clue_level(county_user, kind, level, expected):
    made = household(kind=kind)
    clue_advance(clue=at_township(made, level=level), to_stage="approved", by=county_user)
    assert MonitoringTarget.objects.get(household=made).type == expected


def test_the_county_approver_chooses_the_type(county_user):
    made = household(kind=Household.Kind.ORDINARY)
    clue_advance(clue=at_township(made), to_stage="approved", by=county_user, target_type="sudden")
    assert MonitoringTarget.objects.get(household=made).type == "sudden"


def test_an_unknown_type_is_refused_and_nothing_is_written(county_user):
    made = household()
    clue = at_township(made)
    with pytest.raises(
        ValidationError, match="请选择监测对象类型：脱贫不稳定户、边缘易致贫户、突发严重困难户"
    ):
        clue_advance(clue=clue, to_stage="approved", by=county_user, target_type="red")
    clue.refresh_from_db()
    assert clue.stage == "township"
    assert not MonitoringTarget.objects.filter(household=made).exists()
    assert not ClueStep.objects.filter(clue=clue).exists()


def test_an_unlinked_self_declaration_cannot_be_approved(county_user):
    county = Region.objects.get(code="530113")
    clue = Clue.objects.create(county=county, channel="declaration", stage="township")
    with pytest.raises(ValidationError, match="县级审定前，请先将农户申报关联到已登记的农户"):
        clue_advance(clue=clue, to_stage="approved", by=county_user)
    assert Clue.objects.get(pk=clue.pk).stage == "township"


def test_the_database_allows_one_current_target_per_household(county_user):
    made = household()
    MonitoringTarget.objects.create(household=made, type="unstable", included_on=TODAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        MonitoringTarget.objects.create(household=made, type="marginal", included_on=TODAY)
    # An eliminated record without a reason is refused as well.
    with pytest.raises(IntegrityError), transaction.atomic():
        MonitoringTarget.objects.filter(household=made).update(eliminated_on=TODAY)
    target = MonitoringTarget.objects.get(household=made)
    with pytest.raises(TypeError):
        target.delete()
    assert MonitoringTarget.objects.filter(household=made).count() == 1


# ---------------------------------------------------------------- risk elimination


def stable_household(**fields) -> Household:
    """Above the line seven months ago and now, by the rules: nothing in the way but the fields."""
    made = household(**fields)
    reassess(made, days_ago=200)
    reassess(made)
    return made


def test_a_household_whose_basic_needs_are_unmet_is_not_eliminated(county_user, other_user):
    # The bug: income above the line, but 两不愁三保障 and safe water not met (red).
    made = household(basic_needs_met=False, safe_water=False)
    reassess(made, days_ago=200)
    latest = reassess(made)
    assert latest.level == 1
    assert [hit["code"] for hit in latest.rules_fired] == ["basic_needs_unmet", "unsafe_water"]
    clue = included(made, county_user)
    with pytest.raises(ValidationError) as refused:
        clue_advance(clue=clue, to_stage="eliminated", by=other_user, note="收入稳定")
    assert refused.value.messages == [
        f"最近一次评估（{TODAY.isoformat()}）仍有预警：两不愁三保障未达标；饮水安全未保障。"
    ]
    clue.refresh_from_db()
    assert clue.stage == "assisting"
    assert MonitoringTarget.objects.get(household=made).eliminated_on is None


def test_members_unable_to_work_and_unresolved_expenditure_block_elimination(
    county_user, other_user
):
    made = household()
    reassess(made, days_ago=200)
    RigidExpenditure.objects.create(
        household=made,
        date=TODAY - datetime.timedelta(days=30),
        cause="illness",
        amount=Decimal("1000.00"),
        unable_to_work=1,
    )
    latest = reassess(made)
    # 1,000.00 of rigid expenditure leaves 9,500.00 each, above the line: only the member
    # unable to work fires (purple).
    assert [hit["code"] for hit in latest.rules_fired] == ["members_unable_to_work"]
    clue = included(made, county_user)
    with pytest.raises(ValidationError) as refused:
        clue_advance(clue=clue, to_stage="eliminated", by=other_user, note="收入稳定")
    day = (TODAY - datetime.timedelta(days=30)).isoformat()
    assert refused.value.messages == [
        f"最近一次评估（{TODAY.isoformat()}）仍有预警：1 名成员因特殊原因暂时丧失劳动能力。",
        f"刚性支出尚未解决：{day} 因病 ¥1000.00。",
    ]


def test_income_below_the_line_within_six_months_blocks_elimination(county_user, other_user):
    made = household(income=ABOVE)
    reassess(made, days_ago=200)
    IncomeRecord.objects.filter(household=made).update(wages=Decimal(BELOW_LINE))
    dip = reassess(made, days_ago=60)
    assert [hit["code"] for hit in dip.rules_fired] == ["labour_below_line"]
    IncomeRecord.objects.filter(household=made).update(wages=Decimal(ABOVE))
    reassess(made)
    clue = included(made, county_user)
    with pytest.raises(ValidationError) as refused:
        clue_advance(clue=clue, to_stage="eliminated", by=other_user, note="收入稳定")
    dip_day = timezone.localdate(dip.assessed_at).isoformat()
    assert refused.value.messages == [
        f"近 6 个月收入未持续稳定高于监测线：{dip_day} 的评估低于监测线。"
    ]


def test_without_an_assessment_six_months_old_there_is_nothing_to_start_from(
    county_user, other_user
):
    made = household()
    reassess(made, days_ago=90)
    reassess(made)
    clue = included(made, county_user)
    with pytest.raises(ValidationError, match="没有 6 个月前"):
        clue_advance(clue=clue, to_stage="eliminated", by=other_user, note="收入稳定")


def test_elimination_needs_a_reason_and_a_current_target(county_user, other_user):
    made = stable_household()
    clue = Clue.objects.create(
        household=made, county=made.county, channel="screening", stage="assisting"
    )
    with pytest.raises(ValidationError) as refused:
        clue_advance(clue=clue, to_stage="eliminated", by=other_user, note="  ")
    assert refused.value.messages == [
        f"农户 {made.code} 目前不是监测对象。",
        "请说明风险消除的理由。",
    ]


def test_risk_is_eliminated_with_who_when_and_why(county_user, other_user):
    made = stable_household()
    clue = included(made, county_user)
    clue = clue_advance(
        clue=clue, to_stage="eliminated", by=other_user, note="收入连续六个月稳定高于监测线"
    )
    assert clue.stage == "eliminated" and clue.closed_at is not None
    target = MonitoringTarget.objects.get(household=made)
    assert (target.eliminated_on, target.eliminated_by, target.elimination_reason) == (
        TODAY,
        other_user,
        "收入连续六个月稳定高于监测线",
    )
    # Included again later: a new record, the old one kept.
    clue_advance(clue=at_township(made), to_stage="approved", by=county_user)
    assert MonitoringTarget.objects.filter(household=made).count() == 2
    assert MonitoringTarget.objects.filter(household=made, eliminated_on__isnull=True).count() == 1


# ---------------------------------------------------------------- the overview


def _township(county_code: str) -> Region:
    return factories.village(county_code).parent


def test_the_overview_counts_official_targets_apart_from_machine_levels(county_user, other_user):
    dongchuan = Region.objects.get(code="530113")
    xundian = Region.objects.get(code="530129")
    # 东川区: two unstable, one marginal (one of the unstable eliminated), one sudden.
    eliminated = stable_household(kind=Household.Kind.EXITED)
    clue = included(eliminated, county_user)
    clue_advance(clue=clue, to_stage="eliminated", by=other_user, note="稳定")
    for kind in (Household.Kind.EXITED, Household.Kind.EXITED, Household.Kind.MARGINAL):
        included(household(kind=kind), county_user)
    sudden = household(kind=Household.Kind.ORDINARY)
    included(sudden, county_user, target_type="sudden")
    # One included last year: counts now, not among this year's inclusions.
    old = household(kind=Household.Kind.MARGINAL)
    MonitoringTarget.objects.create(
        household=old, type="marginal", included_on=datetime.date(YEAR - 1, 6, 1)
    )
    # 寻甸: one target. Clues in review: 东川区 one open and one overdue; dismissed and
    # approved ones never count.
    xd = factories.household(county_code="530129", kind=Household.Kind.EXITED)
    included(xd, factories.county_staff("xd-county", "530129"))
    late = timezone.now() - datetime.timedelta(days=1)
    # (At most one clue per household and channel is in review: two households in review.)
    for stage, due, whose in [
        ("open", None, household()),
        ("verified", late, household()),
        ("dismissed", late, eliminated),
        ("approved", late, eliminated),
    ]:
        fields = {"due_at": due} if due else {}
        Clue.objects.create(
            household=whose, county=dongchuan, channel="screening", stage=stage, **fields
        )

    overview = reports.report_overview(scope=Scope(None))
    assert overview.targets == {"unstable": 3, "marginal": 2, "sudden": 1}
    assert overview.targets_total == 6
    assert (overview.included, overview.eliminated) == (6, 1)
    assert (overview.clues_open, overview.clues_overdue) == (2, 1)
    rows = {row.name: row for row in overview.official_regions}
    dc, xdr = rows[dongchuan.name], rows[xundian.name]
    assert (dc.targets, dc.included, dc.eliminated) == (
        {"unstable": 2, "marginal": 2, "sudden": 1},
        5,
        1,
    )
    assert (dc.clues_open, dc.clues_overdue) == (2, 1)
    assert (xdr.targets, xdr.included, xdr.eliminated, xdr.clues_open) == (
        {"unstable": 1},
        1,
        0,
        0,
    )
    # Last year: the old inclusion only.
    last_year = reports.report_overview(
        scope=Scope(None), period=reports.period_parse(str(YEAR - 1))
    )
    assert (last_year.included, last_year.eliminated, last_year.targets_total) == (1, 0, 6)
    # 东川区's staff, drilled into the county: its township holds every 东川区 figure.
    drilled = reports.report_overview(scope=Scope([dongchuan.pk]), region=dongchuan)
    township = _township("530113")
    by_township = {row.region_id: row for row in drilled.official_regions}
    assert by_township[township.pk].targets == {"unstable": 2, "marginal": 2, "sudden": 1}
    assert drilled.targets_total == 5
    # The eliminated household is screened green: the machine count knows nothing of targets.
    assert drilled.in_warning == 0


def _queries(function) -> int:
    with CaptureQueriesContext(connection) as context:
        function()
    return len(context.captured_queries)


def test_the_overview_costs_the_same_queries_with_more_targets_and_clues(county_user):
    dongchuan = Region.objects.get(code="530113")
    included(household(), county_user)
    scope = Scope(None)
    few = (
        _queries(lambda: reports.report_overview(scope=scope)),
        _queries(lambda: reports.report_overview(scope=scope, region=dongchuan)),
    )
    # Each county's own staff approve its clues (the review is done within one's area).
    approvers = {"530113": county_user}
    for code in ("530128", "530129"):
        approvers[code] = factories.county_staff(f"tg-{code}", code)
    for county in ("530113", "530128", "530129", "530113"):
        made = factories.household(county_code=county, kind=Household.Kind.MARGINAL)
        factories.income(made, YEAR, BELOW_LINE)
        included(made, approvers[county])
        Clue.objects.create(household=made, county=made.county, channel="screening")
    many = (
        _queries(lambda: reports.report_overview(scope=scope)),
        _queries(lambda: reports.report_overview(scope=scope, region=dongchuan)),
    )
    assert few == many == (10, 10)


# ---------------------------------------------------------------- pages


def test_the_overview_page_puts_machine_levels_under_their_own_heading(client, county_user):
    included(household(kind=Household.Kind.MARGINAL), county_user)
    client.force_login(county_user)
    page = client.get("/cms/impact/reports/")
    body = page.content.decode()
    assert page.status_code == 200
    assert 'id="fig-targets">1<' in body
    assert "自动筛查（系统预警级别，非认定结果）" in body
    official_heading = body.index(">监测对象（经县级审定认定）</h2>")
    assert official_heading < body.index(">自动筛查（系统预警级别，非认定结果）</h2>")
    titles = [table.title for table in page.context["tables"]]
    assert titles[4] == "自动筛查：当前各预警级别户数"
    assert titles[5].startswith("自动筛查：按") and titles[5].endswith("和预警级别统计户数")
    assert titles[6] == "自动筛查：逐月各预警级别户数"
    assert all(not title.startswith("自动筛查") for title in titles[:4])
    export = client.get("/cms/impact/reports/", {"format": "csv"}).content.decode("utf-8-sig")
    assert "自动筛查：当前各预警级别户数" in export
    assert "边缘易致贫户,1" in export


def test_the_household_page_shows_the_official_status_apart_from_the_level(
    client, county_user, other_user
):
    made = stable_household()
    clue = included(made, county_user)
    clue_advance(clue=clue, to_stage="eliminated", by=other_user, note="收入稳定，风险消除")
    client.force_login(county_user)
    body = client.get(f"/cms/impact/households/{made.pk}/").content.decode()
    section = body[body.index('id="official-status"') : body.index('id="assessments"')]
    assert "脱贫不稳定户" in section
    assert TODAY.isoformat() in section
    assert "tg-county" in section and "dc-other" in section
    assert "收入稳定，风险消除" in section
    assert "系统筛查级别（自动，非认定结果）" in body
