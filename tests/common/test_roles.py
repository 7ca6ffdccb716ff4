"""Roles as data (common.roles) and the holes issue #17 named, closed for each role.

Payments (list, detail, transfer, refund) are platform finance's; work units' invoice
and bank details are platform operations' and finance's; the dashboard's platform-wide
sales totals are the platform's own staff's. County, township and village monitoring
staff are ``is_staff`` for monitoring only: each of them is refused here.
"""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from common.roles import Role, roles_of
from demo.orders import demo_order_place
from producers.models import Producer
from shop.payments.models import BankTransfer, OrderPayment, Refund
from shop.payments.services import order_payment_open

pytestmark = pytest.mark.django_db

ORDER_NUMBER = "YX-ROLES-0001"


def demo_user(username: str):
    return get_user_model().objects.get(username=username)


def as_user(username: str | None) -> Client:
    client = Client()
    if username is not None:
        client.force_login(demo_user(username))
    return client


@pytest.fixture
def transfer_order():
    """The canteen's order of ¥29.90 × 2 (YX-DC-001), waiting for its bank transfer."""
    order = demo_order_place(
        buyer=demo_user("canteen"), lines=[("YX-DC-001", 2)], number=ORDER_NUMBER
    )
    order_payment_open(order=order, method=OrderPayment.Method.TRANSFER)
    return order


@pytest.mark.parametrize(
    ("username", "roles"),
    [
        ("admin", {Role.ADMINISTRATOR, Role.CONSUMER}),
        ("finance", {Role.FINANCE, Role.CONSUMER}),
        ("ops", {Role.OPERATIONS, Role.CONSUMER}),
        ("dongchuan", {Role.COUNTY_MONITORING, Role.CONSUMER}),
        ("dc-county", {Role.COUNTY_MONITORING, Role.CONSUMER}),
        ("dc-township", {Role.TOWNSHIP_REVIEWER, Role.CONSUMER}),
        ("dc-village", {Role.VILLAGE_REVIEWER, Role.CONSUMER}),
        ("zhibo", {Role.CAMPAIGN_HOST, Role.CONSUMER}),
        ("hongtudi", {Role.PRODUCER, Role.CONSUMER}),
        ("canteen", {Role.UNIT_BUYER, Role.CONSUMER}),
    ],
)
def test_the_demo_logins_hold_their_roles(username, roles):
    assert roles_of(demo_user(username)) == roles


def test_a_visitor_is_only_a_visitor_and_a_withdrawn_staff_flag_withdraws_the_role():
    assert roles_of(AnonymousUser()) == {Role.VISITOR}
    finance = demo_user("finance")
    finance.is_staff = False
    assert roles_of(finance) == {Role.CONSUMER}


# ------------------------------------------------------------------ payments: finance's

REFUSED_STAFF = ["dongchuan", "dc-county", "dc-township", "dc-village", "ops"]
REFUSED_OTHERS = ["zhibo", "hongtudi", "canteen"]


@pytest.mark.parametrize("username", REFUSED_STAFF + REFUSED_OTHERS)
@pytest.mark.parametrize("page", ["list", "detail"])
def test_only_platform_finance_reads_the_payments(transfer_order, username, page):
    kwargs = {"number": ORDER_NUMBER} if page == "detail" else {}
    response = as_user(username).get(reverse(f"payments-dashboard:{page}", kwargs=kwargs))
    assert response.status_code == 403
    assert ORDER_NUMBER not in response.content.decode()


@pytest.mark.parametrize("username", REFUSED_STAFF + REFUSED_OTHERS)
def test_a_county_monitoring_account_cannot_record_a_transfer_or_refund(transfer_order, username):
    client = as_user(username)
    transfer = client.post(
        reverse("payments-dashboard:transfer", kwargs={"number": ORDER_NUMBER}),
        {"amount": "59.80", "received_on": timezone.localdate().isoformat(), "bank_reference": "X"},
    )
    line = transfer_order.lines.get()
    refund = client.post(
        reverse("payments-dashboard:refund", kwargs={"number": ORDER_NUMBER}),
        {f"quantity_{line.pk}": "1", "reason": "坏了"},
    )
    assert (transfer.status_code, refund.status_code) == (403, 403)
    assert not BankTransfer.objects.filter(order_payment__order=transfer_order).exists()
    assert not Refund.objects.filter(order_payment__order=transfer_order).exists()
    assert transfer_order.payment.amount_received == Decimal("0.00")


@pytest.mark.parametrize("page", ["list", "detail", "transfer", "refund"])
def test_a_visitor_is_sent_to_log_in_for_the_payments(transfer_order, page):
    kwargs = {} if page == "list" else {"number": ORDER_NUMBER}
    response = Client().get(reverse(f"payments-dashboard:{page}", kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("customer:login"))


@pytest.mark.parametrize("username", ["finance", "admin"])
def test_platform_finance_and_superusers_record_a_transfer(transfer_order, username):
    client = as_user(username)
    assert client.get(reverse("payments-dashboard:list")).status_code == 200
    detail = client.get(reverse("payments-dashboard:detail", kwargs={"number": ORDER_NUMBER}))
    assert ORDER_NUMBER in detail.content.decode()
    response = client.post(
        reverse("payments-dashboard:transfer", kwargs={"number": ORDER_NUMBER}),
        {
            "amount": "59.80",
            "received_on": timezone.localdate().isoformat(),
            "bank_reference": "ICBC-1",
        },
    )
    assert response.status_code == 302
    transfer_order.payment.refresh_from_db()
    assert transfer_order.payment.amount_received == Decimal("59.80")


def test_the_payments_menu_is_shown_to_platform_finance_only():
    url = reverse("payments-dashboard:list")
    assert url in as_user("finance").get(reverse("dashboard:index")).content.decode()
    assert url not in as_user("ops").get(reverse("dashboard:index")).content.decode()


# ------------------------------------------------------------------ work units: ops' and finance's


@pytest.mark.parametrize("username", ["dongchuan", "dc-county", "dc-township", "dc-village"])
def test_county_monitoring_cannot_read_work_units_invoice_details(username):
    from shop.units.models import WorkUnit

    unit = WorkUnit.objects.get()
    client = as_user(username)
    for page in ("/cms/units/", f"/cms/units/{unit.pk}/"):
        response = client.get(page)
        assert response.status_code == 403
        assert unit.name not in response.content.decode()
    assert "/cms/units/" not in client.get("/cms/").content.decode()


@pytest.mark.parametrize("username", ["ops", "finance", "admin"])
def test_platform_operations_and_finance_read_the_work_units(username):
    from shop.units.models import WorkUnit

    unit = WorkUnit.objects.get()
    client = as_user(username)
    assert unit.name in client.get("/cms/units/").content.decode()
    assert client.get(f"/cms/units/{unit.pk}/").status_code == 200
    assert "/cms/units/" in client.get("/cms/").content.decode()


# ------------------------------------------------------------------ the dashboard's sales totals


@pytest.mark.parametrize("username", ["dongchuan", "dc-county", "dc-township", "dc-village"])
def test_monitoring_staff_do_not_see_the_platform_wide_sales_totals(transfer_order, username):
    response = as_user(username).get(reverse("dashboard:index"))
    assert response.status_code == 403
    assert "59.80" not in response.content.decode()
    orders = as_user(username).get(reverse("dashboard:order-list"))
    assert orders.status_code == 403
    assert ORDER_NUMBER not in orders.content.decode()


def test_a_producer_sees_only_its_own_sales_totals(transfer_order):
    """The order is 红土地's potatoes: 红土地 counts it, 兰风 (another producer) does not."""
    own = as_user("hongtudi").get(reverse("dashboard:index"))
    other = as_user("lanfeng").get(reverse("dashboard:index"))
    assert (own.status_code, other.status_code) == (200, 200)
    assert own.context["total_orders"] == 1
    assert other.context["total_orders"] == 0


@pytest.mark.parametrize("username", ["admin", "finance", "ops"])
def test_the_platforms_own_staff_see_the_platform_wide_totals(transfer_order, username):
    response = as_user(username).get(reverse("dashboard:index"))
    assert response.status_code == 200
    assert response.context["total_orders"] == 1


# ------------------------------------------------------------------ monitoring pages: monitoring's


@pytest.mark.parametrize("username", ["ops", "finance"])
def test_platform_staff_hold_no_area_so_the_monitoring_pages_refuse_them(username):
    client = as_user(username)
    for page in ("/cms/impact/households/", "/cms/impact/export/warnings.csv"):
        assert client.get(page).status_code == 403
    menu = client.get("/cms/").content.decode()
    assert reverse("impact_households") not in menu
    assert (reverse("producers_admin_list") in menu) is (username == "ops")


def test_platform_operations_see_every_producer_to_approve_it():
    response = as_user("ops").get(reverse("producers_admin_list"))
    assert response.status_code == 200
    assert list(response.context["producers"].order_by("pk")) == list(
        Producer.objects.order_by("pk")
    )


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("ops", 200),
        ("admin", 200),
        # other roles the back office admits (the campaign host too): refused
        *[
            (name, 403)
            for name in ("finance", "dongchuan", "dc-county", "dc-township", "dc-village", "zhibo")
        ],
        # no back office: sent to its login
        *[(name, 302) for name in ("hongtudi", "canteen")],
    ],
)
def test_only_platform_operations_see_the_quarantined_attribution_jobs(username, status):
    response = as_user(username).get(reverse("impact_attribution_quarantine"))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_a_visitor_is_sent_to_log_in_for_the_quarantined_attribution_jobs():
    response = as_user(None).get(reverse("impact_attribution_quarantine"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))
