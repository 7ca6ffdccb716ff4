"""The monitoring back office in /cms/: county scoping, masking, reveal, review, measures."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from impact.models import (
    Assessment,
    AuditEvent,
    Clue,
    ClueStep,
    HelpMeasure,
    Household,
    IncomeRecord,
    MonitoringSettings,
    RigidExpenditure,
    StaffScope,
    Threshold,
)
from impact.monitoring.assessment import households_reassess
from impact.monitoring.clues import clue_advance

from . import factories

pytestmark = pytest.mark.django_db


def staff(
    username: str, county_code: str | None, *, reveal: bool = False, change: bool = False
) -> AbstractBaseUser:
    wanted = {"reveal_personal_data": reveal, "change_household": change}
    return factories.county_staff(
        username, county_code, permissions=[codename for codename, on in wanted.items() if on]
    )


@pytest.fixture
def two_counties():
    dongchuan = factories.household(county_code="530113", code="DC-1")
    xundian = factories.household(county_code="530129", code="XD-1")
    return dongchuan, xundian


def test_county_staff_list_only_their_own_county(client, two_counties):
    client.force_login(staff("dc", "530113"))
    response = client.get("/cms/impact/households/")
    assert response.status_code == 200
    codes = {household.code for household in response.context["page"]}
    assert "DC-1" in codes and "XD-1" not in codes
    assert all(code.startswith(("530113", "T-530113", "DC-")) for code in codes)


def test_city_staff_see_every_county(client, two_counties):
    client.force_login(staff("city", None))
    response = client.post("/cms/impact/households/", {"q": "-1"}, follow=True)
    codes = {household.code for household in response.context["page"]}
    assert {"DC-1", "XD-1"} <= codes


def test_opening_another_countys_household_is_403_and_logged(client, two_counties):
    dongchuan, xundian = two_counties
    user = staff("dc", "530113")
    client.force_login(user)
    assert client.get(f"/cms/impact/households/{dongchuan.pk}/").status_code == 200
    response = client.get(f"/cms/impact/households/{xundian.pk}/")
    assert response.status_code == 403
    event = AuditEvent.objects.get(kind="denied")
    assert (event.user, event.household) == (user, xundian)


def test_search_by_exact_id_number_finds_the_household_and_pages_show_it_masked(
    client, two_counties
):
    dongchuan, _ = two_counties
    client.force_login(staff("dc", "530113"))
    posted = client.post("/cms/impact/households/", {"q": dongchuan.id_number})
    listed = client.get(posted["Location"])  # one household found: its own page
    assert listed.status_code == 302
    assert listed["Location"] == f"/cms/impact/households/{dongchuan.pk}/"
    response = client.get(posted["Location"])  # the same search again: the list of one
    assert [h.code for h in response.context["page"]] == ["DC-1"]
    html = response.content.decode()
    assert dongchuan.id_number not in html
    assert dongchuan.id_number_masked in html
    detail = client.get(f"/cms/impact/households/{dongchuan.pk}/").content.decode()
    assert dongchuan.id_number not in detail
    assert dongchuan.head_name not in detail


def test_reveal_needs_the_permission(client, two_counties):
    dongchuan, _ = two_counties
    client.force_login(staff("dc", "530113"))
    response = client.post(f"/cms/impact/households/{dongchuan.pk}/reveal/", {"reason": "入户核实"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(kind="reveal").exists()


def test_reveal_shows_the_number_once_and_logs_who_when_and_why(client, two_counties):
    dongchuan, _ = two_counties
    user = staff("dc", "530113", reveal=True)
    client.force_login(user)
    refused = client.post(f"/cms/impact/households/{dongchuan.pk}/reveal/", {"reason": ""})
    assert dongchuan.id_number not in refused.content.decode()
    assert not AuditEvent.objects.filter(kind="reveal").exists()
    response = client.post(
        f"/cms/impact/households/{dongchuan.pk}/reveal/", {"reason": "入户核实身份"}
    )
    assert dongchuan.id_number in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(kind="reveal")
    assert (event.user, event.household, event.reason) == (user, dongchuan, "入户核实身份")
    assert timezone.now() - event.at < datetime.timedelta(minutes=1)
    # the next ordinary view is masked again
    assert (
        dongchuan.id_number
        not in client.get(f"/cms/impact/households/{dongchuan.pk}/").content.decode()
    )


def test_revealing_outside_ones_county_is_refused(client, two_counties):
    _, xundian = two_counties
    client.force_login(staff("dc", "530113", reveal=True))
    response = client.post(f"/cms/impact/households/{xundian.pk}/reveal/", {"reason": "看看"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(kind="reveal").exists()


def test_level_filter_and_overdue_filter(client, two_counties):
    dongchuan, _ = two_counties
    year = timezone.localdate().year
    factories.threshold(year)
    factories.income(dongchuan, year, "1000.00")  # red
    households_reassess(
        households=type(dongchuan).objects.filter(pk=dongchuan.pk), year=year, channel="screening"
    )
    client.force_login(staff("dc", "530113"))
    red = client.get("/cms/impact/households/", {"level": "1"})
    assert [h.code for h in red.context["page"]] == ["DC-1"]
    assert (
        client.get("/cms/impact/households/", {"overdue": "1"}).context["page"].paginator.count == 0
    )
    clue = Clue.objects.get(household=dongchuan)
    assert clue.due_at - clue.opened_at == datetime.timedelta(days=15)
    # sixteen days on, the clue is still unverified
    Clue.objects.filter(pk=clue.pk).update(
        opened_at=clue.opened_at - datetime.timedelta(days=16),
        due_at=clue.due_at - datetime.timedelta(days=16),
    )
    overdue = client.get("/cms/impact/households/", {"overdue": "1"})
    assert [h.code for h in overdue.context["page"]] == ["DC-1"]
    assert Clue.objects.get(household=dongchuan).overdue


def reviewers_of(household: Household) -> tuple[AbstractBaseUser, ...]:
    """Village, township and county reviewers of the household's area."""
    users = []
    for name, region in (
        ("cun", household.region),
        ("zhen", household.region.parent),
        ("qu", household.county),
    ):
        user = staff(name, None)
        StaffScope.objects.filter(user=user).update(region=region, county=household.county)
        users.append(user)
    return tuple(users)


def test_the_staged_review_with_a_five_day_notice(two_counties):
    dongchuan, _ = two_counties
    village, township, county = reviewers_of(dongchuan)
    clue = Clue.objects.create(
        household=dongchuan,
        county=dongchuan.county,
        channel="screening",
        level=4,
        opened_at=timezone.make_aware(datetime.datetime(2026, 10, 30, 9)),
    )
    clue = clue_advance(clue=clue, to_stage="verified", by=village, note="入户走访")
    with pytest.raises(ValidationError, match="公示开始日期"):
        clue_advance(clue=clue, to_stage="notice", by=village)
    posted = datetime.date(2026, 11, 1)
    clue = clue_advance(clue=clue, to_stage="notice", by=village, notice_from=posted, today=posted)
    assert clue.notice_to == datetime.date(2026, 11, 6)
    with pytest.raises(ValidationError, match="不少于 5 天"):
        clue_advance(clue=clue, to_stage="township", by=township, today=datetime.date(2026, 11, 5))
    clue = clue_advance(
        clue=clue, to_stage="township", by=township, today=datetime.date(2026, 11, 6)
    )
    clue = clue_advance(clue=clue, to_stage="approved", by=county)
    with pytest.raises(ValidationError, match="不能转到"):
        clue_advance(clue=clue, to_stage="notice", by=village)
    assert [step.stage for step in ClueStep.objects.filter(clue=clue)] == [
        "verified",
        "notice",
        "township",
        "approved",
    ]


def test_dismissing_a_clue_needs_a_reason_and_the_view_shows_the_error(client, two_counties):
    dongchuan, _ = two_counties
    village, _township, _county = reviewers_of(dongchuan)
    client.force_login(village)
    clue = Clue.objects.create(
        household=dongchuan, county=dongchuan.county, channel="screening", level=4
    )
    response = client.post(
        f"/cms/impact/clues/{clue.pk}/advance/", {"stage": "dismissed"}, follow=True
    )
    assert "请说明未认定的原因" in response.content.decode()
    clue.refresh_from_db()
    assert clue.stage == "open"


def test_clues_of_another_county_cannot_be_advanced(client, two_counties):
    _, xundian = two_counties
    client.force_login(staff("dc", "530113"))
    clue = Clue.objects.create(
        household=xundian, county=xundian.county, channel="screening", level=4
    )
    response = client.post(f"/cms/impact/clues/{clue.pk}/advance/", {"stage": "verified"})
    assert response.status_code == 403
    clue.refresh_from_db()
    assert clue.stage == "open"


def test_review_queue_shows_only_own_county(client, two_counties):
    dongchuan, _ = two_counties
    for household in two_counties:
        Clue.objects.create(
            household=household, county=household.county, channel="screening", level=4
        )
    client.force_login(staff("dc", "530113"))
    response = client.get("/cms/impact/clues/")
    assert [clue.household for clue in response.context["page"]] == [dongchuan]


def test_recording_a_help_measure_and_refusing_one_that_ends_before_it_starts(client, two_counties):
    dongchuan, _ = two_counties
    client.force_login(staff("dc", "530113"))
    bad = client.post(
        f"/cms/impact/households/{dongchuan.pk}/measures/",
        {
            "mode": "引",
            "description": "技能培训",
            "cadre": "帮扶干部甲",
            "started": "2026-11-10",
            "ended": "2026-11-01",
        },
    )
    assert bad.status_code == 400
    assert HelpMeasure.objects.count() == 0
    good = client.post(
        f"/cms/impact/households/{dongchuan.pk}/measures/",
        {
            "mode": "引",
            "description": "技能培训",
            "cadre": "帮扶干部甲",
            "started": "2026-11-01",
            "outcome": "",
        },
    )
    assert good.status_code == 302
    measure = HelpMeasure.objects.get()
    assert (measure.household, measure.mode, measure.started) == (
        dongchuan,
        "引",
        datetime.date(2026, 11, 1),
    )


def test_thresholds_are_editable_in_the_back_office(client):
    admin = get_user_model().objects.get(username="admin")
    client.force_login(admin)
    response = client.post(
        "/cms/impact_thresholds/new/",
        {"year": "2031", "national_standard": "4500.00", "multiplier": "1.60"},
    )
    assert response.status_code == 302
    assert Threshold.objects.get(year=2031).line == Decimal("7200.0000")


def test_export_from_the_back_office_holds_only_the_staff_members_county(client, two_counties):
    client.force_login(staff("dc", "530113"))
    response = client.get("/cms/impact/export/warnings.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="warnings-')
    text = response.content.decode("utf-8-sig")
    codes = [line.split(",")[0] for line in text.splitlines()[1:]]
    assert "DC-1" in codes and "XD-1" not in codes
    assert all(line.split(",")[1] == "530113" for line in text.splitlines()[1:])
    for household in two_counties:
        assert household.id_number not in text


def test_import_in_the_back_office_reports_bad_rows_and_writes_nothing(client, two_counties):
    client.force_login(get_user_model().objects.get(username="admin"))
    bad = "年度,国家扶贫标准,监测倍数\n2040,4600.00,1.5\n2041,abc,1.5\n".encode()
    response = client.post(
        "/cms/impact/import/",
        {"kind": "thresholds", "file": SimpleUploadedFile("t.csv", bad, "text/csv")},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "国家扶贫标准" in html and ">3<" in html
    assert not Threshold.objects.filter(year__in=[2040, 2041]).exists()
    good = "年度,国家扶贫标准,监测倍数\n2040,4600.00,1.5\n".encode()
    response = client.post(
        "/cms/impact/import/",
        {"kind": "thresholds", "file": SimpleUploadedFile("t.csv", good, "text/csv")},
    )
    assert response.status_code == 200
    assert Threshold.objects.get(year=2040).national_standard == Decimal("4600.00")


def test_import_refuses_other_files_and_staff_without_permission(client):
    client.force_login(staff("dc", "530113"))
    assert client.get("/cms/impact/import/").status_code == 403
    client.force_login(get_user_model().objects.get(username="admin"))
    response = client.post(
        "/cms/impact/import/",
        {"kind": "thresholds", "file": SimpleUploadedFile("t.pdf", b"%PDF", "application/pdf")},
    )
    assert response.status_code == 400
    assert "csv" in response.content.decode().lower()


def test_editing_a_household_checks_it_and_screens_it_again(
    client, two_counties, django_capture_on_commit_callbacks
):
    dongchuan, _ = two_counties
    factories.threshold(timezone.localdate().year)
    factories.income(dongchuan, timezone.localdate().year, "9000.00")  # 4500 a head for 2
    client.force_login(staff("dc", "530113", change=True))
    facts = {
        "members": "2",
        "labour": "3",
        "kind": "exited",
        "basic_needs_met": "on",
        "safe_water": "on",
    }
    bad = client.post(f"/cms/impact/households/{dongchuan.pk}/edit/", facts)
    assert bad.status_code == 400
    assert "不能超过" in bad.content.decode()
    dongchuan.refresh_from_db()
    assert dongchuan.labour == 1
    with django_capture_on_commit_callbacks(execute=True):
        good = client.post(
            f"/cms/impact/households/{dongchuan.pk}/edit/", {**facts, "members": "3"}
        )
    assert good.status_code == 302
    dongchuan.refresh_from_db()
    assert (dongchuan.members, dongchuan.labour) == (3, 3)
    assessment = Assessment.objects.get(household=dongchuan)  # 3000 a head: below the standard
    assert (assessment.channel, assessment.level) == ("screening", 1)


def test_recording_income_and_expenditure_in_the_back_office(
    client, two_counties, django_capture_on_commit_callbacks
):
    dongchuan, _ = two_counties
    year = timezone.localdate().year
    factories.threshold(year)
    client.force_login(staff("dc", "530113", change=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/cms/impact/households/{dongchuan.pk}/incomes/",
            {
                "year": year,
                "wages": "20000.00",
                "operating": "0",
                "property_income": "0",
                "transfers": "0",
            },
        )
    assert response.status_code == 302
    assert IncomeRecord.objects.get(household=dongchuan, year=year).total == Decimal("20000.00")
    assert Assessment.objects.get(household=dongchuan).level == 5
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    refused = client.post(
        f"/cms/impact/households/{dongchuan.pk}/expenditures/",
        {"date": future, "cause": "illness", "amount": "15000.00", "unable_to_work": "0"},
    )
    assert refused.status_code == 400
    assert "未来" in refused.content.decode()
    negative = client.post(
        f"/cms/impact/households/{dongchuan.pk}/expenditures/",
        {
            "date": timezone.localdate().isoformat(),
            "cause": "illness",
            "amount": "-1",
            "unable_to_work": "0",
        },
    )
    assert negative.status_code == 400
    assert not RigidExpenditure.objects.filter(household=dongchuan).exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/cms/impact/households/{dongchuan.pk}/expenditures/",
            {
                "date": timezone.localdate().isoformat(),
                "cause": "illness",
                "amount": "15000.00",
                "unable_to_work": "0",
            },
        )
    assert (
        Assessment.objects.filter(household=dongchuan).first().level == 3
    )  # (20000-15000)/2 < 6000
    expenditure = RigidExpenditure.objects.get(household=dongchuan)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/cms/impact/households/{dongchuan.pk}/expenditures/{expenditure.pk}/resolve/")
    expenditure.refresh_from_db()
    assert expenditure.resolved
    assert Assessment.objects.filter(household=dongchuan).first().level == 5


def test_editing_needs_the_permission_and_the_county(client, two_counties):
    dongchuan, xundian = two_counties
    client.force_login(staff("viewer", "530113"))
    assert client.get(f"/cms/impact/households/{dongchuan.pk}/edit/").status_code == 403
    client.force_login(staff("editor", "530113", change=True))
    assert client.get(f"/cms/impact/households/{dongchuan.pk}/edit/").status_code == 200
    assert client.get(f"/cms/impact/households/{xundian.pk}/edit/").status_code == 403


def test_the_review_periods_are_settings_staff_can_change(two_counties):
    dongchuan, _ = two_counties
    config = MonitoringSettings.load()
    config.review_days, config.notice_days = 10, 7
    config.save()
    clue = Clue.objects.create(
        household=dongchuan,
        county=dongchuan.county,
        channel="screening",
        level=4,
        opened_at=timezone.make_aware(datetime.datetime(2026, 10, 30, 9)),
    )
    assert clue.due_at - clue.opened_at == datetime.timedelta(days=10)
    village, township, _county = reviewers_of(dongchuan)
    clue = clue_advance(clue=clue, to_stage="verified", by=village)
    posted = datetime.date(2026, 11, 1)
    clue = clue_advance(clue=clue, to_stage="notice", by=village, notice_from=posted, today=posted)
    with pytest.raises(ValidationError, match="不少于 7 天"):
        clue_advance(clue=clue, to_stage="township", by=township, today=datetime.date(2026, 11, 7))
    assert (
        clue_advance(
            clue=clue, to_stage="township", by=township, today=datetime.date(2026, 11, 8)
        ).stage
        == "township"
    )
