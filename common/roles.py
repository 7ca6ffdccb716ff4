"""The platform's roles as data, and which of them a user holds (``roles_of``).

A role is not stored on the user: it follows from what the user already is
(superuser, member of a group, holder of a ``StaffScope``, member of a work
unit, user of a producer's shop partner). ``common.policy`` says which roles
may open each URL; tests/common/test_authorisation_matrix.py holds every URL
to it. README "Roles and who may open what" says how one becomes each role.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, Group, User

#: The Django group of platform operations (平台运营): producers, units, catalogue, campaigns.
OPERATIONS_GROUP = "平台运营"
#: The Django group of platform finance (平台财务): payments, transfers, refunds.
FINANCE_GROUP = "平台财务"

#: What platform operations may do: the back office, register and approve producers and units.
OPERATIONS_PERMISSIONS = (
    "wagtailadmin.access_admin",
    "units.view_workunit",
    "units.add_workunit",
    "units.change_workunit",
    "producers.view_producer",
    "producers.change_producer",
    "axes.view_accessattempt",
    "axes.delete_accessattempt",  # unlocks a locked-out sign-in (/cms/security/lockouts/)
)
#: What platform finance may do: payments (``payments.OrderPayment``'s own permissions:
#: record a bank transfer, refund) and units' invoice details.
FINANCE_PERMISSIONS = (
    "wagtailadmin.access_admin",
    "units.view_workunit",
    "payments.view_orderpayment",
    "payments.record_transfer",
    "payments.refund_payment",
)


class Role(models.TextChoices):
    """Who uses the platform; the label is the role's name in Chinese (English as msgid)."""

    ADMINISTRATOR = "administrator", _("Platform administrator")
    OPERATIONS = "operations", _("Platform operations")
    FINANCE = "finance", _("Platform finance")
    COUNTY_MONITORING = "county_monitoring", _("County monitoring staff")
    TOWNSHIP_REVIEWER = "township_reviewer", _("Township reviewer")
    VILLAGE_REVIEWER = "village_reviewer", _("Village reviewer")
    CAMPAIGN_HOST = "campaign_host", _("Campaign host")
    PRODUCER = "producer", _("Producer user")
    UNIT_BUYER = "unit_buyer", _("Work unit buyer")
    UNIT_FINANCE = "unit_finance", _("Work unit finance")
    UNIT_ADMINISTRATOR = "unit_administrator", _("Work unit administrator")
    CONSUMER = "consumer", _("Consumer")
    VISITOR = "visitor", _("Visitor")


def _scope_role(user: User) -> Role | None:
    """The monitoring role a staff member's ``StaffScope`` gives (None without one)."""
    from impact.models import Region, StaffScope

    row = StaffScope.objects.filter(user=user).values_list("county_id", "region__level").first()
    if row is None:
        return None
    _county, level = row
    if level == Region.Level.VILLAGE:
        return Role.VILLAGE_REVIEWER
    if level == Region.Level.TOWNSHIP:
        return Role.TOWNSHIP_REVIEWER
    return Role.COUNTY_MONITORING  # a county, or the whole city (no area)


def roles_of(user: User | AnonymousUser) -> frozenset[Role]:
    """Every role ``user`` holds; a visitor (anonymous or inactive) holds only ``VISITOR``.

    Staff roles need ``is_staff`` (the back offices' own gate) as well as their group or
    scope: a group member whose staff flag is withdrawn is only a consumer.
    """
    if not user.is_authenticated or not user.is_active:
        return frozenset({Role.VISITOR})
    from oscar.core.loading import get_model

    from cms.campaigns.services import APPROVER_GROUP, CADRE_GROUP
    from shop.units.models import WorkUnitMember

    roles = {Role.CONSUMER}
    groups = set(user.groups.values_list("name", flat=True))
    if user.is_superuser:
        roles.add(Role.ADMINISTRATOR)
    if user.is_staff:
        if OPERATIONS_GROUP in groups:
            roles.add(Role.OPERATIONS)
        if FINANCE_GROUP in groups:
            roles.add(Role.FINANCE)
        scope_role = _scope_role(user)
        if scope_role is not None:
            roles.add(scope_role)
    if groups & {CADRE_GROUP, APPROVER_GROUP}:
        roles.add(Role.CAMPAIGN_HOST)
    Partner = get_model("partner", "Partner")
    if Partner.objects.filter(users=user).exists():  # Oscar's partner users: a producer's shop
        roles.add(Role.PRODUCER)
    member = WorkUnitMember.objects.filter(user=user).values_list("role", flat=True).first()
    if member is not None:
        roles.add(
            {
                WorkUnitMember.Role.BUYER: Role.UNIT_BUYER,
                WorkUnitMember.Role.FINANCE: Role.UNIT_FINANCE,
                WorkUnitMember.Role.ADMINISTRATOR: Role.UNIT_ADMINISTRATOR,
            }[WorkUnitMember.Role(member)]
        )
    return frozenset(roles)


def platform_groups_ensure() -> dict[Role, Group]:
    """The operations and finance groups with their permissions (made if missing, as the
    ``payments`` migration 0002 makes them; a flushed database lacks them)."""
    from django.contrib.auth.models import Group, Permission

    groups = {}
    for role, name, wanted in (
        (Role.OPERATIONS, OPERATIONS_GROUP, OPERATIONS_PERMISSIONS),
        (Role.FINANCE, FINANCE_GROUP, FINANCE_PERMISSIONS),
    ):
        group, _created = Group.objects.get_or_create(name=name)
        for permission in wanted:
            app_label, codename = permission.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        groups[role] = group
    return groups


def is_platform_finance(user: User | AnonymousUser) -> bool:
    """Platform finance or a superuser: who may see payments, record transfers and refund."""
    return bool(roles_of(user) & {Role.ADMINISTRATOR, Role.FINANCE})


def is_platform_operations(user: User | AnonymousUser) -> bool:
    """Platform operations or a superuser: who runs the platform day to day (lockouts,
    quarantined attribution jobs)."""
    return bool(roles_of(user) & {Role.ADMINISTRATOR, Role.OPERATIONS})


def is_platform_staff(user: User | AnonymousUser) -> bool:
    """Platform operations, platform finance or a superuser: the platform's own people
    (not county, township or village monitoring staff, who are staff only for monitoring)."""
    return bool(roles_of(user) & {Role.ADMINISTRATOR, Role.OPERATIONS, Role.FINANCE})
