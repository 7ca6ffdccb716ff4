"""Every dashboard page a cooperative's user or the platform's staff open runs without a
script error: no console error, no uncaught exception (issue #19: every order page threw
``oscar.dashboard.orders.initTable is not a function``)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from oscar.core.loading import get_model

from tests.shop.payments.paying import awaiting_transfer, pay_in_full

from .conftest import screenshot
from .journey import Settle
from .test_producer_dashboard_browser import database_put_back  # noqa: F401  (a fixture)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

Product = get_model("catalogue", "Product")


def signed_in(browser: Browser, base: str, username: str) -> tuple[Any, Page, list[str]]:
    """A browser context holding a session of ``username`` (no login form involved), and the
    list its page's console errors and uncaught exceptions are put in."""
    user = get_user_model().objects.get(username=username)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "common.logins.AccountBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": store.session_key, "url": base}]
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems: list[str] = []
    page.on(
        "console",
        lambda m: m.type == "error" and problems.append(f"console {page.url}: {m.text}"),
    )
    page.on("pageerror", lambda e: problems.append(f"error {page.url}: {e}"))
    Settle.of(page)  # counting its requests from the first page on
    return context, page, problems


def visit(page: Page, url: str, *, ready: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    page.wait_for_selector(ready)
    Settle.of(page)()  # and the errors the page reports once loaded


def test_no_dashboard_page_logs_a_script_error(database_put_back, demo_site, browser):  # noqa: F811
    base = demo_site.url
    potato = Product.objects.get(upc="YX-DC-001")
    placed = awaiting_transfer([("YX-DC-001", 1), ("YX-XD-001", 1)])
    pay_in_full(placed, by=None)
    found: list[str] = []

    # ------------------------------------------------ 红土地's user (the demo's 东川 cooperative)
    context, page, problems = signed_in(browser, base, "hongtudi")
    visit(page, base + "/shop/dashboard/", ready="#producer-todo")
    assert "20 天后到期" in page.locator("#todo-certificates").inner_text()
    # 益享's mark and name, not Oscar's logo (drawn by Oscar's CSS as the brand's background).
    brand = page.locator(".yx-dashboard-brand")
    assert "益享" in brand.inner_text()
    assert "商家后台" in brand.inner_text()
    assert brand.evaluate("e => getComputedStyle(e).textIndent") == "0px"
    assert brand.evaluate("e => getComputedStyle(e).backgroundImage") == "none"
    assert brand.evaluate("e => e.getBoundingClientRect().left") >= 0
    screenshot(page, "coop-dashboard-home")
    visit(page, base + "/shop/dashboard/orders/", ready="table")
    visit(page, base + f"/shop/dashboard/orders/{placed.number}/", ready=".yx-order-lines")
    visit(page, base + "/shop/dashboard/catalogue/", ready="table")
    visit(page, base + f"/shop/dashboard/catalogue/products/{potato.pk}/", ready=".tox-tinymce")
    visit(page, base + "/shop/dashboard/orders/producer-sales/", ready=".page-content")
    visit(page, base + "/shop/dashboard/orders/producer-impact/", ready="#producer-sales")
    visit(page, base + "/shop/dashboard/orders/producer-arrears/", ready=".page-content")
    visit(page, base + "/shop/dashboard/payouts/", ready=".page-content")
    visit(page, base + "/shop/dashboard/certificates/", ready="#producer-certificates")
    screenshot(page, "coop-dashboard-certificates")
    found += problems
    context.close()

    # ------------------------------------------------ the platform's administrator
    context, page, problems = signed_in(browser, base, "admin")
    visit(page, base + "/shop/dashboard/", ready=".yx-dashboard-logo")
    visit(page, base + "/shop/dashboard/orders/", ready="table")
    visit(page, base + f"/shop/dashboard/orders/{placed.number}/", ready="#attributions")
    screenshot(page, "coop-dashboard-staff-order")
    visit(page, base + "/shop/dashboard/certificates/", ready="#certificates-awaiting-review")
    found += problems
    context.close()

    assert found == [], "\n".join(found)


def test_a_refused_dashboard_page_is_the_sites_styled_403(database_put_back, demo_site, browser):  # noqa: F811
    context, page, problems = signed_in(browser, demo_site.url, "dc-village")

    response = page.goto(demo_site.url + "/shop/dashboard/orders/")

    assert response is not None and response.status == 403
    assert page.locator("#yx-error .yx-error-code").inner_text() == "403"
    assert page.locator("#yx-error-home").get_attribute("href") == "/"
    # Styled: the site's stylesheet applied (the brand's earth red on the status code).
    assert (
        page.locator(".yx-error-code").evaluate("e => getComputedStyle(e).color")
        == "rgb(181, 70, 42)"
    )
    screenshot(page, "coop-403")
    context.close()
    # The 403 itself is reported on the console as a failed resource; nothing else may be
    # (no stylesheet, icon or script of the page missing).
    assert [p for p in problems if "status of 403" not in p] == []
