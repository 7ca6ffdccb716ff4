"""The Chinese address: 收货人, a mainland mobile number, 省/市/区 from the national list."""

import json
import re

import phonenumbers
import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model
from stdnum import numdb

from shop.address import divisions
from shop.address.forms import mobile_normalise
from tests.shop.checkout_flow import (
    ADDRESS,
    basket_add,
    checkout_to_payment,
    checkout_to_preview,
    order_place,
)

UserAddress = get_model("address", "UserAddress")
ShippingAddress = get_model("order", "ShippingAddress")
Order = get_model("order", "Order")


# ---------------------------------------------------------------- the mobile number rule


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13800138000", "+8613800138000"),
        ("138 0013 8000", "+8613800138000"),
        ("+86 138 0013 8000", "+8613800138000"),
        ("19912345678", "+8619912345678"),
    ],
)
def test_a_mainland_mobile_number_is_stored_in_e164(typed, stored):
    assert mobile_normalise(typed) == stored


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("010-12345678", "landline"),  # 北京 landline
        ("0871-65123456", "landline"),  # 昆明 landline
        ("12345", "invalid"),
        ("1380013800", "invalid"),  # ten digits
        ("手机", "invalid"),
        ("+1 650 253 0000", "foreign"),
        ("+852 9123 4567", "foreign"),  # 香港 mobile: not a mainland number
    ],
)
def test_a_landline_a_foreign_or_a_wrong_number_is_refused(typed, code):
    with pytest.raises(ValidationError) as refused:
        mobile_normalise(typed)
    assert refused.value.code == code


# ---------------------------------------------------------------- the division list


def test_dongchuan_is_kunming_in_yunnan_with_the_national_code():
    path = divisions.division_path("530113")
    assert path is not None
    assert (path.province.code, path.province.name) == ("530000", "云南省")
    assert (path.city.code, path.city.name) == ("530100", "昆明市")
    assert (path.district.code, path.district.name) == ("530113", "东川区")
    # The same names, straight from python-stdnum's list.
    stdnum = {
        key: value
        for _, props in numdb.get("cn/loc").info("530113")
        for key, value in props.items()
    }
    assert stdnum == {"province": "云南省", "county": "[1998-]东川区"}
    assert numdb.get("cn/loc").info("530100")[1][1] == {"county": "昆明市"}


def test_only_current_divisions_are_offered():
    kunming = divisions.city_get(divisions.province_get("530000"), "530100")
    names = [d.name for d in kunming.districts]
    assert "晋宁区" in names and "呈贡区" in names
    assert "晋宁县" not in names and "呈贡县" not in names  # [-2016], [-2011]
    assert "市辖区" not in names
    assert divisions.division_path("530122") is None  # 晋宁县's old code
    assert divisions.division_path("530200") is None  # 东川市, until 1998


def test_a_municipality_is_its_own_city_and_a_city_without_counties_its_own_district():
    beijing = divisions.province_get("110000")
    assert [c.division for c in beijing.cities] == [divisions.Division("110100", "北京市")]
    assert divisions.division_path("110101").district.name == "东城区"
    dongguan = divisions.division_path("441900")
    assert (dongguan.province.name, dongguan.city.name, dongguan.district.name) == (
        "广东省",
        "东莞市",
        "东莞市",
    )
    assert divisions.province_get("710000") is None  # 台湾省: the list has no counties


@pytest.mark.django_db
def test_the_divisions_are_served_to_the_form_as_json(client: Client):
    response = client.get(reverse("address:divisions"))
    assert response.status_code == 200
    assert "max-age=86400" in response["Cache-Control"]
    tree = json.loads(response.content)
    yunnan = next(p for p in tree if p[0] == "530000")
    kunming = next(c for c in yunnan[2] if c[0] == "530100")
    assert yunnan[1] == "云南省" and kunming[1] == "昆明市"
    assert ["530113", "东川区"] in kunming[2]


# ---------------------------------------------------------------- the checkout's form


def shipping_post(client: Client, **changes: str) -> object:
    return client.post(reverse("checkout:shipping-address"), {**ADDRESS, **changes})


def session_address(client: Client) -> dict | None:
    return client.session.get("checkout_data", {}).get("shipping", {}).get("new_address_fields")


@pytest.mark.django_db
def test_the_checkout_stores_the_chinese_address_on_oscars_fields(client: Client):
    basket_add(client, upc="YX-DC-004", quantity=1)
    checkout_to_payment(client)
    stored = session_address(client)
    assert {k: stored[k] for k in ("last_name", "first_name", "state", "line4", "line3")} == {
        "last_name": "李四",
        "first_name": "",
        "state": "云南省",
        "line4": "昆明市",
        "line3": "东川区",
    }
    assert (stored["line1"], stored["line2"], stored["postcode"]) == (
        "红土地镇花沟村 12 号",
        "",
        "654100",
    )
    # The session keeps the number formatted; the database stores it as E.164.
    assert (
        phonenumbers.format_number(
            phonenumbers.parse(str(stored["phone_number"])), phonenumbers.PhoneNumberFormat.E164
        )
        == "+8613800138000"
    )
    assert stored["country_id"] == "CN"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"phone_number": "010-12345678"}, "phone_number", "landline"),
        ({"phone_number": "12345"}, "phone_number", "invalid"),
        ({"phone_number": "+1 650 253 0000"}, "phone_number", "foreign"),
        ({"phone_number": ""}, "phone_number", "required"),
        ({"last_name": ""}, "last_name", "required"),
        ({"line1": ""}, "line1", "required"),
        ({"postcode": "65410"}, "postcode", "invalid"),
        ({"district": "110101"}, None, "division_mismatch"),  # 东城区 is in 北京, not 昆明
        ({"city": "530300"}, None, "division_mismatch"),  # 曲靖市 holds no 东川区
        ({"district": "530122"}, None, "division_mismatch"),  # 晋宁县, gone since 2016
    ],
)
def test_bad_input_gets_a_clear_error_and_nothing_is_kept(client: Client, changes, field, code):
    basket_add(client, upc="YX-DC-004", quantity=1)
    client.post(
        reverse("checkout:index"), {"username": "guest@example.com", "options": "anonymous"}
    )
    response = shipping_post(client, **changes)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.has_error(field or "__all__", code)
    assert session_address(client) is None


@pytest.mark.django_db
def test_the_browser_checks_the_fields_a_buyer_must_fill_but_lets_the_next_level_be_asked_for(
    client: Client,
):
    """The checkout's address form is checked by the browser (no ``novalidate``): the
    recipient, mobile number, province and street are required there. The city and the
    district are not, so that a browser without script can send the province alone and
    get the cities listed (the server still requires them: the test below)."""
    basket_add(client, upc="YX-DC-004", quantity=1)
    client.post(
        reverse("checkout:index"), {"username": "guest@example.com", "options": "anonymous"}
    )
    page = client.get(reverse("checkout:shipping-address")).content.decode()
    opening = re.search(r'<form[^>]*id="new_shipping_address"[^>]*>', page)
    assert opening and "novalidate" not in opening.group(0)
    for name, required in (
        ("last_name", True),
        ("phone_number", True),
        ("province", True),
        ("city", False),
        ("district", False),
        ("line1", True),
    ):
        tag = re.search(rf'<(?:input|select)[^>]*id="id_{name}"[^>]*>', page)
        assert tag, name
        assert (re.search(r"\srequired[\s>=]", tag.group(0)) is not None) is required, tag.group(0)


@pytest.mark.django_db
def test_without_the_script_the_buyer_is_asked_for_the_next_level(client: Client):
    """A browser without JavaScript: the province alone comes back with that province's cities."""
    basket_add(client, upc="YX-DC-004", quantity=1)
    client.post(
        reverse("checkout:index"), {"username": "guest@example.com", "options": "anonymous"}
    )
    response = shipping_post(client, city="", district="")
    form = response.context["form"]
    assert form.has_error("city", "required") and form.has_error("district", "required")
    city_choices = dict(form.fields["city"].widget.choices)
    assert city_choices["530100"] == "昆明市" and "110100" not in city_choices
    assert list(form.fields["district"].widget.choices)[1:] == []

    response = shipping_post(client, district="")
    district_choices = dict(response.context["form"].fields["district"].widget.choices)
    assert district_choices["530113"] == "东川区" and len(district_choices) == 15  # prompt + 14
    assert session_address(client) is None


@pytest.mark.django_db
def test_the_form_shows_no_country_nor_address_lines(client: Client):
    basket_add(client, upc="YX-DC-004", quantity=1)
    client.post(
        reverse("checkout:index"), {"username": "guest@example.com", "options": "anonymous"}
    )
    response = client.get(reverse("checkout:shipping-address"))
    form = response.context["form"]
    assert list(form.fields) == [
        "last_name",
        "phone_number",
        "province",
        "city",
        "district",
        "line1",
        "postcode",
        "notes",
    ]
    html = response.content.decode()
    assert 'data-address-cascade="/shop/address/divisions.json"' in html
    assert "js/address-cascade.js" in html
    assert 'name="country"' not in html and 'name="line2"' not in html


# ---------------------------------------------------------------- the address book


@pytest.mark.django_db
def test_a_saved_default_address_is_chosen_at_checkout(client: Client, django_user_model):
    buyer = django_user_model.objects.create_user("addr-buyer", "addr@example.com", "pw-addr-1!")
    client.force_login(buyer)
    response = client.post(
        reverse("customer:address-create"),
        {**ADDRESS, "last_name": "王五", "is_default_for_shipping": "on"},
    )
    assert response.status_code == 302, response.context["form"].errors
    client.post(
        reverse("customer:address-create"),
        {**ADDRESS, "last_name": "赵六", "line1": "铜都街道 8 号"},
    )
    default = UserAddress.objects.get(user=buyer, last_name="王五")
    other = UserAddress.objects.get(user=buyer, last_name="赵六")
    assert (default.state, default.line4, default.line3, default.first_name) == (
        "云南省",
        "昆明市",
        "东川区",
        "",
    )
    assert default.phone_number.as_e164 == "+8613800138000"
    assert UserAddress.objects.filter(pk=default.pk, phone_number="+8613800138000").exists()
    assert default.is_default_for_shipping and not other.is_default_for_shipping

    basket_add(client, upc="YX-DC-004", quantity=1)
    html = client.get(reverse("checkout:shipping-address")).content.decode()
    assert f'value="{default.pk}" checked' in html
    assert f'value="{other.pk}" checked' not in html
    # Names print as written, in Chinese order.
    assert "<strong>王五</strong>" in html
    assert "云南省 昆明市 东川区 红土地镇花沟村 12 号 (654100)" in html

    response = client.post(
        reverse("checkout:shipping-address"), {"action": "ship_to", "address_id": str(other.pk)}
    )
    assert response.status_code == 302
    # Another buyer's address, or none, is not found (Oscar's own view fails with a 500).
    assert (
        client.post(
            reverse("checkout:shipping-address"), {"action": "ship_to", "address_id": "99999"}
        ).status_code
        == 404
    )


@pytest.mark.django_db
def test_a_bad_address_book_entry_writes_nothing(client: Client, django_user_model):
    buyer = django_user_model.objects.create_user("addr-bad", "bad@example.com", "pw-addr-2!")
    client.force_login(buyer)
    response = client.post(
        reverse("customer:address-create"), {**ADDRESS, "phone_number": "010-12345678"}
    )
    assert response.status_code == 200
    assert response.context["form"].has_error("phone_number", "landline")
    assert not UserAddress.objects.filter(user=buyer).exists()


# ---------------------------------------------------------------- printing


def test_an_address_prints_in_chinese_order():
    address = ShippingAddress(
        last_name="张三",
        phone_number="+8613800138000",
        state="北京市",
        line4="北京市",
        line3="东城区",
        line1="景山前街 4 号",
        postcode="100009",
    )
    html = render_to_string("oscar/partials/address_cn.html", {"address": address})
    assert '<strong>张三</strong> <span class="yx-address-phone">138 0013 8000</span>' in html
    assert "北京市 东城区 景山前街 4 号 (100009)" in html  # the municipality once
    text = render_to_string("oscar/partials/address_cn.txt", {"address": address})
    assert text == "张三 138 0013 8000\n北京市 东城区 景山前街 4 号 (100009)\n"


@pytest.mark.django_db
def test_the_order_email_and_the_dashboard_print_and_edit_the_chinese_address(
    client: Client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        checkout_to_preview(client, upc="YX-DC-004")
        order_place(client)
    order = Order.objects.get()
    body = mail.outbox[0].body
    assert "李四 138 0013 8000\n云南省 昆明市 东川区 红土地镇花沟村 12 号 (654100)" in body

    staff = Client()
    staff.force_login(get_user_model().objects.get(username="admin"))
    url = reverse("dashboard:order-shipping-address", kwargs={"number": order.number})
    form = staff.get(url).context["form"]
    assert (form.initial["province"], form.initial["city"], form.initial["district"]) == (
        "530000",
        "530100",
        "530113",
    )
    refused = staff.post(url, {**ADDRESS, "phone_number": "010-12345678", "line1": "别处"})
    assert refused.status_code == 200
    order.shipping_address.refresh_from_db()
    assert order.shipping_address.line1 == "红土地镇花沟村 12 号"

    moved = {**ADDRESS, "province": "110000", "city": "110100", "district": "110101"}
    assert staff.post(url, {**moved, "line1": "景山前街 4 号"}).status_code == 302
    order.shipping_address.refresh_from_db()
    saved = order.shipping_address
    assert (saved.state, saved.line4, saved.line3, saved.line1) == (
        "北京市",
        "北京市",
        "东城区",
        "景山前街 4 号",
    )
    page = staff.get(reverse("dashboard:order-detail", kwargs={"number": order.number}))
    assert "北京市 东城区 景山前街 4 号 (654100)" in page.content.decode()


def test_a_saved_address_sums_itself_up_in_chinese_order():
    """Oscar's messages ("地址 '…' 已创建") print the saved address's summary."""
    address = UserAddress(
        last_name="王五",
        state="云南省",
        line4="昆明市",
        line3="东川区",
        line1="铜都街道 8 号",
        postcode="654100",
    )
    assert address.summary == "王五 云南省 昆明市 东川区 铜都街道 8 号 (654100)"
