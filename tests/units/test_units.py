"""Work units (单位): registration, review, members, pay-after-delivery terms and the back office."""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import translation
from stdnum.cn import uscc

from demo.data import DEMO_CANTEEN_BUYER, DEMO_STAFF, DEMO_WORK_UNIT
from shop.units.models import WorkUnit, WorkUnitMember, WorkUnitStep
from shop.units.selectors import pay_later_terms_for_user, work_unit_for_user
from shop.units.services import (
    work_unit_approve,
    work_unit_member_add,
    work_unit_register,
    work_unit_reject,
)

from . import factories

pytestmark = pytest.mark.django_db

BODY = "12530113MB0T61527"
CREDIT_CODE = BODY + uscc.calc_check_digit(BODY)
WRONG_CHECK = BODY + ("0" if uscc.calc_check_digit(BODY) != "0" else "1")


@pytest.fixture(autouse=True)
def _english():
    """Services speak the active language; read their messages in English."""
    with translation.override("en"):
        yield


def register(**overrides):
    fields = {
        "name": "东川区人民政府机关食堂",
        "kind": WorkUnit.Kind.GOVERNMENT,
        "credit_code": CREDIT_CODE,
        "has_canteen": True,
        "by": factories.reviewer(),
    }
    fields.update(overrides)
    return work_unit_register(**fields)


def counts() -> tuple[int, int, int]:
    return WorkUnit.objects.count(), WorkUnitStep.objects.count(), WorkUnitMember.objects.count()


# ---------------------------------------------------------------------- registration


def test_a_registered_unit_awaits_review_with_default_terms():
    staff = factories.reviewer()
    unit = register(by=staff, credit_code=CREDIT_CODE.lower())
    unit.refresh_from_db()
    assert (unit.name, unit.kind, unit.credit_code, unit.has_canteen) == (
        "东川区人民政府机关食堂",
        "government",
        CREDIT_CODE,
        True,
    )
    assert unit.status == "applied"
    assert unit.payment_terms_days == 30
    assert (unit.approved_at, unit.approved_by) == (None, None)
    assert [(s.status, s.by, s.note) for s in unit.steps.all()] == [("applied", staff, "")]


@pytest.mark.parametrize(
    ("credit_code", "message"),
    [
        ("12345", "A unified social credit code has 18 characters."),
        (WRONG_CHECK, "The unified social credit code's check character is wrong."),
        (
            "12530113MBI000001X",
            "The unified social credit code contains characters it cannot have.",
        ),
        ("", "A unified social credit code has 18 characters."),
    ],
)
def test_a_bad_credit_code_is_refused_with_the_reason_and_nothing_written(credit_code, message):
    staff = factories.reviewer()
    before = counts()
    with pytest.raises(ValidationError) as refused:
        register(credit_code=credit_code, by=staff)
    assert refused.value.message_dict == {"credit_code": [message]}
    assert counts() == before


def test_a_duplicate_credit_code_is_refused_however_it_is_typed():
    register()
    before = counts()
    with pytest.raises(ValidationError) as refused:
        register(name="另一个食堂", credit_code=f" {CREDIT_CODE[:8]}-{CREDIT_CODE[8:].lower()} ")
    assert refused.value.message_dict == {
        "credit_code": ["A work unit with this unified social credit code is already registered."]
    }
    assert counts() == before
    assert WorkUnit.objects.get(credit_code=CREDIT_CODE).name == "东川区人民政府机关食堂"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "  "}, "name"),
        ({"kind": "canteen"}, "kind"),
        ({"payment_terms_days": 0}, "payment_terms_days"),
    ],
)
def test_other_bad_details_are_refused_and_nothing_written(overrides, field):
    before = counts()
    with pytest.raises(ValidationError) as refused:
        register(**overrides)
    assert list(refused.value.message_dict) == [field]
    assert counts() == before


# ---------------------------------------------------------------------- review


def test_approval_records_who_approved_and_when():
    applicant, staff = factories.reviewer(), factories.reviewer()
    unit = register(by=applicant)
    approved = work_unit_approve(unit=unit, by=staff)
    approved.refresh_from_db()
    assert approved.status == "approved"
    assert approved.is_approved is True
    assert approved.approved_by == staff
    assert approved.approved_at is not None
    assert [(s.status, s.by) for s in approved.steps.all()] == [
        ("applied", applicant),
        ("approved", staff),
    ]


def test_a_rejection_says_why_and_cannot_be_approved_afterwards():
    staff = factories.reviewer()
    unit = register(by=staff)
    with pytest.raises(ValidationError) as refused:
        work_unit_reject(unit=unit, by=staff, reason="   ")
    assert refused.value.messages == ["Say why the work unit is rejected."]
    unit.refresh_from_db()
    assert unit.status == "applied"

    work_unit_reject(unit=unit, by=staff, reason="信用代码与营业执照不符")
    unit.refresh_from_db()
    assert unit.status == "rejected"
    assert [(s.status, s.note) for s in unit.steps.all()] == [
        ("applied", ""),
        ("rejected", "信用代码与营业执照不符"),
    ]
    with pytest.raises(ValidationError) as refused:
        work_unit_approve(unit=unit, by=staff)
    assert refused.value.messages == [
        "A work unit that is “Rejected” cannot be moved to “Approved”."
    ]
    unit.refresh_from_db()
    assert (unit.status, unit.approved_at) == ("rejected", None)


def test_an_approved_unit_cannot_be_approved_twice():
    unit = factories.unit(status="approved")
    first = unit.approved_at
    with pytest.raises(ValidationError):
        work_unit_approve(unit=unit, by=factories.reviewer())
    unit.refresh_from_db()
    assert unit.approved_at == first
    assert unit.steps.count() == 2


# ---------------------------------------------------------------------- members


def test_a_user_belongs_to_at_most_one_unit():
    first, second = factories.unit(), factories.unit()
    buyer = factories.member(of=first)
    with pytest.raises(ValidationError) as refused:
        work_unit_member_add(unit=second, user=buyer, role="finance")
    assert refused.value.message_dict == {
        "user": [f"{buyer.username} already belongs to the work unit “{first.name}”."]
    }
    assert list(WorkUnitMember.objects.filter(user=buyer).values_list("unit", "role")) == [
        (first.pk, "buyer")
    ]


def test_a_member_needs_a_known_role():
    unit = factories.unit()
    person = factories.user()
    with pytest.raises(ValidationError) as refused:
        work_unit_member_add(unit=unit, user=person, role="cook")
    assert refused.value.message_dict == {
        "role": ["Choose a role: buyer, finance or administrator."]
    }
    assert not WorkUnitMember.objects.filter(user=person).exists()


def test_work_unit_for_user_is_the_members_unit_whatever_its_status():
    applied = factories.unit(status="applied")
    buyer = factories.member(of=applied)
    assert work_unit_for_user(user=buyer) == applied
    assert work_unit_for_user(user=factories.user()) is None
    from django.contrib.auth.models import AnonymousUser

    assert work_unit_for_user(user=AnonymousUser()) is None


# ---------------------------------------------------------------------- pay after delivery


def test_pay_later_terms_are_the_approved_units_days_for_its_buyers_and_administrators():
    unit = factories.unit(status="approved", terms=45)
    assert pay_later_terms_for_user(user=factories.member(of=unit, role="buyer")) == 45
    assert pay_later_terms_for_user(user=factories.member(of=unit, role="administrator")) == 45
    # finance pays invoices; it does not place orders
    assert pay_later_terms_for_user(user=factories.member(of=unit, role="finance")) is None


@pytest.mark.parametrize("status", ["applied", "rejected"])
def test_no_pay_later_terms_before_approval_or_after_rejection(status):
    unit = factories.unit(status=status, terms=45)
    assert pay_later_terms_for_user(user=factories.member(of=unit, role="buyer")) is None


def test_no_pay_later_terms_for_a_non_member_or_an_anonymous_visitor():
    from django.contrib.auth.models import AnonymousUser

    factories.unit(status="approved")
    assert pay_later_terms_for_user(user=factories.user()) is None
    assert pay_later_terms_for_user(user=factories.reviewer()) is None
    assert pay_later_terms_for_user(user=AnonymousUser()) is None


def test_pay_later_terms_follow_the_unit_once_approved():
    staff = factories.reviewer()
    unit = factories.unit(status="applied", terms=15, by=staff)
    buyer = factories.member(of=unit)
    assert pay_later_terms_for_user(user=buyer) is None
    work_unit_approve(unit=unit, by=staff)
    assert pay_later_terms_for_user(user=buyer) == 15


# ---------------------------------------------------------------------- back office


def test_staff_see_the_units_and_approve_one_in_the_back_office(client):
    staff = factories.reviewer()
    unit = factories.unit(status="applied")
    client.force_login(staff)
    listing = client.get("/cms/units/")
    assert listing.status_code == 200
    listed = list(listing.context["units"])
    assert listed[0] == unit  # awaiting review comes first
    assert WorkUnit.objects.get(credit_code=DEMO_WORK_UNIT["credit_code"]) in listed
    assert client.get("/cms/units/?status=applied").context["units"].count() == (
        WorkUnit.objects.filter(status="applied").count()
    )
    detail = client.get(f"/cms/units/{unit.pk}/")
    assert detail.status_code == 200
    assert 'id="review-form"' in detail.content.decode()

    response = client.post(f"/cms/units/{unit.pk}/review/", {"action": "approve"})
    assert response.status_code == 302
    assert response["Location"] == f"/cms/units/{unit.pk}/"
    unit.refresh_from_db()
    assert (unit.status, unit.approved_by) == ("approved", staff)
    page = client.get(f"/cms/units/{unit.pk}/").content.decode()
    assert "Work unit approved." in page
    assert 'id="review-form"' not in page


def test_staff_reject_in_the_back_office_only_with_a_reason(client):
    staff = factories.reviewer()
    unit = factories.unit(status="applied")
    client.force_login(staff)
    client.post(f"/cms/units/{unit.pk}/review/", {"action": "reject", "reason": ""})
    unit.refresh_from_db()
    assert unit.status == "applied"
    assert (
        "Say why the work unit is rejected."
        in client.get(f"/cms/units/{unit.pk}/").content.decode()
    )
    client.post(f"/cms/units/{unit.pk}/review/", {"action": "reject", "reason": "不是本市单位"})
    unit.refresh_from_db()
    assert unit.status == "rejected"
    assert unit.steps.last().note == "不是本市单位"


def test_a_non_staff_user_gets_403_in_the_units_back_office_and_changes_nothing(client):
    unit = factories.unit(status="applied")
    editor = factories.user(staff=False, admin_access=True)  # a CMS editor, not staff
    client.force_login(editor)
    assert client.get("/cms/units/").status_code == 403
    assert client.get("/cms/units/add/").status_code == 403
    assert client.get(f"/cms/units/{unit.pk}/").status_code == 403
    assert client.post(f"/cms/units/{unit.pk}/review/", {"action": "approve"}).status_code == 403
    edit = {
        "name": "改名",
        "kind": "school",
        "credit_code": unit.credit_code,
        "payment_terms_days": 90,
    }
    assert client.post(f"/cms/units/{unit.pk}/", edit).status_code == 403
    member = {"user": editor.username, "role": "buyer"}
    assert client.post(f"/cms/units/{unit.pk}/members/", member).status_code == 403
    unit.refresh_from_db()
    assert (unit.status, unit.name, unit.payment_terms_days) == ("applied", unit.name, 30)
    assert unit.name != "改名"
    assert not WorkUnitMember.objects.filter(user=editor).exists()


def test_a_unit_buyer_without_admin_access_is_sent_to_log_in_and_changes_nothing(client):
    unit = factories.unit(status="applied")
    buyer = factories.member(of=unit)
    client.force_login(buyer)
    response = client.post(f"/cms/units/{unit.pk}/review/", {"action": "approve"})
    assert response.status_code == 302
    assert response["Location"].startswith("/cms/login/")
    unit.refresh_from_db()
    assert unit.status == "applied"


def test_staff_without_the_change_permission_may_look_but_not_approve(client):
    unit = factories.unit(status="applied")
    client.force_login(factories.finance())
    assert client.get("/cms/units/").status_code == 200
    detail = client.get(f"/cms/units/{unit.pk}/")
    assert detail.status_code == 200
    assert 'id="review-form"' not in detail.content.decode()
    assert client.post(f"/cms/units/{unit.pk}/review/", {"action": "approve"}).status_code == 403
    unit.refresh_from_db()
    assert unit.status == "applied"


def test_review_only_by_post(client):
    unit = factories.unit(status="applied")
    client.force_login(factories.reviewer())
    assert client.get(f"/cms/units/{unit.pk}/review/").status_code == 405


def test_the_menu_shows_work_units_to_staff_only(client):
    client.force_login(factories.reviewer())
    assert "/cms/units/" in client.get("/cms/").content.decode()
    client.force_login(factories.user(staff=False, admin_access=True))
    assert "/cms/units/" not in client.get("/cms/").content.decode()


def test_staff_register_a_unit_in_the_back_office_and_a_bad_code_writes_nothing(client):
    staff = factories.reviewer()
    client.force_login(staff)
    before = counts()
    form = {"name": "东川区人民医院食堂", "kind": "public_institution", "has_canteen": "on"}
    response = client.post("/cms/units/add/", {**form, "credit_code": WRONG_CHECK})
    assert response.status_code == 400
    assert "The unified social credit code&#x27;s check character is wrong." in (
        response.content.decode()
    )
    assert counts() == before

    response = client.post("/cms/units/add/", {**form, "credit_code": CREDIT_CODE})
    unit = WorkUnit.objects.get(credit_code=CREDIT_CODE)
    assert response.status_code == 302
    assert response["Location"] == f"/cms/units/{unit.pk}/"
    assert (unit.name, unit.kind, unit.status, unit.has_canteen) == (
        "东川区人民医院食堂",
        "public_institution",
        "applied",
        True,
    )
    assert [(s.status, s.by) for s in unit.steps.all()] == [("applied", staff)]


def test_staff_edit_a_units_terms_and_a_duplicate_code_is_refused(client):
    unit = factories.unit(status="approved")
    buyer = factories.member(of=unit)
    client.force_login(factories.reviewer())
    edit = {
        "name": unit.name,
        "kind": unit.kind,
        "credit_code": unit.credit_code,
        "has_canteen": "on",
        "payment_terms_days": "45",
    }
    response = client.post(f"/cms/units/{unit.pk}/", edit)
    assert response.status_code == 302
    assert pay_later_terms_for_user(user=buyer) == 45

    demo_code = DEMO_WORK_UNIT["credit_code"]
    response = client.post(f"/cms/units/{unit.pk}/", {**edit, "credit_code": demo_code})
    assert response.status_code == 400
    assert "A work unit with this unified social credit code is already registered." in (
        response.content.decode()
    )
    unit.refresh_from_db()
    assert unit.credit_code != demo_code
    assert unit.status == "approved"


def test_staff_add_a_member_by_e_mail_once(client):
    unit, other = factories.unit(), factories.unit()
    person = factories.user()
    client.force_login(factories.reviewer())
    response = client.post(
        f"/cms/units/{unit.pk}/members/", {"user": person.email.upper(), "role": "finance"}
    )
    assert response.status_code == 302
    assert WorkUnitMember.objects.get(user=person).role == "finance"
    response = client.post(
        f"/cms/units/{other.pk}/members/", {"user": person.username, "role": "buyer"}
    )
    assert response.status_code == 400
    assert f"{person.username} already belongs to the work unit “{unit.name}”." in (
        response.content.decode()
    )
    assert WorkUnitMember.objects.get(user=person).unit == unit


# ---------------------------------------------------------------------- demo


def test_the_demo_school_canteen_buyer_may_pay_after_delivery_within_30_days():
    canteen = get_user_model().objects.get(username=DEMO_CANTEEN_BUYER["username"])
    assert canteen.check_password(DEMO_CANTEEN_BUYER["password"])
    unit = work_unit_for_user(user=canteen)
    assert unit is not None
    assert (unit.name, unit.kind, unit.status, unit.has_canteen) == (
        "昆明市东川区第一中学食堂",
        "school",
        "approved",
        True,
    )
    assert uscc.is_valid(unit.credit_code)
    assert unit.approved_by.username == DEMO_STAFF["username"]
    assert WorkUnitMember.objects.get(user=canteen).role == "buyer"
    assert pay_later_terms_for_user(user=canteen) == 30


UNIT_TABLES = [
    "units.WorkUnit",
    "units.WorkUnitStep",
    "units.WorkUnitMember",
    "units.UnitPlan",
    "units.UnitOrder",
    "units.OrderList",
    "units.OrderListLine",
    "auth.User",
]


def _snapshot() -> dict[str, str]:
    return {
        label: serializers.serialize("json", apps.get_model(label).objects.order_by("pk"))
        for label in UNIT_TABLES
    }


def test_load_demo_again_changes_no_work_unit():
    call_command("load_demo", force=True, stdout=StringIO())  # the first run adds the demo sale
    before = _snapshot()
    out = StringIO()
    call_command("load_demo", force=True, stdout=out)
    assert "nothing changed" in out.getvalue()
    assert "canteen / yixiang-demo" in out.getvalue()
    assert _snapshot() == before


def test_the_demo_school_canteen_is_part_way_to_its_share():
    from decimal import Decimal

    from shop.units.selectors import unit_orders, unit_progress

    out = StringIO()
    call_command("load_demo", force=True, stdout=out)
    canteen = get_user_model().objects.get(username=DEMO_CANTEEN_BUYER["username"])
    unit = work_unit_for_user(user=canteen)
    progress = unit_progress(unit=unit)
    assert (progress.reserved, progress.purchased, progress.left_to_buy, progress.percent) == (
        Decimal("960.00"),
        Decimal("575.00"),
        Decimal("385.00"),
        Decimal("59.9"),
    )
    assert [
        (u.order.number, u.order.payment.state, u.ship_within_days) for u in unit_orders(unit=unit)
    ] == [
        ("YX-DEMO-0002", "pending", 15),
        ("YX-DEMO-0001", "paid", 7),
    ]
    assert unit.has_invoice_details
    assert [list_.name for list_ in unit.order_lists.all()] == ["每周食材"]
    client = factories.client_for(canteen)
    page = client.get("/shop/unit/").content.decode()
    assert "59.9% of the reserved amount reached" in page
    shipped = client.get("/shop/unit/orders/YX-DEMO-0002/").content.decode()
    assert 'id="inspection-form"' in shipped
