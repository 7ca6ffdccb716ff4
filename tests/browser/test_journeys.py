"""Each role's main journey in a real browser, on a laptop (1366 px) and on a phone (390 px).

Every page on the way fails the test on a console error or uncaught exception, a request to
a host other than the live server, or a page wider than the window (tests/browser/journey.py).
On the phone the journeys also hold the phone-first layout: the basket and its count in view,
two products a row, the live room's state, pinned product and stream button above the fold.

One demo load serves the whole module (``journey_site``); the database is put back as it was
found when the module ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from oscar.core.loading import get_model

from demo.data import DEMO_CANTEEN_BUYER
from tests.live_server import OwnLiveServer
from tests.shop.checkout_flow import ADDRESS
from tests.shop.payments.paying import awaiting_transfer, pay_in_full

from .conftest import log_in, order_place, screenshot, ship_to
from .journey import Journey
from .test_review_browser import cms_login

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

# The django_db mark makes pytest-django create the test database for these tests even
# when they run alone; _django_db_marker below keeps it from wrapping each test in a
# transaction or flushing after it: the module's data is committed once (journey_site).
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

Order = get_model("order", "Order")

PASSWORD = "yixiang-demo"
ORDER_LIST = "商品编码,数量,商品名称\r\nYX-DC-001,10,东川红土地大洋芋 5kg\r\nYX-DC-002,5,东川手工挂面 2kg\r\n"
LAPTOP: ViewportSize = {"width": 1366, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def _django_db_marker() -> None:
    """In place of pytest-django's: the mark only asks for the test database (see above)."""


@pytest.fixture(scope="module")
def journey_site(django_db_setup: None, django_db_blocker: Any) -> Iterator[OwnLiveServer]:
    """The demo, committed once for the module, behind a live server of the module's own.

    The journeys commit (orders, baskets, sessions): the database is serialized first and
    put back at the end, as test_producer_dashboard_browser's ``database_put_back`` does.
    """
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale

    from demo.services import demo_load

    with django_db_blocker.unblock():
        # Never the development database: what follows commits and then flushes.
        assert connection.settings_dict["NAME"] == connection.creation._get_test_db_name()  # type: ignore[attr-defined]
        snapshot = connection.creation.serialize_db_to_string()
        if not get_model("catalogue", "Product").objects.filter(upc="YX-DC-001").exists():
            Locale.objects.get_or_create(
                language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
            )
            demo_load()
        call_command("rebuild_index", interactive=False, verbosity=0)
        server = OwnLiveServer("localhost")
        try:
            yield server
        finally:
            server.stop()
            call_command(
                "flush",
                interactive=False,
                verbosity=0,
                reset_sequences=False,
                inhibit_post_migrate=True,
            )
            connection.creation.deserialize_db_from_string(snapshot)


@pytest.fixture(params=[LAPTOP, PHONE], ids=["1366px", "390px"])
def screen(request: pytest.FixtureRequest) -> ViewportSize:
    return request.param


@pytest.fixture
def walk(browser: Browser, journey_site: OwnLiveServer, screen: ViewportSize) -> Iterator[Journey]:
    context = browser.new_context(viewport=screen, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield Journey(page, journey_site.url)
    context.close()


def on_phone(page: Page) -> bool:
    return (page.viewport_size or LAPTOP)["width"] < 576


def shot(walk: Journey, name: str) -> None:
    screenshot(walk.page, f"journey-{name}-{(walk.page.viewport_size or LAPTOP)['width']}")


def basket_in_view(page: Page, count: int | None = None) -> int:
    """The basket button is on screen, without opening any menu, and shows ``count``
    (any count when None); returns the count it shows."""
    cart = page.locator("#yx-cart")
    assert cart.is_visible()
    box = cart.bounding_box()
    viewport = page.viewport_size or LAPTOP
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]
    shown = int(cart.locator(".yx-cart-count").inner_text())
    assert count is None or shown == count
    return shown


def two_a_row_on_a_phone(page: Page) -> None:
    """On a phone the first two product cards sit side by side."""
    if not on_phone(page):
        return
    cards = page.locator("article.yx-card")
    first, second = cards.nth(0).bounding_box(), cards.nth(1).bounding_box()
    assert first and second
    assert first["y"] == second["y"] and second["x"] > first["x"] + first["width"]


# ---------------------------------------------------------------- the journeys


def consumer(walk: Journey) -> None:
    """Home → catalogue → search → a product → basket → guest checkout → the order's status page."""
    page = walk.page
    walk.visit("/")
    basket_in_view(page, 0)
    if on_phone(page):
        assert page.locator(".navbar-toggler").count() == 0  # one menu, nothing folded away
    shot(walk, "home")

    page.locator("#yx-nav-list a", has_text="全部商品").click()
    page.wait_for_url("**/shop/catalogue/")
    walk.check()
    two_a_row_on_a_phone(page)
    basket_in_view(page, 0)
    shot(walk, "catalogue")

    page.fill("#id_q", "东川")
    page.locator("#id_q").press("Enter")
    page.wait_for_url("**/shop/search/**")
    walk.check()
    two_a_row_on_a_phone(page)

    page.locator("article.yx-card", has_text="东川老鹰茶 250g").locator("h3 a").click()
    # On a phone the form holds only the bar fixed to the bottom: wait for its button.
    page.wait_for_selector("#add_to_basket_form button[type=submit]")
    walk.check()
    page.locator("#add_to_basket_form button[type=submit]").click()
    page.wait_for_selector(".alert-success")
    walk.check()
    basket_in_view(page, 1)
    shot(walk, "product")

    page.locator("#yx-cart").click()
    page.wait_for_url("**/shop/basket/")
    walk.check()
    assert "东川老鹰茶 250g" in page.locator("#content_inner").inner_text()

    email = f"journey-{page.viewport_size and page.viewport_size['width']}@example.com"
    page.goto(walk.base_url + "/shop/checkout/")
    page.fill("#id_username", email)
    page.check("#id_options_0")  # as a guest
    page.locator("form button[type=submit]").first.click()
    page.wait_for_selector("#id_last_name")
    walk.check()
    no_mobile_no_order(page)
    walk.check()
    ship_to(page)
    walk.check()
    order_place(page)
    walk.check()
    shot(walk, "thank-you")

    order = Order.objects.get(guest_email=email)
    walk.visit(
        reverse(
            "customer:anon-order",
            kwargs={"order_number": order.number, "hash": order.verification_hash()},
        )
    )
    page.fill("#id_email", email)
    with page.expect_navigation():
        page.locator("#id_email").press("Enter")
    walk.check()
    assert order.number in page.locator("body").inner_text()
    shot(walk, "order-status")


def no_mobile_no_order(page: Page) -> None:
    """The address without a mobile number does not go on to payment, in the browser (the
    field is required) or at the server (the same form posted without that check)."""
    page.wait_for_selector("[data-address-cascade-ready]", state="attached")
    page.fill("#id_last_name", ADDRESS["last_name"])
    page.fill("#id_line1", ADDRESS["line1"])
    for field in ("province", "city", "district"):
        page.select_option(f"#id_{field}", ADDRESS[field])
    submit = page.locator("#new_shipping_address button[type=submit]")
    submit.click()
    assert page.evaluate("() => document.getElementById('id_phone_number').validity.valueMissing")
    assert page.locator(".yx-payment-methods").count() == 0
    page.evaluate("() => document.getElementById('id_phone_number').removeAttribute('required')")
    with page.expect_navigation():
        submit.click()
    assert page.locator(".error-block").inner_text().strip() == "请填写手机号，以便快递员联系您。"
    assert page.locator(".yx-payment-methods").count() == 0


def canteen_buyer(walk: Journey, tmp_path: Path) -> None:
    """Log in → the unit's account → quick order (an order list) → checkout → the unit's orders → the order."""
    page = walk.page
    log_in(
        page,
        walk.base_url,
        then="/shop/unit/",
        username=DEMO_CANTEEN_BUYER["email"],
        password=DEMO_CANTEEN_BUYER["password"],
    )
    page.wait_for_url("**/shop/unit/")
    walk.check()
    in_basket = basket_in_view(page)
    shot(walk, "unit")

    page.locator(".yx-unit-nav a", has_text="快速下单").click()
    page.wait_for_selector("#order-list-upload-form")
    walk.check()
    order_list = tmp_path / "每周清单.csv"
    order_list.write_bytes(ORDER_LIST.encode("utf-8-sig"))
    page.set_input_files("#order-list-upload-form input[type=file]", str(order_list))
    page.click("#upload-order-list")
    page.wait_for_url("**/shop/basket/")
    walk.check()
    basket_in_view(page, in_basket + 15)

    page.goto(walk.base_url + "/shop/checkout/")
    page.wait_for_selector("#id_last_name")
    walk.check()
    ship_to(page, name="东川区第一中学食堂", line1="铜都街道东川区第一中学")
    walk.check()
    page.check("#method-transfer")
    page.click("#view_preview")
    page.wait_for_selector("#id_ship_within_days")
    walk.check()
    page.click("#place-order")
    page.wait_for_selector(".yx-payment-due")
    walk.check()
    number = page.locator(".yx-payment-reference").inner_text()

    walk.visit("/shop/unit/")  # the thank-you page is checkout's own, without the menu
    page.locator(".yx-unit-nav a", has_text="单位订单").click()
    page.wait_for_url("**/shop/unit/orders/")
    walk.check()
    row = page.locator("tr.yx-unit-order", has_text=number)
    if on_phone(page):  # one card an order, each cell named
        assert row.evaluate("row => getComputedStyle(row).display") == "block"
    shot(walk, "unit-orders")

    row.locator("td a", has_text=number).click()
    page.wait_for_url(f"**/shop/unit/orders/{number}/")
    walk.check()


def cooperative(walk: Journey) -> None:
    """Log in → the shop dashboard → its orders → one order (paid for by bank transfer)."""
    page = walk.page
    placed = awaiting_transfer([("YX-DC-001", 2)])
    pay_in_full(placed, by=None)
    log_in(
        page,
        walk.base_url,
        then="/shop/dashboard/",
        username="hongtudi@yixiang.example",
        password=PASSWORD,
    )
    page.wait_for_url("**/shop/dashboard/")
    walk.check()
    shot(walk, "dashboard")

    walk.visit("/shop/dashboard/orders/")
    page.locator(f"a[href='/shop/dashboard/orders/{placed.number}/']").first.click()
    page.wait_for_url(f"**/shop/dashboard/orders/{placed.number}/")
    walk.check()
    shot(walk, "dashboard-order")


def campaign_host(walk: Journey) -> None:
    """Log in to the CMS → the campaigns → one campaign's console → its live page."""
    page = walk.page
    cms_login(page, walk.base_url, "zhibo")
    walk.check()

    walk.visit("/cms/campaigns/")
    page.locator("a[href^='/cms/campaigns/']", has_text="寻甸").first.click()
    page.wait_for_url("**/cms/campaigns/*/")
    walk.check()
    shot(walk, "campaign-console")

    walk.visit("/campaigns/xundian-ecommerce-festival-day-1/")
    page.wait_for_selector("#campaign-countdown:not(.d-none)")
    walk.check()
    if on_phone(page):
        # The live room opens on the stream: state, countdown, button and pinned product
        # are on the first screen.
        for selector in (
            "#campaign-state",
            "#campaign-countdown",
            "#campaign-stream",
            "#campaign-featured",
        ):
            box = page.locator(selector).bounding_box()
            assert box is not None and box["y"] + box["height"] <= PHONE["height"], selector
    assert page.locator("#campaign-state").inner_text() == "即将开播"
    assert page.locator("#campaign-countdown").inner_text().startswith("距开播 ")
    shot(walk, "live-room")


def monitoring_staff(walk: Journey) -> None:
    """Log in to the CMS → the households → one household's page."""
    page = walk.page
    cms_login(page, walk.base_url, "dc-county")
    walk.check()

    walk.visit("/cms/impact/households/")
    page.locator("a[href^='/cms/impact/households/']", has_text="530113-").first.click()
    page.wait_for_url("**/cms/impact/households/*/")
    walk.check()
    shot(walk, "household")


JOURNEYS: dict[str, Callable[..., None]] = {
    "consumer": consumer,
    "canteen-buyer": canteen_buyer,
    "cooperative": cooperative,
    "campaign-host": campaign_host,
    "monitoring-staff": monitoring_staff,
}


@pytest.mark.parametrize("role", list(JOURNEYS))
def test_the_main_journey_has_no_errors_no_foreign_requests_and_fits_the_screen(
    walk: Journey, role: str, tmp_path: Path
) -> None:
    journey = JOURNEYS[role]
    if role == "canteen-buyer":
        journey(walk, tmp_path)
    else:
        journey(walk)
    walk.done()
