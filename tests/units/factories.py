"""Work units, their members and back-office users for the units tests (on top of the demo data)."""

import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from stdnum.cn import uscc
from wagtail.users.models import UserProfile

from common.roles import Role, platform_groups_ensure
from shop.units.models import WorkUnit, WorkUnitMember
from shop.units.services import (
    work_unit_approve,
    work_unit_member_add,
    work_unit_register,
    work_unit_reject,
)

PASSWORD = "unit-pass-4821"
_sequence = itertools.count(1)


def credit_code() -> str:
    """A fresh, valid unified social credit code of a 东川区 body."""
    body = f"12530113MB{next(_sequence):07d}"
    return body + uscc.calc_check_digit(body)


def user(*, staff: bool = False, admin_access: bool = False, change_units: bool = False):
    """A user; admin_access lets them into /cms/ (Wagtail), change_units lets them review units.

    Their Wagtail admin language is English, so tests can read the messages exactly.
    """
    number = next(_sequence)
    person = get_user_model().objects.create_user(
        username=f"unit-user-{number}",
        email=f"unit-user-{number}@example.com",
        password=PASSWORD,
        is_staff=staff,
    )
    if admin_access:
        person.user_permissions.add(Permission.objects.get(codename="access_admin"))
    if change_units:
        person.user_permissions.add(
            Permission.objects.get(codename="change_workunit", content_type__app_label="units")
        )
    profile = UserProfile.get_for_user(person)
    profile.preferred_language = "en"
    profile.save()
    return person


def reviewer():
    """Platform operations (common.roles), who may approve and reject units."""
    person = user(staff=True)
    person.groups.add(platform_groups_ensure()[Role.OPERATIONS])
    return person


def finance():
    """Platform finance (common.roles): may read units' invoice details, not change units."""
    person = user(staff=True)
    person.groups.add(platform_groups_ensure()[Role.FINANCE])
    return person


def unit(*, status: str = WorkUnit.Status.APPROVED, terms: int = 30, by=None) -> WorkUnit:
    by = by or reviewer()
    registered = work_unit_register(
        name=f"测试单位食堂{next(_sequence)}",
        kind=WorkUnit.Kind.GOVERNMENT,
        credit_code=credit_code(),
        has_canteen=True,
        payment_terms_days=terms,
        by=by,
    )
    if status == WorkUnit.Status.APPROVED:
        return work_unit_approve(unit=registered, by=by)
    if status == WorkUnit.Status.REJECTED:
        return work_unit_reject(unit=registered, by=by, reason="材料不全")
    return registered


def member(*, of: WorkUnit, role: str = WorkUnitMember.Role.BUYER):
    """A new user who acts for the unit in the given role."""
    person = user()
    work_unit_member_add(unit=of, user=person, role=role)
    return person


def client_for(user):
    """A test client logged in as ``user``, reading the storefront in English."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client
