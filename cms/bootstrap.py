"""The first run of a production site, without the demo (``manage.py bootstrap``).

Creates what a fresh database needs before anyone signs in: the Wagtail site root (a
home page in place of Wagtail's "Welcome" page) and the default sites with the public
address's host, China as the shipping country, Oscar's picture for products without one,
the counties by their national division codes, this year's threshold, and the first
administrator. Every step looks up before it creates: a second run changes nothing, and
nothing already there is overwritten (an operator's later edits stay).
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site as DjangoSite
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from oscar.core.loading import get_model
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Collection, Locale, Page, Site

from cms.models import HomePage
from impact.models import Region, Threshold
from impact.monitoring.regions import county_get_or_create, county_name_for_code

Country = get_model("address", "Country")

#: The national poverty standard and monitoring multiplier the demo uses (yuan per person
#: per year; the 2020 line, 4,000 yuan at 2010 prices, as adjusted), until the operator
#: enters the year's own in the CMS.
NATIONAL_STANDARD = Decimal("4600.00")
MULTIPLIER = Decimal("1.50")


class BootstrapError(ValueError):
    """Input the bootstrap refuses before writing anything."""


@dataclass
class BootstrapReport:
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def note(self, what: str, *, changed: bool) -> None:
        (self.changed if changed else self.unchanged).append(what)


@dataclass(frozen=True)
class Administrator:
    username: str
    email: str
    password: str


def site_bootstrap(
    *,
    site_url: str,
    county_codes: list[str],
    year: int,
    national_standard: Decimal = NATIONAL_STANDARD,
    multiplier: Decimal = MULTIPLIER,
    administrator: Administrator | None,
) -> BootstrapReport:
    """Create what is missing; BootstrapError (and nothing written) on bad input."""
    parts = urlsplit(site_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BootstrapError(f"The site address {site_url!r} is not an http(s):// URL.")
    unknown = [code for code in county_codes if county_name_for_code(code) is None]
    if unknown:
        raise BootstrapError(f"Not a national county division code: {', '.join(unknown)}.")
    if national_standard < 0 or multiplier < 1:
        raise BootstrapError("The national standard must be ≥ 0 and the multiplier ≥ 1.")
    User = get_user_model()
    if administrator is not None:
        if not administrator.username:
            raise BootstrapError("The administrator needs a username (ADMIN_USERNAME).")
        if not User.objects.filter(username=administrator.username).exists():
            candidate = User(username=administrator.username, email=administrator.email)
            if not administrator.password:
                raise BootstrapError("The administrator needs a password (ADMIN_PASSWORD).")
            try:
                validate_password(administrator.password, user=candidate)
            except ValidationError as error:
                raise BootstrapError(
                    "ADMIN_PASSWORD is refused: " + " ".join(error.messages)
                ) from error
    elif not User.objects.filter(is_superuser=True, is_active=True).exists():
        raise BootstrapError("No administrator exists: set ADMIN_USERNAME and ADMIN_PASSWORD.")

    report = BootstrapReport()
    with transaction.atomic():
        home = _home_page(report)
        _sites(report, parts=parts, home=home)
        _country(report)
        _missing_image(report)
        for code in county_codes:
            existed = Region.objects.filter(code=code, level=Region.Level.COUNTY).exists()
            county = county_get_or_create(code=code)
            assert county is not None  # checked above
            report.note(f"county {code} {county.name}", changed=not existed)
        _, created = Threshold.objects.get_or_create(
            year=year, defaults={"national_standard": national_standard, "multiplier": multiplier}
        )
        report.note(f"threshold for {year}", changed=created)
        if administrator is not None:
            _, created = _administrator(administrator)
            report.note(f"administrator {administrator.username}", changed=created)
    return report


def _home_page(report: BootstrapReport) -> HomePage:
    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(
            instance=Page(
                title="Root", slug="root", content_type=ContentType.objects.get_for_model(Page)
            )
        )
    home = HomePage.objects.first()
    if home is not None:
        report.note("home page", changed=False)
        return home
    # Wagtail's install leaves a plain "Welcome" page at the root: the home page replaces it.
    for page in root.get_children():
        if page.specific_class is Page:
            Site.objects.filter(root_page=page).delete()
            page.delete()
    home = HomePage(
        title=settings.WAGTAIL_SITE_NAME, slug="home", banner_title=settings.WAGTAIL_SITE_NAME
    )
    root.add_child(instance=home)
    home.save_revision().publish()
    report.note("home page", changed=True)
    return home


def _sites(report: BootstrapReport, *, parts: SplitResult, home: HomePage) -> None:
    hostname = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    domain = parts.netloc.lower()
    site = DjangoSite.objects.filter(pk=settings.SITE_ID).first()
    if site is None or site.domain != domain:
        DjangoSite.objects.update_or_create(
            pk=settings.SITE_ID, defaults={"domain": domain, "name": settings.WAGTAIL_SITE_NAME}
        )
        report.note(f"site {domain}", changed=True)
    else:
        report.note(f"site {domain}", changed=False)
    wagtail_site = Site.objects.filter(is_default_site=True).first()
    wanted = {"hostname": hostname, "port": port, "root_page_id": home.pk}
    if wagtail_site is None:
        Site.objects.create(
            is_default_site=True,
            site_name=settings.WAGTAIL_SITE_NAME,
            root_page=home,
            hostname=hostname,
            port=port,
        )
        report.note(f"CMS site {hostname}:{port}", changed=True)
    elif any(getattr(wagtail_site, key) != value for key, value in wanted.items()):
        for key, value in wanted.items():
            setattr(wagtail_site, key, value)
        wagtail_site.save()
        report.note(f"CMS site {hostname}:{port}", changed=True)
    else:
        report.note(f"CMS site {hostname}:{port}", changed=False)


def _country(report: BootstrapReport) -> None:
    _, created = Country.objects.get_or_create(
        iso_3166_1_a2="CN",
        defaults={
            "iso_3166_1_a3": "CHN",
            "iso_3166_1_numeric": "156",
            "printable_name": "中国",
            "name": "中华人民共和国",
            "display_order": 1,
            "is_shipping_country": True,
        },
    )
    report.note("shipping country CN", changed=created)


def _missing_image(report: BootstrapReport) -> None:
    """Oscar shows this picture for a product without one; it must be in the media storage."""
    name = settings.OSCAR_MISSING_IMAGE_URL
    if default_storage.exists(name):
        report.note("picture for products without one", changed=False)
        return
    source = finders.find("oscar/img/image_not_found.jpg")
    assert source is not None  # Oscar's static files have it
    with open(source, "rb") as handle:
        default_storage.save(name, File(handle))
    report.note("picture for products without one", changed=True)


def _administrator(administrator: Administrator) -> tuple[Any, bool]:
    User = get_user_model()
    user = User.objects.filter(username=administrator.username).first()
    if user is not None:
        return user, False
    return (
        User.objects.create_superuser(
            username=administrator.username,
            email=administrator.email,
            password=administrator.password,
        ),
        True,
    )
