"""One login everywhere (issue #19): the shop's, the dashboard's and the CMS's login forms
all take a username, an e-mail address or a mobile number, with the same field and messages.

Before: ``/shop/accounts/login/`` wanted an e-mail (``canteen`` was refused), the other
two wanted a username. The README's demo logins are listed here as the README writes
them (username, e-mail, mobile), and each works on each form, each way.
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import Client

from common.accounts import mobile_normalise, user_mobile_set, users_for_login
from common.models import MobileNumber

pytestmark = pytest.mark.django_db

DEMO_PASSWORD = "yixiang-demo"
# README "Demo logins": username and mobile; every e-mail is <username>@yixiang.example.
README_LOGINS = {
    "admin": "13800000001",
    "finance": "13800000002",
    "ops": "13800000003",
    "dongchuan": "13800000004",
    "dc-county": "13800000005",
    "dc-township": "13800000006",
    "dc-village": "13800000007",
    "zhibo": "13800000008",
    "canteen": "13800000009",
    "hongtudi": "13800000010",
    "lanfeng": "13800000011",
    "meixiang": "13800000012",
    "saying": "13800000013",
}
FORMS = {
    "shop": "/shop/accounts/login/",
    "dashboard": "/shop/dashboard/login/",
    "cms": "/cms/login/",
}
LABEL = "用户名 / 邮箱 / 手机号"
WRONG = "用户名、邮箱或手机号与密码不匹配"


def login(client: Client, form: str, name: str, password: str):
    if form == "shop":
        data = {"login-username": name, "login-password": password, "login_submit": "1"}
    else:
        data = {"username": name, "password": password}
    return client.post(FORMS[form], data, HTTP_ACCEPT_LANGUAGE="zh-hans")


def signed_in_as(client: Client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    if user_id is None:
        return None
    return get_user_model().objects.get(pk=user_id).username


def name_for(username: str, way: str) -> str:
    if way == "username":
        return username
    if way == "e-mail":
        return f"{username}@yixiang.example"
    return README_LOGINS[username]


@pytest.mark.parametrize("way", ["username", "e-mail", "mobile"])
@pytest.mark.parametrize("form", FORMS)
def test_every_readme_login_works_on_every_form_every_way(form, way):
    refused = []
    for username in README_LOGINS:
        client = Client()
        response = login(client, form, name_for(username, way), DEMO_PASSWORD)
        if response.status_code != 302 or signed_in_as(client) != username:
            refused.append((username, response.status_code))
    assert refused == []
    assert AccessAttempt.objects.filter(failures_since_start__gt=0).count() == 0


@pytest.mark.parametrize("form", FORMS)
def test_a_mobile_number_signs_in_however_it_is_written(form):
    for typed in ("138 0000 0009", "+86 138-0000-0009", "+8613800000009"):
        client = Client()
        assert login(client, form, typed, DEMO_PASSWORD).status_code == 302
        assert signed_in_as(client) == "canteen"


@pytest.mark.parametrize("form", FORMS)
def test_the_three_forms_show_the_same_field_and_label(form):
    page = Client().get(FORMS[form], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert LABEL in page
    assert 'autocomplete="username"' in page
    assert 'type="email"' not in page.split("registration")[0]  # the shop's login half


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(
    "name",
    ["canteen", "canteen@yixiang.example", "13800000009", "nobody-here", "13900000000", ""],
)
def test_a_wrong_password_or_unknown_name_is_refused_with_the_same_message(form, name):
    client = Client()
    response = login(client, form, name, "not-the-password")
    assert response.status_code == 200
    assert signed_in_as(client) is None
    page = response.content.decode()
    if name:
        assert WRONG in page
    else:
        assert "请输入用户名、邮箱或手机号" in page


@pytest.mark.parametrize("form", FORMS)
def test_an_email_shared_by_two_accounts_is_refused_even_with_the_right_password(form):
    User = get_user_model()
    User.objects.create_user(username="twin-a", email="twin@example.com", password="pw-twin-1")
    User.objects.create_user(username="twin-b", email="twin@example.com", password="pw-twin-2")
    client = Client()
    response = login(client, form, "TWIN@example.com", "pw-twin-1")
    assert response.status_code == 200
    assert signed_in_as(client) is None
    assert WRONG in response.content.decode()
    # Each can still sign in by username.
    assert login(client, form, "twin-a", "pw-twin-1").status_code == 302


def test_an_inactive_account_is_refused_by_every_name():
    user = get_user_model().objects.create_user(
        username="gone", email="gone@example.com", password="pw-gone-1", is_active=False
    )
    user_mobile_set(user=user, number="13700000001")
    for form in FORMS:
        for name in ("gone", "gone@example.com", "13700000001"):
            client = Client()
            login(client, form, name, "pw-gone-1")
            assert signed_in_as(client) is None, (form, name)


def test_failures_by_mobile_count_against_one_name_however_it_is_typed():
    """The lockout counts the number as E.164: writing it five ways is five failures of one."""
    for typed in (
        "13800000009",
        "138 0000 0009",
        "+8613800000009",
        "138-0000-0009",
        "+86 138 0000 0009",
    ):
        login(Client(), "cms", typed, "wrong-password")
    assert list(AccessAttempt.objects.values_list("username", "failures_since_start")) == [
        ("+8613800000009", 5)
    ]
    assert login(Client(), "cms", "13800000009", DEMO_PASSWORD).status_code == 429


# ------------------------------------------------------------------ the mobile number itself


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13812345678", "+8613812345678"),
        ("138 1234 5678", "+8613812345678"),
        ("+86 199-1234-5678", "+8619912345678"),
        ("0871-62100000", None),  # a Kunming landline
        ("12345", None),
        ("+1 202 555 0143", None),  # not mainland
        ("canteen", None),
        ("", None),
    ],
)
def test_mobile_normalise(typed, stored):
    assert mobile_normalise(typed) == stored


def test_users_for_login_by_each_name():
    canteen = get_user_model().objects.get(username="canteen")
    assert users_for_login(name="canteen") == [canteen]
    assert users_for_login(name="Canteen@YIXIANG.example") == [canteen]
    assert users_for_login(name="138 0000 0009") == [canteen]
    assert users_for_login(name="13900000009") == []
    assert users_for_login(name="Canteen") == []  # a username is matched as stored


# ------------------------------------------------------------------ the shop profile


def test_a_customer_sets_their_mobile_on_the_profile_and_signs_in_with_it():
    get_user_model().objects.create_user(
        username="buyer-m", email="buyer-m@example.com", password="pw-buyer-1"
    )
    client = Client()
    assert login(client, "shop", "buyer-m@example.com", "pw-buyer-1").status_code == 302
    response = client.post(
        "/shop/accounts/profile/edit/",
        {
            "first_name": "",
            "last_name": "",
            "email": "buyer-m@example.com",
            "mobile": "137 1234 5678",
        },
    )
    assert response.status_code == 302
    assert MobileNumber.objects.get(user__username="buyer-m").number == "+8613712345678"
    profile = client.get("/shop/accounts/profile/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "+8613712345678" in profile
    again = Client()
    assert login(again, "shop", "13712345678", "pw-buyer-1").status_code == 302
    assert signed_in_as(again) == "buyer-m"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("13800000009", "这个手机号已被其他账号使用"),  # canteen's
        ("0871-62100000", "请输入中国大陆手机号"),
        ("1380000", "请输入中国大陆手机号"),
    ],
)
def test_a_taken_or_invalid_mobile_is_refused_with_the_reason_and_nothing_written(typed, message):
    get_user_model().objects.create_user(
        username="buyer-n", email="buyer-n@example.com", password="pw-buyer-2"
    )
    client = Client()
    login(client, "shop", "buyer-n", "pw-buyer-2")
    response = client.post(
        "/shop/accounts/profile/edit/",
        {"first_name": "新名字", "last_name": "", "email": "buyer-n@example.com", "mobile": typed},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not MobileNumber.objects.filter(user__username="buyer-n").exists()
    assert get_user_model().objects.get(username="buyer-n").first_name == ""


def test_clearing_the_mobile_removes_it():
    user = get_user_model().objects.create_user(
        username="buyer-o", email="buyer-o@example.com", password="pw-buyer-3"
    )
    user_mobile_set(user=user, number="13612345678")
    client = Client()
    client.force_login(user)
    edit = client.get("/shop/accounts/profile/edit/").content.decode()
    assert 'value="13612345678"' in edit
    client.post(
        "/shop/accounts/profile/edit/",
        {"first_name": "", "last_name": "", "email": "buyer-o@example.com", "mobile": ""},
    )
    assert not MobileNumber.objects.filter(user=user).exists()


def test_the_mobile_service_refuses_a_taken_number_and_writes_nothing():
    from django.core.exceptions import ValidationError

    user = get_user_model().objects.create_user(username="buyer-p", email="p@example.com")
    with pytest.raises(ValidationError) as refused:
        user_mobile_set(user=user, number="+8613800000001")  # admin's
    assert refused.value.messages == ["这个手机号已被其他账号使用。"]
    assert not MobileNumber.objects.filter(user=user).exists()
