"""The client's address behind trusted proxies only (common.client.client_ip), issue #17.

Before, /declare/'s rate limit keyed on REMOTE_ADDR: behind a proxy every visitor
shared the proxy's one budget. Now X-Forwarded-For is read only from TRUSTED_PROXIES;
from anyone else it is ignored, so it cannot buy a fresh budget.
"""

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from common.client import client_ip
from impact.models import Declaration
from impact.views import DECLARATIONS_PER_HOUR
from tests.impact.test_declare import form_data

PROXY = "10.0.0.5"


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def _address(remote: str, forwarded: str | None = None) -> str:
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **meta))


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        # no trusted proxies (the default): X-Forwarded-For is never read
        ([], "198.51.100.4", "203.0.113.9", "198.51.100.4"),
        ([], PROXY, "203.0.113.9", PROXY),
        # from a trusted proxy: the address it saw
        (["10.0.0.0/8"], PROXY, "203.0.113.9", "203.0.113.9"),
        # what the client wrote on the left is passed over, the proxy's append is taken
        (["10.0.0.0/8"], PROXY, "1.1.1.1, 203.0.113.9", "203.0.113.9"),
        (["10.0.0.0/8"], PROXY, "garbage, 203.0.113.9", "203.0.113.9"),
        # two trusted hops (CDN address inside the trusted list, then our proxy)
        (["10.0.0.0/8", "192.0.2.10"], PROXY, "203.0.113.9, 192.0.2.10", "203.0.113.9"),
        (["10.0.0.0/8"], PROXY, "[2001:db8::7]:5000", "2001:db8::7"),
        (["10.0.0.5"], PROXY, "", PROXY),
        # a sender that is not a trusted proxy: its X-Forwarded-For is ignored
        (["10.0.0.0/8"], "198.51.100.4", "203.0.113.9", "198.51.100.4"),
        (["10.0.0.0/8"], "198.51.100.4", "203.0.113.9, 10.0.0.5", "198.51.100.4"),
        (["10.0.0.0/8"], "::ffff:198.51.100.4", None, "198.51.100.4"),
    ],
)
def test_the_client_address(settings, trusted, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = trusted
    assert _address(remote, forwarded) == expected


@pytest.mark.django_db
def test_two_visitors_behind_a_trusted_proxy_have_separate_budgets(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    for _ in range(DECLARATIONS_PER_HOUR):
        first = client.post(
            "/declare/", form_data(), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.1"
        )
        assert first.status_code == 200
    limited = client.post(
        "/declare/", form_data(), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.1"
    )
    assert limited.status_code == 429
    second = client.post(
        "/declare/", form_data(), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.2"
    )
    assert second.status_code == 200
    assert Declaration.objects.count() == DECLARATIONS_PER_HOUR + 1


@pytest.mark.django_db
def test_an_untrusted_sender_cannot_spoof_a_fresh_budget(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    for n in range(DECLARATIONS_PER_HOUR):
        client.post(
            "/declare/",
            form_data(),
            REMOTE_ADDR="198.51.100.4",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
    spoofed = client.post(
        "/declare/", form_data(), REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="203.0.113.99"
    )
    assert spoofed.status_code == 429
    assert Declaration.objects.count() == DECLARATIONS_PER_HOUR


@pytest.mark.django_db
def test_login_attempts_are_counted_against_the_address_behind_the_proxy(client, settings):
    from axes.models import AccessAttempt

    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    client.post(
        "/cms/login/",
        {"username": "nobody-here", "password": "wrong"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.40",
    )
    assert AccessAttempt.objects.get().ip_address == "203.0.113.40"
