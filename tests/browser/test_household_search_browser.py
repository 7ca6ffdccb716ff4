"""A county reviewer searches households by ID number and by code in a real browser: the form
posts (with its CSRF token), and no address the browser visits carries the term."""

import pytest

from impact.models import Household

from .conftest import screenshot
from .test_review_browser import cms_login

pytestmark = pytest.mark.browser


def test_searching_by_id_number_and_by_code_puts_neither_in_an_address(demo_site, page):
    household = Household.objects.filter(county__code="530113").order_by("code").first()
    assert household is not None
    number = household.id_number
    visited: list[str] = []
    page.on("request", lambda request: visited.append(request.url))
    base = demo_site.url

    cms_login(page, base, "dc-county")
    page.goto(f"{base}/cms/impact/households/")
    page.fill("#q", number)
    with page.expect_navigation():
        page.locator("#household-filters button[type=submit]").click()
    # one household found: its own page
    assert page.url == f"{base}/cms/impact/households/{household.pk}/"
    assert number not in page.content()

    page.goto(f"{base}/cms/impact/households/")
    page.fill("#q", "530113-")
    with page.expect_navigation():
        page.locator("#household-filters button[type=submit]").click()
    assert "/cms/impact/households/?s=" in page.url
    assert "530113-" in page.locator("#household-search").inner_text()
    assert page.input_value("#q") == ""
    rows = page.locator("#household-table tbody tr").count()
    assert rows == Household.objects.filter(code__contains="530113-").count() > 1
    screenshot(page, "household-search")

    for url in visited:
        assert number not in url, url
        assert "530113-" not in url, url
