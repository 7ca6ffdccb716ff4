"""Issue #15: explanations that never contradict, one evaluation at a time, January, and
re-assessment after thresholds or monitoring rules change."""

import datetime
import logging
import threading
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from impact.models import (
    Assessment,
    Clue,
    Declaration,
    EvaluationLock,
    Household,
    MonitoringSettings,
    ReassessmentRun,
    RigidExpenditure,
    SalesLevelChange,
    Threshold,
)
from impact.monitoring.assessment import households_reassess
from impact.monitoring.imports import impact_import
from impact.monitoring.runs import STALE_AFTER, EvaluationBusy, evaluation_lock
from impact.reporting.exports import impact_export
from impact.tasks import impact_periodic_reassess

from . import factories
from .exported import read_csv

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year
LAST_YEAR = THIS_YEAR - 1
YELLOW_6900 = "有劳动力，人均可支配收入 6899.99 元低于监测线 6900.00 元"

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: two evaluations writing at once on their own connections; "
    "SQLite serialises all writers",
)


@pytest.fixture(autouse=True)
def _no_runs_yet():
    """The demo's own runs (its thresholds, created on load) set aside for these tests."""
    ReassessmentRun.objects.all().delete()


def reassess_one(household: Household, year: int = THIS_YEAR) -> Assessment:
    households_reassess(
        households=Household.objects.filter(pk=household.pk), year=year, channel="screening"
    )
    return Assessment.objects.filter(household=household).first()


def export_rows(*households: Household) -> dict[str, list[str]]:
    rows = read_csv(
        impact_export(
            kind="warnings",
            fmt="csv",
            households=Household.objects.filter(pk__in=[h.pk for h in households]),
        )
    )
    return {row[0]: row for row in rows[1:]}


# ---------------------------------------------------------------- 1. explanations


def test_13799_99_for_two_is_yellow_and_neither_page_nor_export_shows_6900_below_6900(client):
    factories.threshold(THIS_YEAR, "4600.00")  # line 6900.00
    yellow = factories.household(members=2, labour=1)
    factories.income(yellow, THIS_YEAR, "13799.99")
    green = factories.household(members=2, labour=1)
    factories.income(green, THIS_YEAR, "13800.00")

    assessment = reassess_one(yellow)
    assert assessment.level == 4
    assert assessment.per_capita == Decimal("6899.99")
    assert [hit["reason"] for hit in assessment.rules_fired] == [YELLOW_6900]
    assert reassess_one(green).per_capita == Decimal("6900.00")

    rows = export_rows(yellow, green)
    # 人均可支配收入, 预警级别, 触发规则
    assert (rows[yellow.code][6], rows[yellow.code][8], rows[yellow.code][10]) == (
        "6899.99",
        "Ⅳ",
        YELLOW_6900,
    )
    assert (rows[green.code][6], rows[green.code][8], rows[green.code][10]) == ("6900.00", "Ⅴ", "")

    client.force_login(factories.county_staff("dc-explain", None))
    page = client.get(reverse("impact_household", args=[yellow.pk])).content.decode()
    assert YELLOW_6900 in page
    assert "6900.00 元低于" not in page


def test_three_members_and_a_line_with_a_fraction_of_a_fen_in_the_export():
    factories.threshold(THIS_YEAR, "4321.33")  # line 6481.995
    below = factories.household(members=3, labour=0)
    factories.income(below, THIS_YEAR, "19445.98")  # 6481.9933…
    above = factories.household(members=3, labour=0)
    factories.income(above, THIS_YEAR, "19445.99")  # 6481.9966…
    assert reassess_one(below).level == 2
    assert reassess_one(above).level == 5
    rows = export_rows(below, above)
    assert rows[below.code][6] == "6481.99"
    assert rows[below.code][10] == "无劳动力，人均可支配收入 6481.99 元低于监测线 6482.00 元"
    assert rows[above.code][6] == "6482.00"
    assert rows[above.code][10] == ""


def test_a_rigid_expenditure_sentence_at_the_boundary_in_the_export():
    factories.threshold(THIS_YEAR, "4600.00")
    household = factories.household(members=2, labour=2)
    factories.income(household, THIS_YEAR, "20000.00")
    RigidExpenditure.objects.create(
        household=household,
        date=timezone.localdate() - datetime.timedelta(days=10),
        cause="illness",
        amount=Decimal("6200.01"),
    )
    assert reassess_one(household).level == 3
    assert export_rows(household)[household.code][10] == (
        "扣除刚性支出 6200.01 元后人均 6899.99 元低于监测线 6900.00 元"
    )


# ---------------------------------------------------------------- 2. one at a time


def test_the_database_refuses_a_second_clue_in_review_for_a_household_and_channel():
    household = factories.household()
    county = household.county
    Clue.objects.create(household=household, county=county, channel="periodic")
    with pytest.raises(IntegrityError), transaction.atomic():
        Clue.objects.create(household=household, county=county, channel="periodic")
    # another channel, a closed clue, and a self-declaration's own clue are all allowed
    Clue.objects.create(household=household, county=county, channel="screening")
    Clue.objects.create(household=household, county=county, channel="periodic", stage="dismissed")
    declaration = Declaration.objects.create(
        name="测试", id_number=household.id_number, phone="13800000000",
        village=household.region, cause="illness", amount=Decimal("1000.00"),
    )  # fmt: skip
    Clue.objects.create(
        household=household, county=county, channel="declaration", declaration=declaration
    )
    Clue.objects.create(household=household, county=county, channel="declaration")
    assert Clue.objects.filter(household=household).exclude(stage__in=Clue.CLOSED).count() == 4


def test_a_whole_evaluation_while_another_holds_the_lock_says_so_and_writes_nothing():
    factories.threshold(THIS_YEAR, "4000.00")
    before = Assessment.objects.count()
    with evaluation_lock(what="每月定期综合评价"):
        with pytest.raises(EvaluationBusy, match="另一次评估正在进行（每月定期综合评价，"):
            households_reassess(year=THIS_YEAR, channel="periodic")
        with pytest.raises(CommandError, match="另一次评估正在进行"):
            call_command("impact_reassess", "--all", stdout=StringIO())
    assert Assessment.objects.count() == before
    run = ReassessmentRun.objects.get(why="manual")
    assert run.error.startswith("另一次评估正在进行")
    assert run.finished_at is not None
    # freed: the next one runs, and frees it in turn
    assert households_reassess(year=THIS_YEAR, channel="periodic").assessed > 0
    assert EvaluationLock.objects.get(name="evaluation").holder == ""


def test_a_lock_whose_holder_fell_silent_is_taken_over():
    factories.threshold(THIS_YEAR, "4000.00")
    EvaluationLock.objects.update_or_create(
        name="evaluation",
        defaults={
            "holder": "a-worker-that-was-killed",
            "heartbeat_at": timezone.now() - STALE_AFTER - datetime.timedelta(seconds=1),
        },
    )
    assert households_reassess(year=THIS_YEAR, channel="periodic").assessed > 0


def test_a_few_households_are_evaluated_while_a_whole_evaluation_holds_the_lock():
    factories.threshold(THIS_YEAR, "4000.00")
    household = factories.household(members=2, labour=1)
    factories.income(household, THIS_YEAR, "10000.00")
    with evaluation_lock(what="每月定期综合评价"):
        assert reassess_one(household).level == 4


def _in_own_thread(work, results, index, barrier):
    def run():
        try:
            barrier.wait(timeout=30)
            results[index] = work()
        except Exception as exc:  # reported by the assertion on results
            results[index] = exc
        finally:
            connection.close()

    return threading.Thread(target=run)


def _below_the_line(count: int) -> list[Household]:
    Threshold.objects.update_or_create(
        year=THIS_YEAR,
        defaults={"national_standard": Decimal("4000.00"), "multiplier": Decimal("1.50")},
    )
    households = []
    for _ in range(count):
        household = factories.household(members=2, labour=1)
        factories.income(household, THIS_YEAR, "10000.00")  # 5000 a head: yellow
        households.append(household)
    return households


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_whole_evaluations_at_once_open_one_clue_and_write_one_assessment_per_run(
    committed_demo,
):
    mine = _below_the_line(30)
    assessable = list(
        Household.objects.filter(incomes__year=THIS_YEAR).values_list("pk", flat=True)
    )
    watermark = Assessment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    Clue.objects.filter(household__in=mine).delete()
    results: list = [None, None]
    barrier = threading.Barrier(2)

    def whole():
        return households_reassess(year=THIS_YEAR, channel="periodic", batch_size=7, wait=120)

    threads = [_in_own_thread(whole, results, i, barrier) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not any(thread.is_alive() for thread in threads)
    assert [r.assessed for r in results] == [len(assessable)] * 2, results
    # the second waited for the first: one clue each for mine, opened by the first
    assert sorted(r.clues_opened >= len(mine) for r in results) == [False, True]
    new = Assessment.objects.filter(pk__gt=watermark)
    assert new.count() == 2 * len(assessable)
    per_household = {pk: new.filter(household_id=pk).count() for pk in [h.pk for h in mine]}
    assert set(per_household.values()) == {2}
    for household in mine:
        assert Clue.objects.filter(household=household).exclude(stage__in=Clue.CLOSED).count() == 1


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_evaluations_of_the_same_households_at_once_open_one_clue_each(committed_demo):
    mine = _below_the_line(40)
    results: list = [None] * 4
    barrier = threading.Barrier(4)

    def few():
        # no lock for a few households (a payout, a declaration): the constraint keeps the clues single
        return households_reassess(
            households=Household.objects.filter(pk__in=[h.pk for h in mine]),
            year=THIS_YEAR,
            channel="screening",
            batch_size=5,
        )

    threads = [_in_own_thread(few, results, i, barrier) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert [r.assessed for r in results] == [40] * 4, results
    assert sum(r.clues_opened for r in results) == 40
    for household in mine:
        assert Assessment.objects.filter(household=household).count() == 4
        assert Clue.objects.filter(household=household).exclude(stage__in=Clue.CLOSED).count() == 1


# ---------------------------------------------------------------- 3. January


def test_without_this_years_thresholds_the_monthly_run_uses_last_years_and_says_so(client, caplog):
    Threshold.objects.filter(year__gte=THIS_YEAR).delete()
    factories.threshold(LAST_YEAR, "4000.00")
    with_income = factories.household(members=2, labour=1)
    factories.income(with_income, LAST_YEAR, "10000.00")
    assessable = Household.objects.filter(incomes__year=LAST_YEAR).count()
    total = Household.objects.count()

    with caplog.at_level(logging.INFO, logger="yixiang.impact"):
        result = impact_periodic_reassess.delay().get()

    note = f"{THIS_YEAR} 年度尚无监测标准，按 {LAST_YEAR} 年度的标准和收入评估。"
    assert result["year"] == LAST_YEAR
    assert result["note"] == note
    assert result["assessed"] == assessable
    assert result["skipped"] == total - assessable
    assert note in caplog.text
    assert f"{total - assessable} without an income record for {LAST_YEAR} skipped" in caplog.text
    assert reassess_one(with_income, LAST_YEAR).year == LAST_YEAR
    run = ReassessmentRun.objects.get(why="periodic")
    assert (run.year, run.note, run.done, run.total, run.skipped, run.error) == (
        LAST_YEAR, note, assessable, assessable, total - assessable, "",
    )  # fmt: skip
    assert run.percent == 100

    client.force_login(factories.county_staff("dc-runs", None))
    page = client.get(reverse("impact_reassessment_runs")).content.decode()
    assert note in page
    assert f"按 {LAST_YEAR} 年度的监测标准和收入" in page
    assert f"{total - assessable} 户无该年度收入记录未评估" in page
    assert "data-refresh-seconds" not in page


def test_with_no_thresholds_at_all_the_monthly_run_says_so_and_does_nothing():
    Threshold.objects.all().delete()
    before = Assessment.objects.count()
    result = impact_periodic_reassess.delay().get()
    message = f"{THIS_YEAR} 年度及以前都没有监测标准，未评估任何农户。"
    assert result == {
        "run": ReassessmentRun.objects.get().pk,
        "year": None,
        "note": message,
        "assessed": 0,
        "skipped": 0,
        "clues_opened": 0,
    }
    assert Assessment.objects.count() == before
    assert ReassessmentRun.objects.get().error == message


def test_impact_reassess_for_a_year_without_thresholds_says_so_in_chinese():
    with pytest.raises(CommandError, match=r"^没有 1999 年度的监测标准。$"):
        call_command("impact_reassess", "--all", "--year", "1999", stdout=StringIO())


# ---------------------------------------------------------------- 4. changes re-assess


def test_editing_this_years_threshold_in_the_back_office_re_assesses_everyone(
    client, django_capture_on_commit_callbacks
):
    threshold = factories.threshold(THIS_YEAR, "4000.00")  # line 6000
    household = factories.household(members=2, labour=1)
    factories.income(household, THIS_YEAR, "13000.00")  # 6500 a head
    assert reassess_one(household).level == 5
    credited = SalesLevelChange.objects.count()
    client.force_login(
        factories.county_staff("city-thresholds", None, permissions=["change_threshold"])
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("impact_thresholds:edit", args=[threshold.pk]),
            {"year": THIS_YEAR, "national_standard": "4400.00", "multiplier": "1.50"},
        )
    assert response.status_code == 302
    latest = Assessment.objects.filter(household=household).first()
    assert (latest.level, latest.figures["line"], latest.channel) == (4, "6600.00", "screening")
    run = ReassessmentRun.objects.get(why="thresholds")
    assessable = Household.objects.filter(incomes__year=THIS_YEAR).count()
    assert (run.year, run.total, run.done, run.error) == (THIS_YEAR, assessable, assessable, "")
    assert run.finished_at is not None
    assert SalesLevelChange.objects.count() == credited  # never credited to sales


def test_saving_a_threshold_unchanged_re_assesses_nobody(django_capture_on_commit_callbacks):
    threshold = factories.threshold(THIS_YEAR, "4000.00")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        Threshold.objects.get(pk=threshold.pk).save()
    assert callbacks == []
    assert not ReassessmentRun.objects.exists()


def test_a_thresholds_import_re_assesses_the_year_and_an_old_year_touches_only_its_own(
    tmp_path: Path, django_capture_on_commit_callbacks
):
    factories.threshold(THIS_YEAR, "4000.00")
    household = factories.household(members=2, labour=1)
    factories.income(household, THIS_YEAR, "13000.00")
    reassess_one(household)
    sheet = tmp_path / "thresholds.csv"
    sheet.write_text(
        f"年度,国家扶贫标准,监测倍数\n{THIS_YEAR},4400.00,1.5\n2001,900.00,1.5\n", encoding="utf-8"
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = impact_import(kind="thresholds", path=sheet)
    assert result.errors == []
    assert Assessment.objects.filter(household=household).first().level == 4
    runs = {run.year: run for run in ReassessmentRun.objects.filter(why="thresholds")}
    assert set(runs) == {THIS_YEAR, 2001}
    assert runs[THIS_YEAR].done > 0
    assert (runs[2001].total, runs[2001].done) == (0, 0)  # nobody's current level is of 2001


def test_a_shorter_rigid_expenditure_window_re_assesses_this_year(
    django_capture_on_commit_callbacks,
):
    factories.threshold(THIS_YEAR, "4000.00")
    household = factories.household(members=2, labour=2)
    factories.income(household, THIS_YEAR, "13000.00")
    RigidExpenditure.objects.create(
        household=household,
        date=timezone.localdate() - datetime.timedelta(days=200),
        cause="illness",
        amount=Decimal("2000.00"),
    )  # (13000 - 2000) / 2 = 5500 < 6000: purple while it counts
    assert reassess_one(household).level == 3
    settings_row = MonitoringSettings.load()
    with django_capture_on_commit_callbacks(execute=True):
        settings_row.rigid_window_days = 100
        settings_row.save()
    assert Assessment.objects.filter(household=household).first().level == 5
    assert ReassessmentRun.objects.get(why="settings").year == THIS_YEAR
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        settings_row.notice_days = 7  # the rules do not read it
        settings_row.save()
    assert callbacks == []


def test_the_evaluations_page_shows_a_run_in_progress_and_refreshes(client):
    ReassessmentRun.objects.create(
        why="thresholds", year=THIS_YEAR, started_at=timezone.now(), total=200, done=50
    )
    client.force_login(factories.county_staff("dc-progress", "530113"))
    page = client.get(reverse("impact_reassessment_runs")).content.decode()
    assert '<progress max="100" value="25">25%</progress>' in page
    assert "50 / 200" in page
    assert 'data-refresh-seconds="3"' in page


def test_the_evaluations_page_is_for_staff_only(client):
    from django.contrib.auth import get_user_model

    buyer = get_user_model().objects.create_user(username="buyer-runs", password="pass-123-word")
    client.force_login(buyer)
    assert client.get(reverse("impact_reassessment_runs")).status_code in (302, 403)
