"""修改记录: who changed a household, its incomes, rigid expenditures and benefit links, when,
from what to what; personal data encrypted in the history tables and masked on the page."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from impact.models import Household, IncomeRecord, RigidExpenditure
from impact.monitoring.history import household_history
from impact.monitoring.imports import impact_import
from producers.models import BenefitLink, Producer
from tests.idnumbers import with_check

from . import factories
from .test_imports import HOUSEHOLD_HEADER, INCOME_HEADER, household_row, write_csv

pytestmark = pytest.mark.django_db


def staff_who_may_change(username: str = "editor"):
    return factories.county_staff(username, "530113", permissions=["change_household"])


def changes(household: Household) -> list[tuple[str, str, str, str, str, str]]:
    """Every (who, record, action, field, before, after) of the household's history, newest first."""
    return [
        (entry.who, entry.what, entry.action, change.field, change.before, change.after)
        for entry in household_history(household=household)
        for change in entry.changes
    ]


def test_an_edit_in_the_back_office_is_recorded_with_who_and_before_and_after(client):
    household = factories.household(county_code="530113", members=2, labour=1)
    editor = staff_who_may_change()
    client.force_login(editor)

    response = client.post(
        f"/cms/impact/households/{household.pk}/edit/",
        {
            "members": "5",
            "labour": "2",
            "kind": "marginal",
            "basic_needs_met": "on",
            "safe_water": "on",
        },
    )

    assert response.status_code == 302
    record = Household.history.filter(id=household.pk).order_by("-history_id")[0]
    assert (record.history_type, record.history_user, record.members) == ("~", editor, 5)
    newest = household_history(household=household)[0]
    assert (newest.who, newest.what, newest.action) == ("editor", "农户", "修改")
    assert {(c.field, c.before, c.after) for c in newest.changes} == {
        ("家庭人口", "2", "5"),
        ("劳动力人数", "1", "2"),
        ("户类型", "脱贫户", "边缘易致贫户"),
    }

    page = client.get(f"/cms/impact/households/{household.pk}/").content.decode()
    assert "修改记录" in page
    assert "边缘易致贫户" in page and "editor" in page


def test_income_expenditure_and_benefit_link_changes_show_on_the_household(client):
    household = factories.household(county_code="530113")
    income = factories.income(household, 2026, "8000.00")
    income.wages = Decimal("9500.00")
    income.save()
    expenditure = RigidExpenditure.objects.create(
        household=household,
        date=datetime.date(2026, 3, 1),
        cause="illness",
        amount=Decimal("3000.00"),
    )
    expenditure.resolved = True
    expenditure.save()
    producer = Producer.objects.get(partner__code="dongchuan-hongtudi")
    link = BenefitLink.objects.create(
        producer=producer,
        household=household,
        kind="employment",
        share=Decimal("10.00"),
        valid_from=datetime.date(2026, 1, 1),
    )
    link.share = Decimal("12.50")
    link.save()

    told = changes(household)

    assert ("系统", "2026 年收入", "修改", "工资性收入", "8000.00", "9500.00") in told
    assert ("系统", "2026-03-01 的刚性支出", "修改", "已解决", "否", "是") in told
    assert any(
        row[1].startswith("与") and row[2:] == ("修改", "占订单行净额比例（%）", "10.00", "12.50")
        for row in told
    ), told


def test_personal_data_is_encrypted_in_the_history_table_and_masked_in_the_history():
    number = with_check("53011319800101042")
    household = factories.household(county_code="530113")
    household.head_name = "李秀英"
    household.id_number = number
    household.save()

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT head_name, id_number FROM impact_historicalhousehold WHERE id = %s",
            [household.pk],
        )
        stored = cursor.fetchall()
    assert len(stored) == 2
    for head_name, id_number in stored:
        assert "李秀英" not in head_name and "测试户主" not in head_name
        assert number not in id_number and number[:14] not in id_number
    field_names = [f.name for f in Household.history.model._meta.fields]
    assert "id_number_hash" not in field_names

    told = changes(household)
    assert ("系统", "农户", "修改", "户主姓名", "测***", "李**") in told
    masked = number[:6] + "********" + number[-4:]
    assert any(row[3] == "户主身份证号" and row[5] == masked for row in told), told
    assert all(number not in value for row in told for value in row)


def test_imports_record_history_in_bulk_by_the_importing_user(tmp_path):
    importer = staff_who_may_change("importer")
    first = write_csv(
        tmp_path / "h1.csv",
        [HOUSEHOLD_HEADER, household_row("H-0001", 1), household_row("H-0002", 2)],
    )
    assert impact_import(kind="households", path=first, user=importer).created == 2
    one = Household.objects.get(code="H-0001")
    assert Household.history.filter(id=one.pk).count() == 1

    # The same file again writes nothing and records nothing; a changed row is recorded.
    assert impact_import(kind="households", path=first, user=importer).updated == 2
    assert Household.history.filter(code__in=["H-0001", "H-0002"]).count() == 2
    second = write_csv(
        tmp_path / "h2.csv",
        [HOUSEHOLD_HEADER, household_row("H-0001", 1, 家庭人口="6"), household_row("H-0002", 2)],
    )
    impact_import(kind="households", path=second, user=importer)
    assert Household.history.filter(code__in=["H-0001", "H-0002"]).count() == 3
    one.refresh_from_db()
    assert (one.members, one.county.code, one.region.full_name) == (
        6,
        "530113",
        "东川区红土地镇花沟村",
    )

    incomes = write_csv(
        tmp_path / "i.csv", [INCOME_HEADER, ["H-0001", "2026", "12000", "500", "0", "0"]]
    )
    impact_import(kind="incomes", path=incomes, user=importer)
    income = IncomeRecord.objects.get(household=one, year=2026)
    assert income.history.get().history_user == importer

    told = changes(one)
    assert ("importer", "农户", "修改", "家庭人口", "4", "6") in told
    assert ("importer", "2026 年收入", "新建", "工资性收入", "—", "12000.00") in told
