"""Every CSV/XLSX export, downloaded as the role that owns it, with hostile names in the data.

Products, producers, sharers, work units, campaigns and households get names a
spreadsheet would run as formulas; every export is downloaded as CSV and (where
it has one) XLSX, the XLSX read back with openpyxl, and no text cell may start
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return unguarded: the one
writer (``common/spreadsheets.py``) puts a ``'`` in front. A CSV cell that is a
number (``-2.50``) is a number, not a formula.

The list of exports is complete, and stays so: ``test_every_export_view_is_covered``
walks every URL pattern of the project (Django's resolver) and finds the views
that make spreadsheets: any view built on Wagtail's ``SpreadsheetExportMixin``,
and any view whose code (its class and the project's or Oscar's classes it
inherits, or its function, and the same module's helpers that code calls) names
CSV, XLSX, a spreadsheet, an export, a format or Oscar's report generator. Each
must be in ``EXPORTS`` below (downloaded here) or in ``NOT_EXPORTS`` with the
reason; a new export view fails the test until it is added.
"""

from __future__ import annotations

import csv
import datetime
import inspect
import io
import os
import re
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from oscar.core.loading import get_model
from wagtail.admin.views.mixins import SpreadsheetExportMixin

from cms.campaigns.models import CampaignSharer
from cms.models import CampaignPage
from common.spreadsheets import FORMULA_START
from demo.data import DEMO_CANTEEN_BUYER, DEMO_COUNTY_STAFF
from impact.ledger.services import attribution_run
from impact.models import Household
from producers.models import Producer
from shop.payments.models import PaymentEvent
from shop.units.models import WorkUnit
from tests.impact.factories import county_staff
from tests.producers.factories import buyer, producer_user, staff_user
from tests.producers.factories import order as make_order
from tests.shop.payments.paying import awaiting_transfer, pay_in_full

pytestmark = pytest.mark.django_db

Line = get_model("order", "Line")
Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
ProductRecord = get_model("analytics", "ProductRecord")
ConditionalOffer = get_model("offer", "ConditionalOffer")
VoucherSet = get_model("voucher", "VoucherSet")
ShippingAddress = get_model("order", "ShippingAddress")
Country = get_model("address", "Country")

HONGTUDI = "dongchuan-hongtudi"
POTATO = "YX-DC-001"

# The hostile names, and the cells the writer must make of them.
PRODUCT = '=HYPERLINK("http://evil.example","x")'
PRODUCER = "+1+1"
SHARER = "-2+3"
UNIT = "@SUM(A1)"
CAMPAIGN = "\t=1"
HOUSEHOLD = "\r=1"
PRODUCT_CELL = '\'=HYPERLINK("http://evil.example","x")'
PRODUCER_CELL = "'+1+1"
SHARER_CELL = "'-2+3"
UNIT_CELL = "'@SUM(A1)"
CAMPAIGN_CELL = "'\t=1"


# ---------------------------------------------------------------- reading a download back


def _number(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


def cells_of(response: Any) -> list[Any]:
    """Every cell of a CSV or XLSX download (XLSX read back with openpyxl)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response["Content-Type"]
    if "spreadsheetml" in kind:
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(content), read_only=True)
        cells = [
            value
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
        ]
        workbook.close()
        return cells
    assert kind.startswith("text/csv"), kind
    text = content.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def unguarded(cells: list[Any]) -> list[str]:
    """Text cells a spreadsheet would run as a formula."""
    return [
        cell
        for cell in cells
        if isinstance(cell, str) and cell.startswith(FORMULA_START) and not _number(cell)
    ]


# ---------------------------------------------------------------- the hostile data


@pytest.fixture
def hostile(hostile_rows, db) -> dict[str, Any]:
    """The demo, its names made hostile; an order of the renamed product to an odd address.

    Made once for the module (``hostile_rows``, about 0.5 s of CPU each time: campaigns
    published, households saved); each test's changes roll back to them."""
    return hostile_rows


@pytest.fixture(scope="module")
def hostile_rows(module_transaction, django_db_blocker) -> dict[str, Any]:
    with django_db_blocker.unblock():
        return _hostile_rows()


def _hostile_rows() -> dict[str, Any]:
    customer = buyer()
    customer.first_name = UNIT
    customer.save()
    # A paid order of the producer's, its attribution run (as the on-commit task would).
    # (It has a buyer: Oscar's order report fails on an order without a user.)
    sold = awaiting_transfer([(POTATO, 2)], user=customer)
    pay_in_full(sold, by=staff_user())
    attribution_run(
        payment_event_id=PaymentEvent.objects.get(order_payment__order=sold, kind="confirmed").pk
    )
    # Every product, producer and order line: whichever of them an export shows.
    Product.objects.update(title=PRODUCT)
    Producer.objects.update(name=PRODUCER)
    Partner.objects.update(name=PRODUCER)
    Line.objects.update(title=PRODUCT, partner_name=PRODUCER)
    CampaignSharer.objects.update(name=SHARER)
    WorkUnit.objects.update(name=UNIT)
    for campaign in CampaignPage.objects.all():
        campaign.title = CAMPAIGN
        campaign.save_revision().publish()
    for household in Household.objects.all():
        household.head_name = HOUSEHOLD + household.head_name
        household.save()
    ordered = make_order(lines=[(POTATO, 1)], user=customer)
    ordered.shipping_address = ShippingAddress.objects.create(
        first_name=UNIT, line1="铜都街道 1 号", country=Country.objects.order_by("pk").first()
    )
    ordered.save()
    product = Product.objects.get(upc=POTATO)
    ProductRecord.objects.update_or_create(product=product, defaults={"num_purchases": 1})
    voucher_set = VoucherSet.objects.create(
        name=PRODUCT,
        count=0,
        code_length=12,
        start_datetime=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        end_datetime=datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC),
    )
    producer = Producer.objects.get(partner__code=HONGTUDI)
    return {"producer": producer, "order": ordered, "voucher_set": voucher_set}


def as_role(client: Any, role: str) -> None:
    User = get_user_model()
    if role == "platform":
        user = staff_user()
        user.first_name = UNIT  # the users listing exports names too
        user.save()
    elif role == "county":
        user = User.objects.get(username=DEMO_COUNTY_STAFF["username"])
    elif role == "county-payouts":
        user = county_staff(
            "exports-payouts", DEMO_COUNTY_STAFF["county"], permissions=["add_payout"]
        )
    elif role == "producer":
        user = producer_user(partner_code=HONGTUDI)
    elif role == "unit":
        user = User.objects.get(username=DEMO_CANTEEN_BUYER["username"])
    else:
        raise AssertionError(role)
    client.force_login(user)


# ---------------------------------------------------------------- the exports


BOTH = ("csv", "xlsx")
REPORT_TYPES = (
    "order_report",
    "product_analytics",
    "user_analytics",
    "open_baskets",
    "submitted_baskets",
    "conditional-offers",
    "vouchers",
)
BREAKDOWNS = ("product", "producer", "campaign", "buyer", "source", "county")

# url name: (role, [(url kwargs or a function of the fixture, query, expected cells)])
Download = tuple[
    dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]], dict[str, str], set[str]
]


def _fmt(**kwargs: Any) -> list[Download]:
    return [({**kwargs, "fmt": fmt}, {}, set()) for fmt in BOTH]


EXPORTS: dict[str, tuple[str, list[Download]]] = {
    "impact_export": ("county", _fmt()),
    "impact_export_attribution": (
        "county",
        [({"fmt": fmt}, {}, {PRODUCT_CELL, PRODUCER_CELL}) for fmt in BOTH],
    ),
    "impact_report_overview": ("county", [({}, {"format": fmt}, set()) for fmt in BOTH]),
    "impact_report_platform": ("county", [({}, {"format": fmt}, set()) for fmt in BOTH]),
    "impact_report_breakdown": (
        "county",
        [
            (
                {},
                {"format": fmt, "by": by},
                {"product": {PRODUCT_CELL}, "producer": {PRODUCER_CELL}}.get(by, set()),
            )
            for fmt in BOTH
            for by in BREAKDOWNS
        ],
    ),
    "impact_report_arrears": ("county", [({}, {"format": fmt}, set()) for fmt in BOTH]),
    "impact_report_gap": (
        "county",
        [({}, {"format": fmt}, {PRODUCT_CELL, PRODUCER_CELL}) for fmt in BOTH],
    ),
    "impact_payouts_template": ("county-payouts", [({"fmt": fmt}, {}, set()) for fmt in BOTH]),
    "impact_payouts_producer-template": (
        "county-payouts",
        [
            (lambda data, fmt=fmt: {"pk": data["producer"].pk, "fmt": fmt}, {}, set())
            for fmt in BOTH
        ],
    ),
    "cms_campaign_report_export": (
        "platform",
        [
            (
                lambda data, kind=kind: {
                    "pk": CampaignPage.objects.order_by("pk")[0].pk,
                    "kind": kind,
                },
                {},
                {SHARER_CELL},
            )
            for kind in BOTH
        ],
    ),
    "units:template": ("unit", [({}, {}, {PRODUCT_CELL})]),
    "dashboard:producer-impact": ("producer", [({}, {"format": fmt}, set()) for fmt in BOTH]),
    "dashboard:producer-payouts-template": (
        "producer",
        [({"fmt": fmt}, {}, set()) for fmt in BOTH],
    ),
    "dashboard:order-list": ("platform", [({}, {"response_format": "csv"}, {UNIT_CELL})]),
    "dashboard:reports-index": (
        "platform",
        [
            (
                {},
                {"report_type": kind, "download": "true"},
                {PRODUCT_CELL} if kind == "product_analytics" else set(),
            )
            for kind in REPORT_TYPES
        ],
    ),
    "dashboard:offer-detail": (
        "platform",
        [
            (
                lambda data: {"pk": ConditionalOffer.objects.order_by("pk")[0].pk},
                {"format": "csv"},
                set(),
            )
        ],
    ),
    "dashboard:voucher-set-download": (
        "platform",
        [(lambda data: {"pk": data["voucher_set"].pk}, {}, set())],
    ),
}

# Wagtail's own exports: every listing and report built on SpreadsheetExportMixin, as staff.
WAGTAIL_EXPECTED = {
    "wagtailadmin_reports:aging_pages": {CAMPAIGN_CELL},
}

# Views whose code mentions a spreadsheet word but that send none.
NOT_EXPORTS: dict[str, str] = {
    "dashboard:producer-payouts": "reads an uploaded payouts file (an import); links to the template",
    "impact_payouts_producer": "reads an uploaded payouts file (an import); links to the template",
}


def walk_urls(
    resolver: URLResolver | None = None, namespace: str | None = None
) -> Iterator[tuple[str, Any]]:
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part) or None
            yield from walk_urls(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield ":".join(part for part in (namespace, pattern.name) if part), pattern.callback


SPREADSHEET_WORDS = re.compile(
    r"csv|xlsx|spreadsheet|export|openpyxl|\.generate\(\)|\bfmt\b|[\"']format[\"']", re.IGNORECASE
)
PROJECT_AND_OSCAR = ("cms", "impact", "shop", "producers", "common", "config", "oscar")


def _source(thing: Any) -> str:
    try:
        return inspect.getsource(thing)
    except (OSError, TypeError):
        return ""


def view_code(callback: Any) -> str:
    """A view's code: its class and the project's or Oscar's classes it inherits, or its
    function; and the same module's functions that code calls, one level down."""
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        parts = [
            klass
            for klass in view_class.__mro__
            if klass.__module__.split(".")[0] in PROJECT_AND_OSCAR
        ]
    else:
        parts = [inspect.unwrap(callback)]
    code = "\n".join(_source(part) for part in parts)
    helpers = []
    for part in parts:
        module = inspect.getmodule(part)
        for name in set(re.findall(r"\b(_?[a-z][a-z0-9_]*)\(", code)):
            helper = getattr(module, name, None)
            if inspect.isfunction(helper) and helper.__module__ == getattr(
                module, "__name__", None
            ):
                helpers.append(_source(helper))
    return code + "\n".join(helpers)


def export_views() -> dict[str, str]:
    """Every URL name whose view makes a spreadsheet, with the reason it was found."""
    found = {}
    for name, callback in walk_urls():
        view_class = getattr(callback, "view_class", None)
        if view_class is not None and issubclass(view_class, SpreadsheetExportMixin):
            found[name] = "SpreadsheetExportMixin"
            continue
        match = SPREADSHEET_WORDS.search(view_code(callback))
        if match:
            found[name] = match.group(0)
    return found


def wagtail_exports() -> list[str]:
    return sorted(
        name
        for name, callback in walk_urls()
        if getattr(callback, "view_class", None) is not None
        and issubclass(callback.view_class, SpreadsheetExportMixin)
    )


# ---------------------------------------------------------------- tests


def test_every_export_view_is_covered():
    found = export_views()
    covered = set(EXPORTS) | set(wagtail_exports()) | set(NOT_EXPORTS)
    assert sorted(set(found) - covered) == []
    # And the list names no view that is gone.
    assert sorted(set(EXPORTS) - set(found)) == []
    assert len(wagtail_exports()) >= 20  # Wagtail's reports, users, images, documents, …


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_an_export_guards_every_formula_cell(client, hostile, name):
    role, downloads = EXPORTS[name]
    as_role(client, role)
    for kwargs, query, expected in downloads:
        url = reverse(name, kwargs=kwargs(hostile) if callable(kwargs) else kwargs)
        response = client.get(url, query)
        assert response.status_code == 200, (url, query, response.status_code)
        assert response["Content-Disposition"].startswith("attachment"), (url, query)
        cells = cells_of(response)
        if os.environ.get("EXPORTS_DEBUG"):
            print(
                name,
                query,
                kwargs if not callable(kwargs) else "",
                sorted({repr(c) for c in cells})[:80],
            )
        assert unguarded(cells) == [], (url, query)
        assert expected <= set(cells), (url, query, expected - set(cells))


def test_the_order_list_download_of_selected_orders_guards_formula_cells(client, hostile):
    as_role(client, "platform")
    response = client.post(
        reverse("dashboard:order-list"),
        {"action": "download_selected_orders", "selected_order": [str(hostile["order"].pk)]},
    )
    assert response.status_code == 200
    cells = cells_of(response)
    assert unguarded(cells) == []
    assert UNIT_CELL in cells
    assert hostile["order"].number in cells


@pytest.mark.parametrize("name", wagtail_exports())
def test_a_wagtail_export_guards_every_formula_cell(client, hostile, name):
    as_role(client, "platform")
    for fmt in BOTH:
        response = client.get(reverse(name), {"export": fmt})
        assert response.status_code == 200, (name, fmt)
        cells = cells_of(response)
        assert unguarded(cells) == [], (name, fmt)
        assert WAGTAIL_EXPECTED.get(name, set()) <= set(cells), (name, fmt)
