"""Login throttling and lockout on the shop, dashboard and CMS login forms (issue #17).

Before: 15 wrong passwords, then the right one, were accepted on all three forms. Now an
account name is locked after 5 failures from anywhere, an address after 20 across account
names, for 30 minutes (config/settings/base.py), with the reason on the login page itself
in Chinese; platform operations unlock at /cms/security/lockouts/.
"""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from tests.impact.factories import county_staff

pytestmark = pytest.mark.django_db

PASSWORD = "pass-123-word"  # tests.impact.factories.county_staff
LOCKED_MESSAGE = "登录失败次数过多：该账号或该网络已被锁定 30 分钟"
LOCKOUTS_PAGE = "/cms/security/lockouts/"


def _shop(name: str, password: str) -> dict[str, str]:
    return {"login-username": name, "login-password": password, "login_submit": "1"}


def _plain(name: str, password: str) -> dict[str, str]:
    return {"username": name, "password": password}


# path, the form's fields, and whether the account name is the e-mail address (Oscar's shop)
FORMS = {
    "shop": ("/shop/accounts/login/", _shop, True),
    "dashboard": ("/shop/dashboard/login/", _plain, False),
    "cms": ("/cms/login/", _plain, False),
}


def attempt(client: Client, form: str, user, password: str, *, address: str = "127.0.0.1"):
    path, fields, by_email = FORMS[form]
    name = user.email if by_email else user.username
    return client.post(path, fields(name, password), REMOTE_ADDR=address)


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("form", FORMS)
def test_the_right_password_after_15_wrong_ones_is_refused_with_the_reason(form):
    user = county_staff(f"locked-{form}", None)
    client = Client()
    for _ in range(15):
        assert attempt(client, form, user, "wrong-password").status_code in (200, 429)
    response = attempt(client, form, user, PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)
    page = response.content.decode()
    assert LOCKED_MESSAGE in page
    assert "<form" in page  # the login page itself, with its form, not a bare 403 text


@pytest.mark.parametrize("form", FORMS)
def test_the_right_password_on_the_first_try_signs_in(form):
    user = county_staff(f"fine-{form}", None)
    client = Client()
    response = attempt(client, form, user, PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)


def test_four_failures_do_not_lock_an_account_the_fifth_does():
    user = county_staff("four-failures", None)
    for _ in range(4):
        assert attempt(Client(), "cms", user, "wrong-password").status_code == 200
    client = Client()
    assert attempt(client, "cms", user, PASSWORD).status_code == 302
    client.logout()
    attempt(Client(), "cms", user, "wrong-password")  # the fifth failure
    assert attempt(client, "cms", user, PASSWORD).status_code == 429


def test_an_account_is_locked_by_failures_from_different_addresses():
    user = county_staff("spread-out", None)
    for n in range(5):
        attempt(Client(), "shop", user, "wrong-password", address=f"203.0.113.{n + 1}")
    client = Client()
    assert attempt(client, "shop", user, PASSWORD, address="198.51.100.7").status_code == 429
    assert not logged_in(client)


@pytest.mark.parametrize("form", FORMS)
def test_after_20_failures_across_accounts_an_address_is_locked_for_another_account(form):
    sprayed = [county_staff(f"sprayed-{form}-{n}", None) for n in range(5)]
    for user in sprayed:
        for _ in range(4):  # under the account limit each
            attempt(Client(), form, user, "wrong-password", address="192.0.2.50")
    someone = county_staff(f"someone-{form}", None)
    client = Client()
    response = attempt(client, form, someone, PASSWORD, address="192.0.2.50")
    assert response.status_code == 429
    assert LOCKED_MESSAGE in response.content.decode()
    assert not logged_in(client)
    # the same account from another address is not locked
    assert attempt(Client(), form, someone, PASSWORD, address="192.0.2.51").status_code == 302


def test_the_lockout_ends_after_the_cool_off():
    user = county_staff("cooled-off", None)
    for _ in range(5):
        attempt(Client(), "cms", user, "wrong-password")
    assert attempt(Client(), "cms", user, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    assert attempt(Client(), "cms", user, PASSWORD).status_code == 302


def test_a_failed_shop_login_keeps_no_password_in_the_attempts_log():
    user = county_staff("no-password-kept", None)
    attempt(Client(), "shop", user, "my-secret-guess")
    logged = AccessAttempt.objects.get()
    assert "my-secret-guess" not in logged.post_data
    assert logged.username == "no-password-kept@example.com"
    assert logged.ip_address == "127.0.0.1"


def test_registering_in_the_shop_still_signs_the_new_customer_in():
    """Oscar's registration authenticates without a request; the lockout backend lets it by."""
    client = Client()
    response = client.post(
        "/shop/accounts/login/",
        {
            "registration-email": "new-customer@example.com",
            "registration-password1": "a-long-new-passphrase-17",
            "registration-password2": "a-long-new-passphrase-17",
            "registration_submit": "1",
        },
    )
    assert response.status_code == 302
    assert logged_in(client)


# ---------------------------------------------------------------- unlocking


def _lock(user, *, address: str = "127.0.0.1") -> None:
    for _ in range(5):
        attempt(Client(), "cms", user, "wrong-password", address=address)


def test_the_unlock_page_lists_the_lockout_and_unlocking_lets_the_user_in():
    locked = county_staff("to-unlock", None)
    _lock(locked)
    assert attempt(Client(), "cms", locked, PASSWORD).status_code == 429
    operator = get_user_model().objects.get(username="admin")  # the demo's superuser
    staff = Client()
    staff.force_login(operator)
    page = staff.get(LOCKOUTS_PAGE)
    assert page.status_code == 200
    assert [
        (lockout.kind, lockout.value, lockout.failures) for lockout in page.context["lockouts"]
    ] == [("account", "to-unlock", 5)]
    assert "to-unlock" in page.content.decode()
    response = staff.post(LOCKOUTS_PAGE, {"kind": "account", "value": "to-unlock"})
    assert response.status_code == 302
    assert AccessAttempt.objects.filter(username="to-unlock").count() == 0
    client = Client()
    assert attempt(client, "cms", locked, PASSWORD).status_code == 302
    assert logged_in(client)


def test_an_address_lockout_is_listed_and_unlocked():
    for n in range(5):
        user = county_staff(f"from-one-address-{n}", None)
        for _ in range(4):
            attempt(Client(), "cms", user, "wrong-password", address="192.0.2.77")
    holder = county_staff("unlocker", None)
    holder.user_permissions.add(Permission.objects.get(codename="delete_accessattempt"))
    staff = Client()
    staff.force_login(holder)
    listed = staff.get(LOCKOUTS_PAGE).context["lockouts"]
    assert [(lockout.kind, lockout.value, lockout.failures) for lockout in listed] == [
        ("address", "192.0.2.77", 20)
    ]
    staff.post(LOCKOUTS_PAGE, {"kind": "address", "value": "192.0.2.77"})
    other = county_staff("after-address-unlock", None)
    assert attempt(Client(), "cms", other, PASSWORD, address="192.0.2.77").status_code == 302


def test_county_staff_and_consumers_may_not_use_the_unlock_page():
    locked = county_staff("stays-locked", None)
    _lock(locked)
    county = Client()
    county.force_login(get_user_model().objects.get(username="dongchuan"))  # demo county staff
    assert county.get(LOCKOUTS_PAGE).status_code == 403
    assert (
        county.post(LOCKOUTS_PAGE, {"kind": "account", "value": "stays-locked"}).status_code == 403
    )
    consumer = Client()
    consumer.force_login(
        get_user_model().objects.create_user(username="a-consumer", email="c@example.com")
    )
    response = consumer.post(LOCKOUTS_PAGE, {"kind": "account", "value": "stays-locked"})
    assert response.status_code in (302, 403)
    assert AccessAttempt.objects.filter(username="stays-locked").count() == 1
    assert attempt(Client(), "cms", locked, PASSWORD).status_code == 429
