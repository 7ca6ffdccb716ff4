"""/declare/: a public self-declaration form that opens a clue and gives nothing away."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from impact.models import Assessment, Clue, Declaration, Household, RigidExpenditure
from tests.idnumbers import with_check, wrong_check

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def form_data(**overrides):
    data = {
        "name": "王小明",
        "id_number": factories.id_number("530128"),
        "phone": "13800138000",
        "village": factories.village("530128").pk,
        "cause": "illness",
        "amount": "12000.50",
        "date": (timezone.localdate() - datetime.timedelta(days=10)).isoformat(),
        "note": "家人住院",
    }
    data.update(overrides)
    return data


def test_a_registered_household_declaring_opens_a_clue_linked_to_it(client):
    household = factories.household(county_code="530128")
    response = client.post("/declare/", form_data(id_number=household.id_number))
    assert response.status_code == 200
    assert "已收到" in response.content.decode()
    declaration = Declaration.objects.get()
    assert declaration.household == household
    assert declaration.amount == Decimal("12000.50")
    clue = Clue.objects.get(declaration=declaration)
    assert (clue.channel, clue.stage, clue.household, clue.county.code) == (
        "declaration",
        "open",
        household,
        "530128",
    )


def test_an_unknown_person_gets_the_same_answer_and_a_clue_for_staff(client):
    registered = factories.household(county_code="530128")
    known = client.post("/declare/", form_data(id_number=registered.id_number)).content.decode()
    unknown = client.post("/declare/", form_data()).content.decode()
    strip = lambda html: html.split('name="csrfmiddlewaretoken"')[0]  # noqa: E731
    assert strip(known) == strip(unknown)
    assert Clue.objects.filter(household__isnull=True, channel="declaration").count() == 1


def test_personal_data_of_a_declaration_is_encrypted_at_rest(client):
    data = form_data()
    client.post("/declare/", data)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, id_number, phone FROM impact_declaration")
        stored = cursor.fetchone()
    assert data["name"] not in stored[0]
    assert data["id_number"] not in stored[1]
    assert "13800138000" not in stored[2]
    assert Declaration.objects.get().phone == "+8613800138000"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", wrong_check(with_check("53012819800101000")), "校验码"),
        ("id_number", "53012819800101001", "18"),
        ("id_number", with_check("99999919800101001"), "区划代码"),
        ("phone", "12345", "电话"),
        ("amount", "-1", "0"),
        ("amount", "abc", "数字"),
        ("cause", "unknown", "选择"),
        ("date", (timezone.localdate() + datetime.timedelta(days=1)).isoformat(), "未来"),
        ("date", (timezone.localdate() - datetime.timedelta(days=400)).isoformat(), "一年"),
        ("date", "2026/13/40", "YYYY-MM-DD"),
        ("date", "", "必需"),
    ],
)
def test_bad_input_reshows_the_form_with_the_error_and_writes_nothing(
    client, field, value, message
):
    expenditures = RigidExpenditure.objects.count()
    response = client.post("/declare/", form_data(**{field: value}))
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors), errors
    assert Declaration.objects.count() == 0
    assert Clue.objects.filter(channel="declaration").count() == 0
    assert RigidExpenditure.objects.count() == expenditures
    assert Assessment.objects.count() == 0


def test_future_birth_date_is_refused(client):
    body = "53012820991231001"
    response = client.post("/declare/", form_data(id_number=with_check(body)))
    assert "未来" in " ".join(response.context["form"].errors["id_number"])


def test_the_form_is_rate_limited_per_address(client):
    for _ in range(5):
        assert client.post("/declare/", form_data()).status_code == 200
    limited = client.post("/declare/", form_data())
    assert limited.status_code == 429
    assert Declaration.objects.count() == 5
    assert Household.objects.filter(declarations__isnull=False).count() == 0


# ---------------------------------------------------------------------- declared expenditure


def test_a_registered_declarant_gets_the_expenditure_recorded_and_is_assessed_at_once(client):
    year = timezone.localdate().year
    factories.threshold(year=year, standard="4000.00", multiplier="1.50")  # line 6,000
    household = factories.household(county_code="530128", members=2, labour=1)
    factories.income(household, year, "14000.00")  # 7,000 a head: green before
    spent = timezone.localdate() - datetime.timedelta(days=10)

    response = client.post(
        "/declare/",
        form_data(id_number=household.id_number, amount="12000.50", date=spent.isoformat()),
    )

    assert response.status_code == 200
    declaration = Declaration.objects.get()
    expenditure = RigidExpenditure.objects.get(household=household)
    assert (expenditure.cause, expenditure.amount, expenditure.date, expenditure.resolved) == (
        "illness",
        Decimal("12000.50"),
        spent,
        False,
    )
    assert declaration.expenditure == expenditure
    assert declaration.date == spent
    assessment = Assessment.objects.get(household=household)
    # (14,000 - 12,000.50) / 2 = 999.75 a head after the outlay, under the 6,000 line: purple (Ⅲ);
    # 7,000 a head before it is above both the standard and the line, so nothing more severe.
    assert (assessment.channel, assessment.year, assessment.level) == ("declaration", year, 3)
    assert assessment.per_capita == Decimal("7000.00")
    assert Decimal(assessment.figures["rigid"]) == Decimal("12000.50")
    clue = Clue.objects.get(household=household)
    assert (clue.declaration, clue.assessment, clue.level, clue.channel) == (
        declaration,
        assessment,
        3,
        "declaration",
    )
    assert household.status.level == 3


def test_a_declarant_without_an_income_record_gets_the_expenditure_and_a_clue_unassessed(client):
    factories.threshold(year=timezone.localdate().year)
    household = factories.household(county_code="530128")

    client.post("/declare/", form_data(id_number=household.id_number))

    assert RigidExpenditure.objects.get(household=household).amount == Decimal("12000.50")
    assert Assessment.objects.count() == 0
    clue = Clue.objects.get(household=household)
    assert (clue.assessment, clue.level, clue.stage) == (None, None, "open")


def test_an_unregistered_declarant_records_no_expenditure_and_no_assessment(client):
    factories.threshold(year=timezone.localdate().year)
    factories.household(county_code="530128")
    expenditures = RigidExpenditure.objects.count()

    client.post("/declare/", form_data())

    declaration = Declaration.objects.get()
    assert (declaration.household, declaration.expenditure) == (None, None)
    assert RigidExpenditure.objects.count() == expenditures
    assert Assessment.objects.count() == 0
    clue = Clue.objects.get()
    assert (clue.household, clue.assessment, clue.county.code) == (None, None, "530128")


def test_a_declaration_a_year_ago_to_the_day_is_accepted(client):
    today = timezone.localdate()
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    client.post("/declare/", form_data(date=year_ago.isoformat()))
    assert Declaration.objects.get().date == year_ago
