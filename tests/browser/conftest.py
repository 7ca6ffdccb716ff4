"""Playwright driving Debian's Chromium against a live server.

A browser that downloads itself cannot be fetched here, so the tests use the
machine's /usr/bin/chromium (.ci/run installs it). Without it they are skipped
with that reason on a developer's machine, and fail in CI.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.management import call_command
from oscar.core.loading import get_model

from tests.shop.checkout_flow import ADDRESS

if TYPE_CHECKING:
    from playwright.sync_api import Page

Product = get_model("catalogue", "Product")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; .ci/run installs Debian's chromium")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread for the whole
    # session; the ORM calls made beside it (fixtures, assertions) are plain
    # synchronous ones, so Django's async guard is lifted while it runs.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def demo_site(committed_demo, live_server):
    """The demo data, committed, with its search index, behind a live server."""
    call_command("rebuild_index", interactive=False, verbosity=0)
    return live_server


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


# ---------------------------------------------------------------- what shoppers do on the pages


def log_in(page: Page, base: str, *, then: str, username: str, password: str) -> None:
    """Log in through the shop's login form, which goes on to the path ``then``."""
    page.goto(f"{base}/shop/accounts/login/?next={then}")
    page.fill("#id_login-username", username)
    page.fill("#id_login-password", password)
    page.locator("button[name=login_submit]").click()


def basket_add(page: Page, base: str, *, upc: str) -> None:
    """Open the product's page and put one in the basket."""
    page.goto(base + Product.objects.get(upc=upc).get_absolute_url())
    page.locator("#add_to_basket_form button[type=submit]").click()
    page.wait_for_selector(".alert-success")


def ship_to(page: Page, *, name: str = ADDRESS["last_name"], line1: str = ADDRESS["line1"]) -> None:
    """Fill in the shipping address, in Kunming, and go on to the choice of how to pay."""
    address = {**ADDRESS, "last_name": name, "line1": line1}
    for field in ("last_name", "phone_number", "line1", "postcode"):
        page.fill(f"#id_{field}", address[field])
    # 省 → 市 → 区: each select is filled by static/js/address-cascade.js from the one above.
    page.wait_for_selector("[data-address-cascade-ready]", state="attached")
    for field in ("province", "city", "district"):
        page.select_option(f"#id_{field}", address[field])
    page.locator("#new_shipping_address button[type=submit]").click()
    page.wait_for_selector(".yx-payment-methods")


def guest_to_payment(page: Page, base: str, *, email: str) -> None:
    """Check out the basket as the guest ``email``, up to the choice of how to pay."""
    page.goto(base + "/shop/checkout/")
    page.fill("#id_username", email)
    page.check("#id_options_0")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_selector("#id_last_name")
    ship_to(page)


def order_place(page: Page) -> None:
    """Preview the order, place it, and wait for the page that asks for the bank transfer."""
    page.click("#view_preview")
    page.click("#place-order")
    page.wait_for_selector(".yx-payment-due")
