"""What a county office plans with (issue #21): the gap to the line by area, product and
producer, and the what-if of more sales of chosen products. Reads only; nothing is saved.

Both read the stored targeting figures and projections of ``impact.targeting`` (``gaps``,
``products_by_lift``, ``project_amounts``) inside a staff member's ``Scope``: county
staff see their county, township and village staff their township or village (products and
producers, kept by county, at the county of their area), platform operations and
administrators every county. A fixed number of queries whatever the number of villages,
products or producers.

Groups of fewer than five households in warning are folded: the page and the export show
"Fewer than 5 households" in place of every figure of that group, never a name or a code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from common.money import ZERO, largest_remainder
from producers.models import Producer

from ..models import Region
from ..monitoring.access import Scope
from ..targeting import FOLD_BELOW, GAP_BANDS, Gap, Lift, Projection, gaps, products_by_lift
from ..targeting import project_amounts as targeting_project_amounts
from .exports import Table

#: The largest increase in sales a what-if takes (yuan): ten million.
WHATIF_MAX = Decimal("10000000")
#: The rows the pages show of a long list (a county's villages, products and producers, the
#: what-if's products), the first in their order; the gap report's CSV and XLSX hold them all.
#: Rendering every one of a county's 700 products took seconds (issue #21's benchmark).
PAGE_ROWS = 50


def fold_label() -> str:
    return _("Fewer than %(n)s households") % {"n": FOLD_BELOW}


def unreachable_reasons() -> list[str]:
    """Why a household in warning cannot be taken over the line by sales income, in words."""
    return [
        _(
            "A member is temporarily unable to work from a special cause (illness, disability, "
            "disaster, schooling, epidemic) in the last 12 months: level Ⅲ purple fires whatever "
            "the income."
        ),
        _(
            "The two assurances and three guarantees (两不愁三保障) or safe drinking water are "
            "not met: level Ⅰ red fires whatever the income."
        ),
        _("These households need help measures (帮, 带), not more sales."),
    ]


# Gap to the line ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GapRow:
    """One area, product or producer and its gap figures (None: no household in warning)."""

    key: int
    name: str
    gap: Gap | None
    parent: str = ""  # a village's township, a product's producer
    parent_id: int | None = None  # a village's township
    # Folded though it holds 5 or more: else the total less the rows shown would single out
    # the folded ones (``fold_complement``).
    suppressed: bool = False

    @property
    def folded(self) -> bool:
        return self.gap is None or self.gap.folded or self.suppressed

    @property
    def in_warning(self) -> int:
        return self.gap.households_in_warning if self.gap is not None else 0


@dataclass
class GapReport:
    """The gap to the line in a staff member's area.

    ``county`` None: several counties are visible and none chosen; ``counties`` lists them.
    ``area`` is the region the totals are of (the county, or a township or village staff
    member's own area).
    """

    county: Region | None
    area: Region | None
    total: GapRow | None
    counties: list[GapRow] = field(default_factory=list)
    townships: list[GapRow] = field(default_factory=list)
    villages: list[GapRow] = field(default_factory=list)
    products: list[GapRow] = field(default_factory=list)
    producers: list[GapRow] = field(default_factory=list)


def _sort(rows: list[GapRow]) -> list[GapRow]:
    """Shown (not folded) first, the most still needed first; then folded ones by name."""
    return sorted(
        rows,
        key=lambda row: (
            row.folded,
            -(row.gap.total_needed if row.gap and not row.folded else ZERO),
            -(row.gap.households_in_warning if row.gap and not row.folded else 0),
            row.parent,
            row.name,
        ),
    )


def fold_complement(rows: list[GapRow]) -> list[GapRow]:
    """Rows that add up to a total shown beside them, folded so that the total less the rows
    shown never gives a group of 1 to 4 households in warning.

    While the folded rows together hold 1 to 4, the smallest row still shown is folded too
    (as the public figures do, ``impact.reporting.public.fold_small_groups``).
    """
    rows = list(rows)
    while True:
        hidden = sum(row.in_warning for row in rows if row.folded)
        shown = [row for row in rows if not row.folded]
        if not 0 < hidden < FOLD_BELOW or not shown:
            return rows
        smallest = min(shown, key=lambda row: (row.in_warning, row.name))
        rows = [replace(row, suppressed=True) if row is smallest else row for row in rows]


def producers_in_counties(county_ids: Iterable[int]) -> QuerySet[Producer]:
    """Producers registered in the counties (at the county, a township or a village)."""
    ids = list(county_ids)
    return Producer.objects.filter(
        Q(region_id__in=ids) | Q(region__parent_id__in=ids) | Q(region__parent__parent_id__in=ids)
    )


def products_of_county(*, county_id: int) -> dict[int, tuple[str, str]]:
    """The county's producers' products: id → (title, producer's name). One query."""
    Product = apps.get_model("catalogue", "Product")
    rows = (
        Product.objects.filter(
            stockrecords__partner__producer__in=producers_in_counties([county_id])
        )
        .order_by("title", "pk")
        .values_list("pk", "title", "stockrecords__partner__producer__name")
    )
    products: dict[int, tuple[str, str]] = {}
    for pk, title, producer in rows:
        products.setdefault(pk, (title, producer or ""))
    return products


def gap_report(*, scope: Scope, county: Region | None) -> GapReport:
    """The gap to the line in ``scope``, for ``county`` (one of the scope's counties).

    Without a county: the visible counties' rows (one county visible: that county).
    With one: its total (or the staff member's township's or village's), its townships and
    villages within the area, and its producers' products and producers. At most eight
    queries whatever the number of villages, products or producers.
    """
    if county is None:
        counties = scope.filter(Region.objects.filter(level=Region.Level.COUNTY), "pk")
        listed = list(counties.order_by("code", "name").values_list("pk", "name"))
        if len(listed) != 1:
            figures = gaps(scope="county", ids=[pk for pk, _name in listed])
            return GapReport(
                county=None,
                area=None,
                total=None,
                counties=_sort([GapRow(pk, name, figures.get(pk)) for pk, name in listed]),
            )
        county = Region.objects.get(pk=listed[0][0])
    regions = Region.objects.filter(
        Q(pk=county.pk) | Q(parent_id=county.pk) | Q(parent__parent_id=county.pk)
    )
    area: Region = county
    if scope.area is not None:
        level, pk = scope.area
        area = Region.objects.select_related("parent").get(pk=pk)
        regions = regions.filter(
            Q(pk=pk) | Q(parent_id=pk) if level == Region.Level.TOWNSHIP else Q(pk=pk)
        )
    rows = list(regions.values_list("pk", "name", "level", "parent_id", "parent__name"))
    townships = [(pk, name) for pk, name, level, _p, _pn in rows if level == Region.Level.TOWNSHIP]
    villages = [
        (pk, name, parent_id, parent_name)
        for pk, name, level, parent_id, parent_name in rows
        if level == Region.Level.VILLAGE
    ]
    total_scope = "county" if area.level == Region.Level.COUNTY else str(area.level)
    total = gaps(scope=total_scope, ids=[area.pk]).get(area.pk)
    township_gaps = gaps(scope="township", ids=[pk for pk, _name in townships])
    village_gaps = gaps(scope="village", ids=[village[0] for village in villages])

    products = products_of_county(county_id=county.pk)
    product_gaps = gaps(scope="product", ids=list(products))
    producers = list(
        producers_in_counties([county.pk]).order_by("name", "pk").values_list("pk", "name")
    )
    producer_gaps = gaps(scope="producer", ids=[pk for pk, _name in producers])
    township_rows = fold_complement(
        [GapRow(pk, name, township_gaps.get(pk)) for pk, name in townships]
    )
    village_rows: list[GapRow] = []
    by_township: dict[int | None, list[GapRow]] = {}
    for pk, name, parent_id, parent in villages:
        by_township.setdefault(parent_id, []).append(
            GapRow(pk, name, village_gaps.get(pk), parent, parent_id)
        )
    for group in by_township.values():
        village_rows += fold_complement(group)  # each township's villages add up to it
    return GapReport(
        county=county,
        area=area,
        total=GapRow(area.pk, area.full_name, total),
        townships=_sort(township_rows) if area.level != Region.Level.VILLAGE else [],
        villages=_sort(village_rows),
        products=_sort(
            [
                GapRow(pk, title, product_gaps.get(pk), producer)
                for pk, (title, producer) in products.items()
            ]
        ),
        producers=_sort([GapRow(pk, name, producer_gaps.get(pk)) for pk, name in producers]),
    )


def gap_columns() -> list[str]:
    return [
        _("Households in warning (Ⅱ–Ⅳ)"),
        *[
            _("Within ¥%(band)s per person of the line") % {"band": f"{band:,}"}
            for band in GAP_BANDS
        ],
        _("Still needed in all, projected (yuan a year)"),
        _("Unreachable by sales income"),
    ]


def gap_cells(row: GapRow) -> list[object]:
    """A row's figures, or "Fewer than 5 households" and dashes when it is folded."""
    if row.folded or row.gap is None:
        return [fold_label(), *["—"] * (len(GAP_BANDS) + 2)]
    gap = row.gap
    return [
        gap.households_in_warning,
        *[gap.within.get(band, 0) for band in GAP_BANDS],
        gap.total_needed,
        gap.unreachable,
    ]


def gap_tables(report: GapReport) -> list[Table]:
    """The report's tables: what the page shows and the CSV and XLSX files hold, folded alike."""
    tables: list[Table] = []
    if report.county is None:
        tables.append(
            Table(
                "counties",
                _("Gap to the line by county"),
                [_("County"), *gap_columns()],
                [[row.name, *gap_cells(row)] for row in report.counties],
                drill=[row.key for row in report.counties],
            )
        )
        return tables
    assert report.total is not None
    tables.append(
        Table(
            "total",
            _("Gap to the line in %(area)s, in total") % {"area": report.total.name},
            [_("Area"), *gap_columns()],
            [[report.total.name, *gap_cells(report.total)]],
        )
    )
    if report.townships:
        tables.append(
            Table(
                "townships",
                _("By township"),
                [_("Township"), *gap_columns()],
                [[row.name, *gap_cells(row)] for row in report.townships],
            )
        )
    if report.villages:
        tables.append(
            Table(
                "villages",
                _("By village"),
                [_("Township"), _("Village"), *gap_columns()],
                [[row.parent, row.name, *gap_cells(row)] for row in report.villages],
                page_limit=PAGE_ROWS,
            )
        )
    tables.append(
        Table(
            "products",
            _("By product (households its benefit links reach)"),
            [_("Product"), _("Producer"), *gap_columns()],
            [[row.name, row.parent, *gap_cells(row)] for row in report.products],
            page_limit=PAGE_ROWS,
        )
    )
    tables.append(
        Table(
            "producers",
            _("By producer (households its benefit links reach)"),
            [_("Producer"), *gap_columns()],
            [[row.name, *gap_cells(row)] for row in report.producers],
            page_limit=PAGE_ROWS,
        )
    )
    return tables


def gap_assumptions() -> list[str]:
    return [
        _(
            "Households in warning: current level Ⅱ blue, Ⅲ purple or Ⅳ yellow. Ⅰ red "
            "households have returned to poverty and are counted apart."
        ),
        _(
            "Gap to the line: the smallest platform income a year that would bring the "
            "household to Ⅴ green by the warning rules, on its current figures and this "
            "year's line; per person, divided by its resident members. The bands are "
            "cumulative: a household within ¥200 is also within ¥500."
        ),
        _(
            "Still needed in all: the sum of the gaps of the households that sales income can "
            "reach; a projection (测算), not income."
        ),
        _(
            "Groups of fewer than 5 households in warning are folded; no household's name, "
            "code or ID number is shown."
        ),
    ]


# What-if ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A product the what-if may take: one of the county's producers', with its lift."""

    product_id: int
    title: str
    producer: str
    lift: Lift | None


def whatif_candidates(*, county_id: int) -> list[Candidate]:
    """The county's producers' products, those with the best lift per ¥1,000 first.

    Two queries whatever the number of products.
    """
    products = products_of_county(county_id=county_id)
    ranked = products_by_lift(county_id=county_id, limit=None)
    candidates = [Candidate(pk, *products[pk], lift) for pk, lift in ranked if pk in products]
    seen = {candidate.product_id for candidate in candidates}
    candidates += [
        Candidate(pk, title, producer, None)
        for pk, (title, producer) in products.items()
        if pk not in seen
    ]
    return candidates


def whatif_listed(candidates: list[Candidate], chosen_ids: set[str]) -> list[Candidate]:
    """The candidates the what-if lists: the ``PAGE_ROWS`` first (best lift), and any chosen
    (``chosen_ids``, as the query string gives them) further down."""
    return candidates[:PAGE_ROWS] + [
        candidate for candidate in candidates[PAGE_ROWS:] if str(candidate.product_id) in chosen_ids
    ]


@dataclass(frozen=True)
class WhatIf:
    """What ``amount`` more of sales, spread evenly over ``products``, would do."""

    amount: Decimal
    products: list[Candidate]
    amounts: dict[int, Decimal]  # product id → yuan of sales
    projection: Projection

    @property
    def folded(self) -> bool:
        return self.projection.households_in_warning_reached < FOLD_BELOW

    @property
    def crossing_by_level(self) -> list[tuple[int, int]]:
        return sorted(self.projection.crossing.items())

    @property
    def assumptions(self) -> list[str]:
        return [
            _(
                "¥%(amount)s of sales, spread evenly over the %(n)s products chosen, sold at "
                "their current prices in whole units (what is left of a unit is not sold)."
            )
            % {"amount": f"{self.amount:,}", "n": len(self.products)},
            *self.projection.assumptions,
        ]


def whatif_parse(
    *, amount: str, product_ids: Iterable[str], candidates: list[Candidate]
) -> tuple[Decimal, list[Candidate]]:
    """The amount (yuan, to the fen) and the products asked for; ValidationError with every
    problem, in words, when the input cannot be taken."""
    errors: list[str] = []
    text = (amount or "").strip().replace(",", "").replace("，", "").lstrip("¥￥")
    value: Decimal | None = None
    if not text:
        errors.append(_("Type the increase in sales, in yuan (for example 50000)."))
    else:
        try:
            value = Decimal(text)
        except InvalidOperation:
            errors.append(_("“%(value)s” is not an amount of yuan.") % {"value": amount.strip()})
        else:
            if not value.is_finite():
                errors.append(
                    _("“%(value)s” is not an amount of yuan.") % {"value": amount.strip()}
                )
                value = None
            elif value <= 0:
                errors.append(_("The increase in sales must be more than ¥0."))
            elif value > WHATIF_MAX:
                errors.append(
                    _("The increase in sales may be at most ¥%(max)s.") % {"max": f"{WHATIF_MAX:,}"}
                )
            elif value != value.quantize(Decimal("0.01")):
                errors.append(_("Give the amount in yuan to the fen (two decimals at most)."))
    by_id = {candidate.product_id: candidate for candidate in candidates}
    chosen: list[Candidate] = []
    wanted = [text_id.strip() for text_id in product_ids if text_id.strip()]
    if not wanted:
        errors.append(_("Choose at least one product."))
    for text_id in wanted:
        try:
            pk = int(text_id)
        except ValueError:
            errors.append(_("Unknown product “%(id)s”.") % {"id": text_id})
            continue
        if pk not in by_id:
            errors.append(
                _("Product %(id)s is not one of this county's producers' products.") % {"id": pk}
            )
        elif by_id[pk] not in chosen:
            chosen.append(by_id[pk])
    if errors:
        raise ValidationError(errors)
    assert value is not None
    return value.quantize(Decimal("0.01")), chosen


def whatif_run(*, amount: Decimal, products: list[Candidate]) -> WhatIf:
    """The projection of ``amount`` more sales spread evenly over ``products`` (pure)."""
    parts = largest_remainder([Decimal(1)] * len(products), amount)
    amounts = {candidate.product_id: part for candidate, part in zip(products, parts, strict=True)}
    return WhatIf(
        amount=amount,
        products=products,
        amounts=amounts,
        projection=targeting_project_amounts(amounts=amounts),
    )
