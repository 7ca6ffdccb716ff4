"""A cooperative's user in a real browser: logs in, changes a price, ships an order."""

from decimal import Decimal

import pytest
from oscar.core.loading import get_model

from producers.models import Shipment
from tests.db_snapshot import Snapshot
from tests.producers.factories import PASSWORD, producer_user
from tests.shop.payments.paying import awaiting_transfer, pay_in_full

from .conftest import log_in, screenshot

pytestmark = pytest.mark.browser

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")


@pytest.fixture(scope="module")
def database_put_back(django_db_blocker):
    """Leave the database as this test found it.

    A live-server test commits, and its end empties every table, Wagtail's root page
    included. The database is kept before the test and put back after it
    (tests/db_snapshot.py).
    """
    with django_db_blocker.unblock():
        found = Snapshot()
    yield
    with django_db_blocker.unblock():
        found.put_back()


# Module-scoped, database_put_back is set up before the test's database and torn down after it.
def test_a_cooperative_user_edits_a_price_and_marks_an_order_shipped(
    database_put_back, demo_site, page
):
    user = producer_user(partner_code="dongchuan-hongtudi", email="coop-user@example.com")
    potato = Product.objects.get(upc="YX-DC-001")
    # Shipping waits for payment: the order is paid as the platform pays it (a recorded transfer).
    placed = awaiting_transfer([("YX-DC-001", 2), ("YX-XD-001", 1)])
    pay_in_full(placed, by=None)

    log_in(
        page,
        demo_site.url,
        then="/shop/dashboard/",
        username="coop-user@example.com",
        password=PASSWORD,
    )
    page.wait_for_url("**/shop/dashboard/")

    page.goto(f"{demo_site.url}/shop/dashboard/catalogue/products/{potato.pk}/")
    page.click('a[href="#product_stock"]')
    page.fill("#id_stockrecords-0-price", "33.50")
    screenshot(page, "producer-dashboard-product")
    page.click("button[name=action][value=save]")
    page.wait_for_url("**/shop/dashboard/catalogue/")
    page.wait_for_selector(".alert-success")
    assert StockRecord.objects.get(product=potato).price == Decimal("33.50")

    page.goto(f"{demo_site.url}/shop/dashboard/orders/{placed.number}/")
    lines = page.locator(".yx-order-lines").inner_text()
    assert "东川红土地大洋芋 5kg" in lines
    assert "寻甸黑山羊肉 1kg" not in page.content()
    page.fill("#id_carrier", "顺丰速运")
    page.fill("#id_tracking_number", "SF1402345678901")
    page.click("#ship_submit")
    page.wait_for_selector(".yx-shipment-tracking")
    assert page.locator(".yx-shipment-tracking").inner_text() == "SF1402345678901"
    screenshot(page, "producer-dashboard-order")

    shipment = Shipment.objects.get(order=placed)
    assert (shipment.producer.partner.code, shipment.carrier, shipment.tracking_number) == (
        "dongchuan-hongtudi",
        "顺丰速运",
        "SF1402345678901",
    )
    assert shipment.by == user
