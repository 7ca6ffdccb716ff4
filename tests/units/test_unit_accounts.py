"""A unit registers online with its invoice details; staff approve it; its details stay correct."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from shop.units.models import WorkUnit, WorkUnitMember, WorkUnitStep
from shop.units.services import work_unit_approve, work_unit_invoice_update

from . import factories

pytestmark = pytest.mark.django_db

APPLICATION = {
    "name": "东川区人民医院食堂",
    "kind": "public_institution",
    "has_canteen": "on",
    "invoice_title": "昆明市东川区人民医院",
    "invoice_address": "东川区铜都街道 8 号",
    "invoice_phone": "0871-62123456",
    "invoice_bank": "演示银行东川支行",
    "invoice_account": "5300 1234 5678",
}


def counts() -> tuple[int, int, int]:
    return WorkUnit.objects.count(), WorkUnitStep.objects.count(), WorkUnitMember.objects.count()


def test_a_unit_applies_online_and_once_approved_its_administrator_may_order():
    person = factories.user()
    client = factories.client_for(person)
    assert client.get("/shop/unit/").status_code == 302  # to the registration page
    code = factories.credit_code()
    response = client.post(
        "/shop/unit/apply/", {**APPLICATION, "credit_code": code, "tax_number": code.lower()}
    )
    assert (response.status_code, response["Location"]) == (302, "/shop/unit/")
    unit = WorkUnit.objects.get(credit_code=code)
    assert (unit.status, unit.invoice_title, unit.tax_number, unit.has_canteen) == (
        "applied",
        "昆明市东川区人民医院",
        code,
        True,
    )
    assert WorkUnitMember.objects.get(user=person).role == "administrator"
    home = client.get("/shop/unit/").content.decode()
    assert "The platform reviews your unit before it can order" in home
    assert client.get("/shop/unit/quick-order/").status_code == 403

    work_unit_approve(unit=unit, by=factories.reviewer())
    assert client.get("/shop/unit/quick-order/").status_code == 200
    # Once approved, the plan for the year is asked for.
    assert 'id="plan-due"' in client.get("/shop/unit/").content.decode()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "The unified social credit code&#x27;s check character is wrong."),
        ("zh-hans", "统一社会信用代码校验位错误。"),
    ],
)
def test_an_invalid_credit_code_is_refused_in_the_buyers_language_and_nothing_written(
    language, message
):
    code = factories.credit_code()
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    client = factories.client_for(factories.user())
    client.cookies["django_language"] = language
    before = counts()
    response = client.post(
        "/shop/unit/apply/", {**APPLICATION, "credit_code": wrong, "tax_number": code}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert counts() == before


def test_a_user_who_already_acts_for_a_unit_cannot_register_another():
    buyer = factories.member(of=factories.unit())
    client = factories.client_for(buyer)
    assert client.get("/shop/unit/apply/")["Location"] == "/shop/unit/"
    before = counts()
    client.post("/shop/unit/apply/", {**APPLICATION, "credit_code": factories.credit_code()})
    assert counts() == before


@pytest.mark.parametrize(
    ("tax_number", "message"),
    [
        ("12345", "A taxpayer number has 15, 17, 18 or 20 letters and digits."),
        ("91530113MA6K2Q8P1X", "The unified social credit code's check character is wrong."),
    ],
)
def test_a_bad_taxpayer_number_is_refused_and_nothing_written(tax_number, message):
    unit = factories.unit()
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        work_unit_invoice_update(unit=unit, invoice_title="某单位", tax_number=tax_number)
    assert refused.value.message_dict == {"tax_number": [message]}
    unit.refresh_from_db()
    assert (unit.invoice_title, unit.tax_number) == ("", "")


def test_finance_keeps_the_invoice_details_and_a_buyer_may_not():
    unit = factories.unit()
    finance = factories.client_for(factories.member(of=unit, role="finance"))
    details = {key: value for key, value in APPLICATION.items() if key.startswith("invoice_")}
    response = finance.post("/shop/unit/invoice/", {**details, "tax_number": unit.credit_code})
    assert response.status_code == 302
    unit.refresh_from_db()
    assert (unit.invoice_title, unit.invoice_account, unit.has_invoice_details) == (
        "昆明市东川区人民医院",
        "5300 1234 5678",
        True,
    )
    buyer = factories.client_for(factories.member(of=unit, role="buyer"))
    assert buyer.post("/shop/unit/invoice/", {**details, "invoice_title": "改"}).status_code == 403
    unit.refresh_from_db()
    assert unit.invoice_title == "昆明市东川区人民医院"


def test_staff_keep_a_units_invoice_details_in_the_back_office(client):
    unit = factories.unit()
    client.force_login(factories.reviewer())
    response = client.post(
        f"/cms/units/{unit.pk}/invoice/",
        {"invoice_title": "东川区机关事务局", "tax_number": unit.credit_code},
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert (unit.invoice_title, unit.tax_number) == ("东川区机关事务局", unit.credit_code)
    bad = client.post(f"/cms/units/{unit.pk}/invoice/", {"invoice_title": "x", "tax_number": "1"})
    assert bad.status_code == 400
    unit.refresh_from_db()
    assert unit.invoice_title == "东川区机关事务局"
    page = client.get(f"/cms/units/{unit.pk}/").content.decode()
    assert 'id="plan-table"' in page and 'id="unit-invoice-form"' in page
