"""Two units side by side: a member of one never sees the other's orders, plans, lists,
certificates or invoice details (403, logged with the user and the object).

Runs on whatever database the suite runs on; CI runs it on PostgreSQL.
"""

import logging

import pytest
from django.utils import timezone

from shop.units.models import Inspection, OrderList, UnitPlan
from shop.units.services import unit_plan_file, work_unit_invoice_update

from . import factories
from .ordering import place

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_units():
    units = {}
    for key, title in (("a", "甲单位"), ("b", "乙单位")):
        unit = factories.unit()
        work_unit_invoice_update(
            unit=unit,
            invoice_title=title,
            tax_number=unit.credit_code,
            invoice_address=f"{title}地址",
            invoice_phone="0871-1",
            invoice_bank=f"{title}开户行",
            invoice_account=f"{key.upper()}-ACCOUNT-0001",
        )
        unit_plan_file(
            unit=unit,
            year=timezone.localdate().year,
            food_budget="1000" if key == "a" else "777777.77",
            by=None,
        )
        buyer = factories.member(of=unit)
        finance = factories.member(of=unit, role="finance")
        client = factories.client_for(buyer)
        order, _ = place(client, lines=[("YX-DC-001", 1)], method="pay_later")
        client.post(
            "/shop/unit/quick-order/",
            {"code_1": "YX-DC-002", "quantity_1": "1", "list_name": f"{title}清单"},
        )
        units[key] = {
            "unit": unit,
            "buyer": buyer,
            "finance": finance,
            "order": order,
            "list": OrderList.objects.get(unit=unit),
        }
    return units


def test_a_member_of_one_unit_gets_403_for_everything_of_the_other_and_it_is_logged(
    two_units, caplog
):
    a, b = two_units["a"], two_units["b"]
    number, list_pk = b["order"].number, b["list"].pk
    for user in (a["buyer"], a["finance"]):
        client = factories.client_for(user)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="yixiang.units"):
            responses = {
                "order": client.get(f"/shop/unit/orders/{number}/"),
                "certificate": client.get(f"/shop/unit/orders/{number}/certificate/"),
                "inspect": client.post(f"/shop/unit/orders/{number}/inspect/", {"comment": "x"}),
                "reorder": client.post(f"/shop/unit/lists/{list_pk}/basket/"),
                "delete": client.post(f"/shop/unit/lists/{list_pk}/delete/"),
            }
        expected = {"order": 403, "certificate": 403, "inspect": 403, "reorder": 403, "delete": 403}
        assert {key: r.status_code for key, r in responses.items()} == expected
        messages = [
            record.getMessage() for record in caplog.records if record.name == "yixiang.units"
        ]
        assert all(
            record.levelname == "WARNING"
            for record in caplog.records
            if record.name == "yixiang.units"
        )
        assert (
            f"user {user.username} (unit {a['unit'].pk}) asked for order {number} of work unit {b['unit'].pk}"
            in " | ".join(messages)
        )
        assert f"asked for order list {list_pk} of work unit {b['unit'].pk}" in " | ".join(messages)
    # Nothing of B's changed, and nothing of B's shows on A's own pages.
    assert OrderList.objects.filter(pk=list_pk).exists()
    assert not Inspection.objects.exists()
    client = factories.client_for(a["finance"])
    pages = "".join(
        client.get(path).content.decode()
        for path in (
            "/shop/unit/",
            "/shop/unit/orders/",
            "/shop/unit/lists/",
            "/shop/unit/plan/",
            "/shop/unit/invoice/",
        )
    )
    assert a["order"].number in pages and "甲单位清单" in pages and "甲单位开户行" in pages
    for secret in (number, "乙单位", "B-ACCOUNT-0001", "777,777.77", "777777.77", b["unit"].name):
        assert secret not in pages
    assert UnitPlan.objects.filter(unit=b["unit"]).count() == 1


def test_a_user_of_no_unit_gets_403_and_is_logged(two_units, caplog):
    b = two_units["b"]
    stranger = factories.client_for(factories.user())
    with caplog.at_level(logging.WARNING, logger="yixiang.units"):
        assert (
            stranger.get(f"/shop/unit/orders/{b['order'].number}/certificate/").status_code == 403
        )
        assert stranger.get("/shop/unit/orders/").status_code == 403
    text = " | ".join(
        record.getMessage() for record in caplog.records if record.name == "yixiang.units"
    )
    assert "(no unit) asked for unit pages" in text
    # Their unit page offers registration instead.
    response = stranger.get("/shop/unit/")
    assert (response.status_code, response["Location"]) == (302, "/shop/unit/apply/")


def test_an_order_that_is_no_units_is_not_found_not_forbidden(two_units):
    consumer_order, _ = place(factories.client_for(factories.user()), lines=[("YX-DC-001", 1)])
    client = factories.client_for(two_units["a"]["buyer"])
    assert client.get(f"/shop/unit/orders/{consumer_order.number}/").status_code == 404
    assert client.get("/shop/unit/orders/NO-SUCH-ORDER/certificate/").status_code == 404
