"""The Content-Security-Policy in a real browser: no page the shop, a producer or staff open
is refused a script, a style, a frame or a connection, and none logs a console error.

The browser reports every refusal as a ``securitypolicyviolation`` event (and a console
error); both are collected for each page, and the test fails naming the page and what was
refused.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import pytest
from oscar.core.loading import get_model
from PIL import Image

from cms.models import CampaignPage, NewsPage, StoryPage
from tests.producers.factories import PASSWORD, producer_user

from .conftest import basket_add, guest_to_payment, log_in, screenshot
from .journey import Settle
from .test_producer_dashboard_browser import database_put_back  # noqa: F401  (a fixture)

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

Product = get_model("catalogue", "Product")

LISTEN = """
document.addEventListener("securitypolicyviolation", (event) => {
    window.yxCspViolation({
        page: document.location.pathname,
        directive: event.effectiveDirective,
        blocked: event.blockedURI,
        source: event.sourceFile + ":" + event.lineNumber,
        sample: event.sample,
    });
});
"""


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 120, 40)).save(buffer, "PNG")
    return buffer.getvalue()


class Watch:
    """Every CSP violation and console error the page raises, by the path it was on."""

    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        self.page = page
        page.expose_function("yxCspViolation", lambda v: self.problems.append(f"CSP {v}"))
        page.add_init_script(LISTEN)
        page.on(
            "console",
            lambda m: m.type == "error" and self.problems.append(f"console {page.url}: {m.text}"),
        )
        page.on("pageerror", lambda e: self.problems.append(f"error {page.url}: {e}"))
        self.settle = Settle.of(page)

    def open(self, url: str, *, ready: str | None = None) -> None:
        self.page.goto(url)
        if ready:
            self.page.wait_for_selector(ready)
        self.settle()  # and the events the page reports once loaded


def test_no_page_is_refused_anything_by_the_policy(database_put_back, demo_site, browser):  # noqa: F811
    base = demo_site.url
    found: list[str] = []

    def session() -> Any:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(20_000)
        return context, page, Watch(page)

    # ------------------------------------------------ a shopper, anonymous, then a guest
    context, page, watch = session()
    potato = Product.objects.get(upc="YX-DC-001")
    campaign = CampaignPage.objects.live().first()
    for path in (
        "/",
        "/shop/",
        "/shop/catalogue/",
        potato.get_absolute_url(),
        "/declare/",
        "/impact/",
    ):
        watch.open(base + path)
    watch.open(base + campaign.url)
    watch.open(base + "/cms/login/")
    watch.open(base + "/shop/dashboard/login/")
    basket_add(page, base, upc="YX-DC-001")
    watch.open(base + "/shop/basket/")
    guest_to_payment(page, base, email="csp-guest@example.com")
    page.wait_for_timeout(300)
    screenshot(page, "csp-checkout")
    found += watch.problems
    context.close()

    # ------------------------------------------------ a producer's user in Oscar's dashboard
    context, page, watch = session()
    producer_user(partner_code="dongchuan-hongtudi", email="csp-producer@example.com")
    log_in(
        page, base, then="/shop/dashboard/", username="csp-producer@example.com", password=PASSWORD
    )
    page.wait_for_url("**/shop/dashboard/")
    watch.open(base + "/shop/dashboard/")
    watch.open(base + "/shop/dashboard/orders/")
    watch.open(base + f"/shop/dashboard/catalogue/products/{potato.pk}/", ready=".tox-tinymce")
    # The picture input works without its inline handlers: a chosen picture hides the button.
    empty = page.locator(".image-input:has(img[data-yx-upload-button])").first
    button = empty.locator("button")
    assert button.evaluate("b => b.style.display") == ""
    empty.locator("input[type=file]").set_input_files(
        files=[{"name": "potato.png", "mimeType": "image/png", "buffer": png()}]
    )
    page.wait_for_function("b => b.style.display === 'none'", arg=button.element_handle())
    screenshot(page, "csp-product-edit")
    found += watch.problems
    context.close()

    # ------------------------------------------------ staff in Wagtail's admin
    context, page, watch = session()
    watch.open(base + "/cms/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "yixiang-demo")
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/cms/")
    watch.open(base + "/cms/")
    for model in (StoryPage, NewsPage, CampaignPage):
        edited = model.objects.live().first()
        watch.open(base + f"/cms/pages/{edited.pk}/edit/", ready="form#page-edit-form")
    screenshot(page, "csp-page-edit")
    watch.open(base + "/cms/impact/reports/", ready="#chart-months[data-rendered='true']")
    found += watch.problems
    context.close()

    assert found == [], "\n".join(found)
