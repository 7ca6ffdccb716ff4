"""No page asks a third party for anything (issue #19): every CMS page used to request a
Gravatar avatar, blocked in mainland China and a leak of staff e-mail hashes.

Chromium records the host of every request while admin signs in through each of the
three login forms (each takes the username, as the README writes it) and opens the
storefront, the shop dashboard and the CMS; any host but the live server's fails.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from oscar.core.loading import get_model

from cms.models import CampaignPage

pytestmark = pytest.mark.django_db(transaction=True)

Product = get_model("catalogue", "Product")

STOREFRONT = ["/", "/shop/", "/shop/catalogue/", "/campaigns/", "/shop/basket/"]
SHOP_ACCOUNT = ["/shop/accounts/profile/", "/shop/accounts/profile/edit/", "/shop/accounts/orders/"]
DASHBOARD = ["/shop/dashboard/", "/shop/dashboard/orders/", "/shop/dashboard/catalogue/"]
CMS = ["/cms/", "/cms/pages/", "/cms/account/", "/cms/users/", "/cms/impact/households/"]


def test_admin_on_every_login_form_and_its_pages_requests_only_the_site(demo_site, page):
    base = demo_site.url
    site = urlsplit(base).netloc
    hosts: dict[str, str] = {}  # host -> first URL that asked it

    def record(request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss"):
            hosts.setdefault(parts.netloc, request.url)

    page.on("request", record)
    product = Product.objects.filter(upc="YX-DC-001").get()
    campaign = CampaignPage.objects.live().order_by("pk").first()

    # The shop's login form, by username.
    page.goto(f"{base}/shop/accounts/login/?next=/shop/accounts/profile/")
    page.fill("#id_login-username", "admin")
    page.fill("#id_login-password", "yixiang-demo")
    page.locator("button[name=login_submit]").click()
    page.wait_for_url(f"{base}/shop/accounts/profile/")
    for path in [*STOREFRONT, product.get_absolute_url(), campaign.url, *SHOP_ACCOUNT]:
        assert page.goto(base + path).status == 200, path
    page.context.clear_cookies()

    # The dashboard's.
    page.goto(f"{base}/shop/dashboard/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "yixiang-demo")
    page.locator("#dashboard_login_form [type=submit]").click()
    page.wait_for_url(f"{base}/shop/dashboard/")
    for path in DASHBOARD:
        assert page.goto(base + path).status == 200, path
    page.context.clear_cookies()

    # The CMS's: its avatar is Wagtail's own picture, served by the site.
    page.goto(f"{base}/cms/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "yixiang-demo")
    page.locator("form [type=submit]").first.click()
    page.wait_for_url(f"{base}/cms/")
    for path in CMS:
        assert page.goto(base + path).status == 200, path
    avatars = page.locator("img.avatar, .avatar img").evaluate_all(
        "images => images.map(image => image.src)"
    )
    assert avatars, "the account page shows an avatar"
    assert all(urlsplit(src).netloc == site for src in avatars), avatars

    assert {host: url for host, url in hosts.items() if host != site} == {}
    assert site in hosts
