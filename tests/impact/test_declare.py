"""/declare/: a public self-declaration form that opens a clue and gives nothing away."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection

from impact.models import Clue, Declaration, Household
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
    ],
)
def test_bad_input_reshows_the_form_with_the_error_and_writes_nothing(
    client, field, value, message
):
    response = client.post("/declare/", form_data(**{field: value}))
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors), errors
    assert Declaration.objects.count() == 0
    assert Clue.objects.filter(channel="declaration").count() == 0


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
