"""The authorisation matrix: every URL pattern of the project × every role, against common.policy.

Walks every pattern the URL resolver knows (``get_resolver()``, recursively), fails
when one has no declared policy, and requests each with GET as every role (the demo
logins, plus a unit finance officer and a unit administrator the test adds to the demo
canteen's unit, and a consumer with no other role), with arguments built from the demo
data (``SAMPLES``). It fails when the answer differs from the policy:

- allowed: 2xx, or a redirect that is not to a login page; a ``post_only`` page answers 405;
- refused: 403, 404, 405, or a redirect to a login page (Wagtail's refusal, a redirect
  to the back office's home, counts as refused too);
- a ``post_only`` page is also POSTed (empty) by every role that may not use it, which
  must be refused as well;
- a ``gate`` policy (a third-party bundle whose own permissions decide inside) is
  checked for the roles outside the gate only.

Run alone: ``.venv/bin/python -m pytest -m authorisation_matrix``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.regex_helper import normalize

from cms.models import CampaignPage, CampaignSharer
from common.policy import Policy, policy_for
from common.roles import Role, roles_of
from demo.orders import demo_order_place
from impact.models import Clue, Household, Region
from producers.models import Producer
from shop.payments.models import OrderPayment
from shop.payments.services import order_payment_open
from shop.units.models import OrderList, WorkUnit, WorkUnitMember
from shop.units.services import unit_order_record, work_unit_member_add
from tests.producers.documents import pdf_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.authorisation_matrix]

ORDER_NUMBER = "YX-MATRIX-0001"

#: The login that holds each role; None: the test makes the user (the demo has none).
LOGINS: dict[Role, str | None] = {
    Role.ADMINISTRATOR: "admin",
    Role.OPERATIONS: "ops",
    Role.FINANCE: "finance",
    Role.COUNTY_MONITORING: "dongchuan",
    Role.TOWNSHIP_REVIEWER: "dc-township",
    Role.VILLAGE_REVIEWER: "dc-village",
    Role.CAMPAIGN_HOST: "zhibo",
    Role.PRODUCER: "hongtudi",
    Role.UNIT_BUYER: "canteen",
    Role.UNIT_FINANCE: None,
    Role.UNIT_ADMINISTRATOR: None,
    Role.CONSUMER: None,
    Role.VISITOR: None,
}

#: Whose are the sample objects (an ``own`` policy allows only their owners): the canteen's
#: order of 红土地's potatoes, 红土地 and its county's producers, the canteen's unit,
#: a household of 花沟村 (红土地镇, 东川区), and zhibo's campaign.
OWNERS: dict[str, frozenset[Role]] = {
    "order": frozenset({Role.UNIT_BUYER}),
    "producer": frozenset({Role.PRODUCER}),
    "unit": frozenset({Role.UNIT_BUYER, Role.UNIT_FINANCE, Role.UNIT_ADMINISTRATOR}),
    "area": frozenset({Role.COUNTY_MONITORING, Role.TOWNSHIP_REVIEWER, Role.VILLAGE_REVIEWER}),
    "campaign": frozenset({Role.CAMPAIGN_HOST}),
    "documents": frozenset(
        {Role.PRODUCER, Role.COUNTY_MONITORING, Role.TOWNSHIP_REVIEWER, Role.VILLAGE_REVIEWER}
    ),
}

#: Patterns not requested, and why (keep this short).
NOT_REQUESTED: dict[str, str] = {
    "cms/failwhale/": "Wagtail's deliberate 500 for testing error pages",
    "customer:logout": "signs the role's user out for the rest of its run",
    "dashboard:logout": "signs the role's user out for the rest of its run",
    "wagtailadmin_logout": "signs the role's user out for the rest of its run",
    "payments:stripe-pay": "needs Stripe keys (tests/shop/payments/test_stripe_live.py)",
    "payments:stripe-return": "needs Stripe keys (tests/shop/payments/test_stripe_live.py)",
    "offer:detail": "the demo has no site offer",
    "wagtailcore_authenticate_with_password": "the demo has no password-restricted page",
    "impact_payout_follow_up": "the test demo has no payout (the demo's come with its sale)",
}

LOGIN_PATHS = (
    "/shop/accounts/login/",
    "/cms/login/",
    "/shop/dashboard/login/",
    "/django-admin/login/",
)


@dataclass(frozen=True)
class Entry:
    route: str
    name: str | None
    regexes: tuple[str, ...]

    @property
    def key(self) -> str:
        return self.name or self.route


def patterns(
    resolvers: list[URLPattern | URLResolver],
    route: str = "",
    namespace: str = "",
    regexes: tuple[str, ...] = (),
) -> Iterator[Entry]:
    for item in resolvers:
        here = (*regexes, item.pattern.regex.pattern)
        if isinstance(item, URLResolver):
            inner = f"{namespace}{item.namespace}:" if item.namespace else namespace
            yield from patterns(item.url_patterns, route + str(item.pattern), inner, here)
        else:
            name = f"{namespace}{item.name}" if item.name else None
            yield Entry(route + str(item.pattern), name, here)


ENTRIES = list(patterns(get_resolver().url_patterns))


def test_every_url_pattern_has_a_declared_policy():
    undeclared = [
        entry.route for entry in ENTRIES if policy_for(name=entry.name, route=entry.route) is None
    ]
    assert undeclared == []


# ------------------------------------------------------------------ the sample arguments


@pytest.fixture
def samples() -> dict[str, dict[str, Any]]:
    """Arguments by parameter name ("*"), and by URL name where a name means another object."""
    User = get_user_model()
    canteen = User.objects.get(username="canteen")
    unit = WorkUnit.objects.get(members__user=canteen)
    order = demo_order_place(buyer=canteen, lines=[("YX-DC-001", 2)], number=ORDER_NUMBER)
    unit_order_record(order=order, user=canteen, ship_within_days=7)
    order_payment_open(order=order, method=OrderPayment.Method.TRANSFER)
    producer = Producer.objects.get(partner__code="dongchuan-hongtudi")
    # 红土地's licence and a certificate scan: real PDFs, stored as an upload would be.
    producer.licence.save("licence.pdf", ContentFile(pdf_bytes()), save=True)
    certificate = producer.certificates.order_by("pk").first()
    assert certificate is not None
    certificate.document.save("scan.pdf", ContentFile(pdf_bytes()), save=True)
    village = Region.objects.get(name="花沟村", parent__name="红土地镇")
    household = Household.objects.filter(region=village).order_by("pk").first()
    assert household is not None
    clue = Clue.objects.filter(household__region=village).order_by("pk").first()
    campaign = CampaignPage.objects.filter(owner__username="zhibo").order_by("pk").first()
    assert campaign is not None
    sharer = CampaignSharer.objects.filter(campaign=campaign).order_by("pk").first()
    order_list = OrderList.objects.filter(unit=unit).order_by("pk").first()
    line = order.lines.get()
    expenditure = household.expenditures.order_by("pk").first()
    campaign_args = {"pk": campaign.pk, "kind": "png", "sharer_id": sharer.pk if sharer else 1}
    return {
        "*": {
            "number": order.number,
            "order_number": order.number,
            "fmt": "csv",
            "kind": "png",
            "_0": "",
            "code": campaign.code,
            "line_id": line.pk,
            "product_pk": line.product_id,
        },
        "producers:detail": {"pk": producer.pk},
        "producers:licence-file": {"pk": producer.pk},
        "producers:certificate-file": {"pk": certificate.pk},
        "dashboard:producer-certificates-renew": {"pk": certificate.pk},
        "dashboard:producer-certificates-review": {"pk": certificate.pk},
        "producers_admin_detail": {"pk": producer.pk},
        "producers_admin_review": {"pk": producer.pk},
        "producers_admin_add_link": {"pk": producer.pk},
        "impact_payouts_producer": {"pk": producer.pk},
        "impact_payouts_producer-record": {"pk": producer.pk},
        "impact_payouts_producer-upload": {"pk": producer.pk},
        "impact_payouts_producer-template": {"pk": producer.pk},
        "impact_payouts_producer-reverse": {"pk": producer.pk, "payout_pk": 1},
        **{
            name: {"pk": household.pk}
            for name in (
                "impact_household",
                "impact_household_reveal",
                "impact_household_add_measure",
                "impact_household_edit",
                "impact_household_add_income",
                "impact_household_add_expenditure",
            )
        },
        "impact_expenditure_resolve": {
            "pk": household.pk,
            "expenditure_pk": expenditure.pk if expenditure else 1,
        },
        "impact_clue": {"pk": clue.pk if clue else 1},
        "impact_clue_advance": {"pk": clue.pk if clue else 1},
        "impact_notice_contact": {"pk": village.pk},
        **{
            name: {"pk": unit.pk}
            for name in (
                "units_admin_detail",
                "units_admin_review",
                "units_admin_add_member",
                "units_admin_invoice",
            )
        },
        "units:list-reorder": {"pk": order_list.pk if order_list else 1},
        "units:list-delete": {"pk": order_list.pk if order_list else 1},
        **dict.fromkeys(
            (
                "cms_campaign_console",
                "cms_campaign_control",
                "cms_campaign_sharer_add",
                "cms_campaign_qr",
                "cms_campaign_sharer_qr",
                "cms_campaign_report",
                "cms_campaign_plan",
            ),
            campaign_args,
        ),
        "cms_campaign_report_export": {**campaign_args, "kind": "csv"},
        "campaigns:counters": {"pk": campaign.pk},
    }


def path_of(entry: Entry, samples: dict[str, dict[str, Any]]) -> str:
    """The pattern's path with the sample arguments (1 for an argument no sample names)."""
    values = {**samples["*"], **samples.get(entry.key, {})}
    path = ""
    for regex in entry.regexes:
        template, params = normalize(regex)[0]
        path += template % {param: values.get(param, 1) for param in params}
    return "/" + path


# ------------------------------------------------------------------ the roles' users


def user_for(role: Role):
    User = get_user_model()
    if role is Role.VISITOR:
        return None
    username = LOGINS[role]
    if username is not None:
        return User.objects.get(username=username)
    user = User.objects.create_user(username=f"matrix-{role.value}", email=f"{role.value}@x.cn")
    if role in (Role.UNIT_FINANCE, Role.UNIT_ADMINISTRATOR):
        unit = WorkUnit.objects.get(members__user__username="canteen")
        work_unit_member_add(
            unit=unit,
            user=user,
            role={
                Role.UNIT_FINANCE: WorkUnitMember.Role.FINANCE,
                Role.UNIT_ADMINISTRATOR: WorkUnitMember.Role.ADMINISTRATOR,
            }[role],
        )
    return user


def answer(response) -> str:
    """ "allowed", "refused" or "post only" (405), or the odd status itself."""
    status = response.status_code
    if status in (403, 404):
        return "refused"
    if status == 405:
        return "405"
    if status in (301, 302, 303, 307, 308):
        location = response["Location"].split("?")[0]
        if location.startswith(LOGIN_PATHS) or location == reverse("wagtailadmin_home"):
            return "refused"
        return "allowed"
    if 200 <= status < 300:
        return "allowed"
    return str(status)


def expected(policy: Policy, role: Role, holds: frozenset[Role]) -> str | None:
    """What the role must get (None: not checked, inside a bundle's gate)."""
    owner = policy.own and (holds & policy.own_roles & OWNERS[policy.own])
    may = bool(holds & policy.roles) or bool(owner)
    if policy.gate:
        return None if may else "refused"
    if may:
        return "405" if policy.post_only else "allowed"
    return "refused"


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_every_url_answers_every_role_as_its_policy_says(role, samples):
    user = user_for(role)
    holds = roles_of(user) if user is not None else frozenset({Role.VISITOR})
    assert role in holds
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    wrong = []
    for entry in ENTRIES:
        if entry.key in NOT_REQUESTED or entry.route in NOT_REQUESTED:
            continue
        policy = policy_for(name=entry.name, route=entry.route)
        assert policy is not None, entry.route
        want = expected(policy, role, holds)
        if want is None:
            continue
        path = path_of(entry, samples)
        got = answer(client.get(path))
        if want == "refused" and got == "405":
            got = "refused"  # GET is refused as a method; the POST below tries the door
        if want == "405" and got == "allowed":
            got = "405"  # a page that shows its form on GET and acts on POST
        if got != want:
            wrong.append(f"{entry.key} GET {path}: {got}, policy says {want}")
        if policy.post_only and want == "refused":
            posted = answer(client.post(path))
            if posted != "refused" and posted != "405":
                wrong.append(f"{entry.key} POST {path}: {posted}, policy says refused")
    assert not wrong, "\n".join(wrong)
