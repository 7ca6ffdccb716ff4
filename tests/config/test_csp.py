"""A Content-Security-Policy on every answer (django-csp), with a fresh nonce per request.

The policy is written out literally below; a page whose header differs, or whose inline
script does not carry the nonce its header names, fails.
"""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from oscar.core.loading import get_model

from tests.cms.campaigns import make_campaign

pytestmark = pytest.mark.django_db

Product = get_model("catalogue", "Product")

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "https://js.stripe.com"],  # plus 'nonce-…' where a page uses one
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:", "https:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'", "https://api.stripe.com"],
    "frame-src": ["'self'", "https://js.stripe.com", "https://hooks.stripe.com"],
    "frame-ancestors": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
}
NONCE = re.compile(r"'nonce-([A-Za-z0-9+/=]+)'")


def policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def nonce_of(response) -> str | None:
    match = NONCE.search(response.headers["Content-Security-Policy"])
    return match.group(1) if match else None


def without_nonce(directives: dict[str, list[str]]) -> dict[str, list[str]]:
    return {
        name: [s for s in sources if not NONCE.match(s)] for name, sources in directives.items()
    }


def potato_url() -> str:
    return Product.objects.get(upc="YX-DC-001").get_absolute_url()


PAGES = [
    "/",
    "/shop/",
    "/shop/catalogue/",
    "potato",
    "/shop/basket/",
    "/shop/accounts/login/",
    "/shop/dashboard/login/",
    "/cms/login/",
    "/declare/",
    "/impact/",
    "/shop/producers/",
    "/shop/no-such-page/",  # a 404 carries it too
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_carries_the_policy(client, path):
    url = potato_url() if path == "potato" else path
    response = client.get(url, follow=False)
    assert response.status_code in (200, 302, 404), (url, response.status_code)
    assert without_nonce(policy(response)) == POLICY
    script_src = policy(response)["script-src"]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src


@pytest.mark.parametrize("path", ["/", "/shop/catalogue/", "potato", "/declare/"])
def test_inline_scripts_carry_this_requests_nonce_and_it_differs_per_request(client, path):
    url = potato_url() if path == "potato" else path
    first, second = client.get(url), client.get(url)
    nonces = []
    for response in (first, second):
        assert response.status_code == 200
        nonce = nonce_of(response)
        assert nonce is not None and len(nonce) == 24  # 16 random bytes, base64
        inline = re.findall(r"<script(?![^>]*\ssrc=)([^>]*)>", response.content.decode())
        assert inline, "the page has its onload script"
        assert all(f'nonce="{nonce}"' in attributes for attributes in inline), inline
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_a_cached_campaign_page_carries_the_nonce_of_its_own_header():
    cache.clear()
    campaign = make_campaign(code="CSPNONCE")
    first = Client().get(campaign.url)
    cached = Client().get(
        campaign.url
    )  # answered from the cache (tests/cms/test_campaign_pages.py)
    assert first.status_code == cached.status_code == 200
    nonce_one, nonce_two = nonce_of(first), nonce_of(cached)
    assert nonce_one and nonce_two and nonce_one != nonce_two
    html = cached.content.decode()
    assert f'nonce="{nonce_two}"' in html
    assert nonce_one not in html
    assert "yx-csp-nonce-placeholder" not in html
    cache.clear()


def test_only_wagtails_page_editor_allows_inline_scripts(client):
    from cms.models import NewsPage
    from tests.producers.factories import staff_user

    client.force_login(staff_user())
    news = NewsPage.objects.live().first()
    editor = client.get(f"/cms/pages/{news.pk}/edit/")
    assert editor.status_code == 200
    assert policy(editor) == {
        **POLICY,
        "script-src": ["'self'", "'unsafe-inline'", "https://js.stripe.com"],
    }
    for path in ("/cms/", "/cms/impact/reports/", f"/cms/pages/{news.pk}/", "/shop/dashboard/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert without_nonce(policy(response)) == POLICY, path
