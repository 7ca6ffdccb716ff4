"""manage.py bootstrap: a production site's first run without the demo, and a second that changes nothing.

The suite's database holds the demo already (home page, the three demo counties, this
year's and last year's thresholds, CN, the admin): bootstrap adds only what is missing.
"""

from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site as DjangoSite
from django.core.management import CommandError, call_command
from wagtail.models import Site

from cms.models import HomePage
from impact.models import Region, Threshold

pytestmark = pytest.mark.django_db

ARGS = ["--site-url", "https://shop.example.cn", "--county", "530102", "--year", "2031"]


@pytest.fixture
def admin_env(monkeypatch):
    monkeypatch.setenv("ADMIN_USERNAME", "county-ops")
    monkeypatch.setenv("ADMIN_EMAIL", "ops@shop.example.cn")
    monkeypatch.setenv("ADMIN_PASSWORD", "Lanfeng-terraces-2031!")
    monkeypatch.delenv("REGION_CODES", raising=False)


def run(*args: str) -> str:
    out = StringIO()
    call_command("bootstrap", *args, stdout=out)
    return out.getvalue()


def snapshot() -> tuple:
    return (
        list(Region.objects.values_list("code", "name", "level", "parent_id").order_by("pk")),
        list(Threshold.objects.values_list("year", "national_standard", "multiplier")),
        list(get_user_model().objects.values_list("username", "password", "is_superuser")),
        list(DjangoSite.objects.values_list("domain", "name")),
        list(Site.objects.values_list("hostname", "port", "root_page_id", "is_default_site")),
        HomePage.objects.count(),
    )


def test_bootstrap_makes_what_is_missing_then_changes_nothing(admin_env):
    first = run(*ARGS)

    assert first.splitlines() == [
        "made: site shop.example.cn",
        "made: CMS site shop.example.cn:443",
        "made: county 530102 五华区",
        "made: threshold for 2031",
        "made: administrator county-ops",
        "already there: home page",
        "already there: shipping country CN",
        "already there: picture for products without one",
        "Bootstrap done: 5 made.",
    ]
    county = Region.objects.get(code="530102")
    assert (county.name, county.level, county.parent_id) == ("五华区", "county", None)
    threshold = Threshold.objects.get(year=2031)
    assert (threshold.national_standard, threshold.multiplier) == (
        Decimal("4600.00"),
        Decimal("1.50"),
    )
    admin = get_user_model().objects.get(username="county-ops")
    assert (admin.email, admin.is_superuser, admin.is_staff) == ("ops@shop.example.cn", True, True)
    assert admin.check_password("Lanfeng-terraces-2031!")
    assert DjangoSite.objects.get(pk=1).domain == "shop.example.cn"
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port, site.root_page_id) == (
        "shop.example.cn",
        443,
        HomePage.objects.get().pk,
    )

    before = snapshot()
    second = run(*ARGS)
    assert second.splitlines()[-1] == "Everything already in place: nothing changed."
    assert not [line for line in second.splitlines() if line.startswith("made:")]
    assert snapshot() == before


def test_bootstrap_takes_counties_from_region_codes_and_threshold_from_options(
    admin_env, monkeypatch
):
    monkeypatch.setenv("REGION_CODES", "530102, 530103")
    run(
        "--site-url",
        "https://shop.example.cn",
        "--year",
        "2032",
        "--national-standard",
        "5000",
        "--multiplier",
        "1.8",
    )

    assert sorted(Region.objects.filter(code__in=["530102", "530103"]).values_list("name")) == [
        ("五华区",),
        ("盘龙区",),
    ]
    threshold = Threshold.objects.get(year=2032)
    assert (threshold.national_standard, threshold.multiplier) == (Decimal("5000"), Decimal("1.8"))


@pytest.mark.parametrize(
    "password, reason",
    [
        ("", "needs a password"),
        # Django's validators, in the site's language (zh-hans) where Django's catalogue has it
        # (its plural message for "too short" is found in English only).
        ("12345678", "这个密码太常见了。"),
        ("short", "密码长度太短。|This password is too short."),
        ("county-ops-1", "密码跟 用户名 太相似了。"),
    ],
)
def test_bootstrap_refuses_a_weak_or_empty_password_and_writes_nothing(
    admin_env, monkeypatch, password, reason
):
    monkeypatch.setenv("ADMIN_PASSWORD", password)
    before = snapshot()

    with pytest.raises(CommandError, match=reason):
        run(*ARGS)

    assert snapshot() == before
    assert not Threshold.objects.filter(year=2031).exists()


def test_bootstrap_refuses_a_code_that_is_no_county_and_writes_nothing(admin_env):
    before = snapshot()

    with pytest.raises(CommandError, match="Not a national county division code: 999999"):
        run("--site-url", "https://shop.example.cn", "--county", "530102", "--county", "999999")

    assert snapshot() == before


def test_bootstrap_needs_the_public_address(admin_env, monkeypatch):
    monkeypatch.delenv("SITE_URL", raising=False)

    with pytest.raises(CommandError, match="Set SITE_URL"):
        run("--county", "530102")
    with pytest.raises(CommandError, match="is not an http"):
        run("--site-url", "shop.example.cn")


def test_bootstrap_without_admin_variables_keeps_the_existing_administrator(monkeypatch):
    monkeypatch.delenv("ADMIN_USERNAME", raising=False)

    out = run("--site-url", "https://shop.example.cn", "--year", "2031")

    assert "administrator" not in out
    assert Threshold.objects.filter(year=2031).exists()
