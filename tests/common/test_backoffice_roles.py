"""Who may open the back office's staff pages (common.backoffice.require_staff), tried by every role.

Staff pages (households, clues, exports, impact reports, producers, work units) belong
to monitoring staff and platform operations: users with ``is_staff``, narrowed to their
county by ``StaffScope``; imports also need the ``impact.add_household`` permission. Every other demo role is refused there: a visitor is sent
to log in; a consumer, a canteen buyer and a producer's user, who have no back-office
access, are sent to log in too; the campaign cadre, who may use the back office for
campaigns, gets 403. Nobody refused sees a household's code.
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from cms.campaigns.services import CADRE_GROUP
from impact.models import AuditEvent, Household
from producers.models import Producer

IMPORT_PAGE = "/cms/impact/import/"
# Work units' invoice and bank details: platform operations' and finance's, not county
# staff's (tests/common/test_roles.py).
UNITS_PAGE = "/cms/units/"
STAFF_PAGES = [
    "/cms/impact/households/",
    "/cms/impact/households/{household}/",
    "/cms/impact/clues/",
    IMPORT_PAGE,
    "/cms/impact/export/warnings.csv",
    "/cms/impact/export/attribution.csv",
    "/cms/impact/reports/",
    "/cms/impact/reports/platform/",
    "/cms/impact/reports/breakdowns/?by=product",
    "/cms/impact/reports/arrears/",
    "/cms/impact/payouts/follow-ups/",
    "/cms/impact/evaluations/",
    "/cms/producers/",
    UNITS_PAGE,
]


def user(username: str, *, cadre: bool = False):
    User = get_user_model()
    found = User.objects.filter(username=username).first()
    if found is None:
        found = User.objects.create_user(username=username, email=f"{username}@example.com")
    if cadre:
        found.groups.add(Group.objects.get(name=CADRE_GROUP))
    return found


def logged_in(role: str) -> Client:
    client = Client()
    if role == "visitor":
        return client
    client.force_login(
        {
            "consumer": lambda: user("buyer-without-unit"),
            "canteen buyer": lambda: user("canteen"),
            "producer": lambda: user("hongtudi"),
            "campaign cadre": lambda: user("zhibo-test", cadre=True),
        }[role]()
    )
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("page", STAFF_PAGES)
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("visitor", 302),
        ("consumer", 302),
        ("canteen buyer", 302),
        ("producer", 302),
        ("campaign cadre", 403),
    ],
)
def test_every_role_but_staff_is_refused_the_staff_pages(role, status, page):
    household = Household.objects.order_by("pk").first()
    response = logged_in(role).get(page.format(household=household.pk))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("wagtailadmin_login"))
    assert household.code not in response.content.decode(errors="replace")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "page", [page for page in STAFF_PAGES if page not in (IMPORT_PAGE, UNITS_PAGE)]
)
def test_county_staff_open_every_staff_page(client, page):
    client.force_login(get_user_model().objects.get(username="dongchuan"))
    household = Household.objects.filter(county__code="530113").order_by("pk").first()
    assert client.get(page.format(household=household.pk)).status_code == 200


@pytest.mark.django_db
def test_imports_need_the_add_household_permission_not_only_staff(client):
    client.force_login(get_user_model().objects.get(username="dongchuan"))
    assert client.get(IMPORT_PAGE).status_code == 403
    client.force_login(get_user_model().objects.get(username="admin"))
    assert client.get(IMPORT_PAGE).status_code == 200


@pytest.mark.django_db
def test_a_cadre_cannot_reveal_an_id_number_and_nothing_is_logged_as_revealed():
    household = Household.objects.order_by("pk").first()
    client = logged_in("campaign cadre")
    response = client.post(f"/cms/impact/households/{household.pk}/reveal/", {"reason": "核实身份"})
    assert response.status_code == 403
    assert household.id_number not in response.content.decode()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.REVEAL, household=household).exists()


@pytest.mark.django_db
def test_the_monitoring_menu_is_shown_to_staff_only():
    households = reverse("impact_households")
    assert households not in logged_in("campaign cadre").get("/cms/").content.decode()
    staff = Client()
    staff.force_login(get_user_model().objects.get(username="dongchuan"))
    assert households in staff.get("/cms/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [("visitor", 302), ("consumer", 403), ("canteen buyer", 403), ("campaign cadre", 403)],
)
def test_only_producers_users_and_staff_open_the_producer_impact_page(role, status):
    response = logged_in(role).get(reverse("dashboard:producer-impact"))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("dashboard:login"))


@pytest.mark.django_db
def test_staff_choose_any_producer_on_the_producer_impact_page(client):
    client.force_login(get_user_model().objects.get(username="admin"))
    chosen = Producer.objects.get(partner__code="dongchuan-hongtudi")
    response = client.get(reverse("dashboard:producer-impact"), {"partner": chosen.partner_id})
    assert response.status_code == 200
    assert response.context["producer"] == chosen


# ---------------------------------------------------------------- payouts (issue #16)
# Recording payouts on a producer's behalf (/cms/impact/payouts/) belongs to county (or city)
# staff with impact.add_payout; a producer's own payouts page to that producer's users.

STAFF_PAYOUTS = "/cms/impact/payouts/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("visitor", 302),
        ("consumer", 302),
        ("canteen buyer", 302),
        ("producer", 302),
        ("campaign cadre", 403),
    ],
)
def test_every_role_but_county_staff_is_refused_recording_payouts_on_a_producers_behalf(
    role, status
):
    assert logged_in(role).get(STAFF_PAYOUTS).status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("level", "status"), [("village", 403), ("township", 403), ("county", 200)]
)
def test_of_monitoring_staff_with_the_permission_only_the_county_records_payouts(
    client, level, status
):
    from impact.models import StaffScope
    from tests.impact.factories import county_staff

    village = Household.objects.filter(county__code="530113").order_by("pk").first().region
    region = {"village": village, "township": village.parent, "county": village.county}[level]
    staff = county_staff(f"payouts-{level}", None, permissions=["add_payout"])
    StaffScope.objects.filter(user=staff).update(region=region, county=region.county)
    client.force_login(staff)
    assert client.get(STAFF_PAYOUTS).status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [("visitor", 302), ("consumer", 403), ("canteen buyer", 403), ("campaign cadre", 403)],
)
def test_only_a_producers_users_open_its_payouts_page(role, status):
    response = logged_in(role).get(reverse("dashboard:producer-payouts"))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("dashboard:login"))
