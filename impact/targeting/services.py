"""Targeting over the database: projections of sales, and the stored lift and gap figures.

Reads in bulk (one query for the households' figures, one for the links, one for the
products on sale with their prices, one for the regions), computes in Python with the
pure part (``impact.targeting.figures``: the ledger's split, the warning rules), and
writes the aggregates in one transaction (delete what is replaced, then an upsert).

Which figures: the households' figures of the year evaluations run on
(``evaluation_year``: this year, or before its thresholds are entered the latest earlier
year), as of today, with their current level (``HouseholdStatus.level``). A household
without an income record for that year counts as reached by a link but of no known level:
never "in warning". Which links: those in force on the day (the producer's, on all its
products or on the one product), in link order, as the ledger takes them. Which products:
on sale today (approved producer not suspended for arrears, a current certification of the
product or its parent, a price), at the price of their stock record.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from common.money import ZERO
from producers.models import BenefitLink, Certificate, Producer

from ..ledger.attribution import LinkRule
from ..models import GapFigure, Household, LiftFigure, Region
from ..monitoring.assessment import _figures_from_row, _figures_queryset, thresholds_for_year
from ..monitoring.rules import Level, Thresholds
from ..monitoring.runs import evaluation_year
from . import figures as pure
from .figures import IN_WARNING, LIFT_SALES, Reached

logger = logging.getLogger("yixiang.impact")

LEVELS = {int(level): level for level in Level}
# A change that touches more households than this is refreshed in full.
INCREMENTAL_MAX = 5000
WRITE_BATCH = 2000


# ---------------------------------------------------------------------- reading


@contextmanager
def _reads() -> Iterator[None]:
    """A transaction for the reads, without PostgreSQL's JIT compilation.

    The correlated sums of the households' figures are estimated dear enough to be
    JIT-compiled, and compiling them took seconds for a query that runs in a tenth of one
    (EXPLAIN ANALYZE on the benchmark's 96,000 households).
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def _year(on: datetime.date) -> Thresholds | None:
    year, _note = evaluation_year(today=on)
    return thresholds_for_year(year=year) if year is not None else None


def _region_counties() -> dict[int, int]:
    """Every region's county (a county is its own); one query."""
    rows = {
        pk: (level, parent)
        for pk, level, parent in Region.objects.values_list("pk", "level", "parent_id")
    }
    counties: dict[int, int] = {}
    for pk in rows:
        region = pk
        seen = 0
        while rows[region][0] != Region.Level.COUNTY and rows[region][1] is not None and seen < 5:
            region = rows[region][1]
            seen += 1
        counties[pk] = region
    return counties


@dataclass(frozen=True)
class _Product:
    product_id: int
    price: Decimal
    producer_id: int
    county_id: int


def _certified(on: datetime.date) -> QuerySet[Certificate]:
    return Certificate.objects.filter(
        kind=Certificate.Kind.CERTIFICATION,
        status=Certificate.Status.APPROVED,
        valid_from__lte=on,
        valid_to__gte=on,
    )


def _products_on_sale(
    *, on: datetime.date, counties: Mapping[int, int], regions: Iterable[int] | None = None
) -> dict[int, _Product]:
    """Products on sale on the day, with their price and producer; one query."""
    StockRecord = get_model("partner", "StockRecord")
    certified = _certified(on)
    records = StockRecord.objects.filter(
        partner__producer__status=Producer.Status.APPROVED,
        partner__producer__arrears_suspended=False,
        price__isnull=False,
        price__gt=0,
        product__is_public=True,
    ).filter(
        Q(Exists(certified.filter(product_id=OuterRef("product_id"))))
        | Q(Exists(certified.filter(product_id=OuterRef("product__parent_id"))))
    )
    if regions is not None:
        records = records.filter(partner__producer__region_id__in=list(regions))
    products: dict[int, _Product] = {}
    for product_id, price, producer_id, region_id in records.order_by(
        "product_id", "pk"
    ).values_list("product_id", "price", "partner__producer__id", "partner__producer__region_id"):
        if product_id not in products:
            products[product_id] = _Product(product_id, price, producer_id, counties[region_id])
    return products


def _links_in_force(on: datetime.date) -> QuerySet[BenefitLink]:
    return BenefitLink.objects.filter(valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )


# (product_id or None for all the producer's products, the rule)
ProducerLinks = dict[int, list[tuple[int | None, LinkRule]]]


def _links(queryset: QuerySet[BenefitLink]) -> ProducerLinks:
    """The links by producer, in link order (the ledger's); one query."""
    by_producer: ProducerLinks = defaultdict(list)
    for pk, producer_id, product_id, household_id, kind, per_unit, share in queryset.order_by(
        "pk"
    ).values_list("pk", "producer_id", "product_id", "household_id", "kind", "per_unit", "share"):
        by_producer[producer_id].append(
            (
                product_id,
                LinkRule(
                    link_id=pk,
                    household_id=household_id,
                    income_source=BenefitLink.INCOME_SOURCE[BenefitLink.Kind(kind)],
                    per_unit=per_unit,
                    share_percent=share,
                ),
            )
        )
    return by_producer


def _rules_by_product(
    links: ProducerLinks, products: Mapping[int, _Product]
) -> dict[int, list[LinkRule]]:
    """Each product's rules (its producer's links on all its products or on it, in link order)."""
    by_producer: dict[int, list[_Product]] = defaultdict(list)
    for product in products.values():
        by_producer[product.producer_id].append(product)
    rules: dict[int, list[LinkRule]] = {}
    for producer_id, items in by_producer.items():
        producer_links = links.get(producer_id, [])
        for product in items:
            rules[product.product_id] = [
                rule
                for for_product, rule in producer_links
                if for_product in (None, product.product_id)
            ]
    return rules


def _product_rules(links: ProducerLinks, product: _Product) -> list[LinkRule]:
    return [
        rule
        for for_product, rule in links.get(product.producer_id, ())
        if for_product in (None, product.product_id)
    ]


@dataclass(frozen=True)
class _Area:
    village_id: int
    township_id: int | None
    county_id: int


def _households(
    queryset: QuerySet[Household], *, thresholds: Thresholds, on: datetime.date
) -> tuple[dict[int, Reached], dict[int, _Area]]:
    """The households' current level and figures of the year, and their areas; one query."""
    rows = _figures_queryset(
        queryset, year=thresholds.year, as_of=on, extra=("region_id", "region__parent_id")
    ).order_by()
    households: dict[int, Reached] = {}
    areas: dict[int, _Area] = {}
    # Fetched whole, not through a server-side cursor: PostgreSQL plans a cursor for its first
    # rows (nested loops over the correlated sums), which took seconds for a county here.
    for row in rows:
        level = row["status__level"]
        headroom = max((row["platform_included"] or ZERO) - (row["platform_paid"] or ZERO), ZERO)
        households[row["pk"]] = Reached(
            household_id=row["pk"],
            level=LEVELS.get(level) if level is not None else None,
            figures=_figures_from_row(row),
            headroom=headroom,
        )
        areas[row["pk"]] = _Area(row["region_id"], row["region__parent_id"], row["county_id"])
    return households, areas


# ---------------------------------------------------------------------- projections


@dataclass(frozen=True)
class Projection:
    """What selling given amounts now would do, by the pure split and rules: a projection (预计)."""

    sales: Decimal  # the sales projected (units × price)
    to_households: Decimal  # due to all linked households
    to_warning: Decimal  # of which to households now in warning
    households_reached: int
    households_in_warning_reached: int
    crossing: dict[int, int]  # by current level: households it takes to green
    crossing_total: int
    gap_closed: Decimal  # sum over households in warning of min(amount, gap)
    assumptions: list[str]  # sentences shown with the figure
    units: dict[int, int] | None = None  # product_id -> whole units projected
    # household id -> projected due amount: for checks against the ledger, never shown
    by_household: dict[int, Decimal] | None = None


def projection_assumptions(*, year: int | None = None) -> list[str]:
    """What a projection assumes, in words shown beside it."""
    sentences = [
        _(
            "Projected (预计): what the benefit links in force today make due to households, "
            "assuming every yuan of it is paid out to them this year."
        ),
        _(
            "Sales at today's prices in whole units, split exactly as the ledger splits a paid "
            "order line; each household's amount is added to its platform income and the "
            "warning rules re-run on its current figures and this year's line."
        ),
        _(
            "Households in warning: current level Ⅱ blue, Ⅲ purple or Ⅳ yellow. Members "
            "temporarily unable to work, or 两不愁三保障 or safe water unmet, cannot be lifted "
            "over the line by sales."
        ),
    ]
    if year is not None:
        sentences.append(_("Households' figures of %(year)s.") % {"year": year})
    return sentences


def lift_assumptions() -> list[str]:
    """What a lift per ¥1,000 assumes, in words shown wherever it is."""
    return [
        _(
            "Projected (预计): ¥1,000 of sales at today's price, split over the benefit links "
            "in force today, assuming all of it is paid out to the households this year."
        ),
        _(
            "A producer's lift spreads the ¥1,000 evenly over its products on sale; a "
            "county's, evenly over the products on sale of its producers."
        ),
        _(
            "Households in warning: current level Ⅱ blue, Ⅲ purple or Ⅳ yellow; over the "
            "line: their projected amount reaches their gap to the line."
        ),
    ]


def _empty_projection(sales: Decimal, units: dict[int, int]) -> Projection:
    return Projection(sales, ZERO, ZERO, 0, 0, {}, 0, ZERO, projection_assumptions(), units)


def project_sales(*, quantities: Mapping[int, int], on: datetime.date | None = None) -> Projection:
    """Product id -> whole units sold now at the current price: what it would do to households.

    Each product is one line split as the ledger would split it (``attribution.line_split``)
    over the links in force on ``on`` (default today); each household's amount is added to
    its platform income and re-assessed by ``rules.assess``. A product without a price is
    left out. A few queries, whatever the number of products, links and households.
    """
    on = on or timezone.localdate()
    wanted = {
        product_id: int(units) for product_id, units in quantities.items() if units and units > 0
    }
    if not wanted:
        return _empty_projection(ZERO, {})
    StockRecord = get_model("partner", "StockRecord")
    prices: dict[int, tuple[Decimal, int]] = {}
    for product_id, price, producer_id in (
        StockRecord.objects.filter(
            product_id__in=list(wanted), price__isnull=False, partner__producer__isnull=False
        )
        .order_by("product_id", "pk")
        .values_list("product_id", "price", "partner__producer__id")
    ):
        prices.setdefault(product_id, (price, producer_id))
    units = {product_id: n for product_id, n in wanted.items() if product_id in prices}
    sales = sum((prices[p][0] * n for p, n in units.items()), ZERO)
    if not units:
        return _empty_projection(sales, units)
    links = _links(
        _links_in_force(on)
        .filter(producer_id__in={producer for _price, producer in prices.values()})
        .filter(Q(product__isnull=True) | Q(product_id__in=list(units)))
    )
    amounts: dict[int, Decimal] = {}
    for product_id, n in units.items():
        price, producer_id = prices[product_id]
        product = _Product(product_id, price, producer_id, 0)
        pure.amounts_add(
            amounts,
            pure.sales_amounts(quantity=n, price=price, links=_product_rules(links, product)),
        )
    thresholds = _year(on)
    if thresholds is None:
        households: dict[int, Reached] = {}
        tally = pure.projection_tally(amounts, households, Thresholds(on.year, ZERO))
    else:
        with _reads():
            households, _areas = _households(
                Household.objects.filter(pk__in=[h for h, a in amounts.items() if a > ZERO]),
                thresholds=thresholds,
                on=on,
            )
        tally = pure.projection_tally(amounts, households, thresholds)
    return Projection(
        sales=sales,
        to_households=tally.to_households,
        to_warning=tally.to_warning,
        households_reached=tally.households_reached,
        households_in_warning_reached=tally.households_in_warning_reached,
        crossing=tally.crossing,
        crossing_total=tally.crossing_total,
        gap_closed=tally.gap_closed,
        assumptions=projection_assumptions(year=thresholds.year if thresholds else None),
        units=units,
        by_household={h: a for h, a in amounts.items() if a > ZERO},
    )


def project_amounts(
    *, amounts: Mapping[int, Decimal], on: datetime.date | None = None
) -> Projection:
    """Product id -> yuan of sales: ``project_sales`` of floor(amount / price) whole units of each."""
    StockRecord = get_model("partner", "StockRecord")
    prices: dict[int, Decimal] = {}
    for product_id, price in (
        StockRecord.objects.filter(product_id__in=list(amounts), price__isnull=False, price__gt=0)
        .order_by("product_id", "pk")
        .values_list("product_id", "price")
    ):
        prices.setdefault(product_id, price)
    quantities = {
        product_id: int((Decimal(amount) / prices[product_id]).to_integral_value(ROUND_FLOOR))
        for product_id, amount in amounts.items()
        if product_id in prices and amount and Decimal(amount) > 0
    }
    return project_sales(quantities=quantities, on=on)


# ---------------------------------------------------------------------- refreshing


@dataclass
class _Figures:
    lifts: list[LiftFigure]
    gaps: list[GapFigure]


def _lift_row(
    scope: str, scope_id: int, county_id: int | None, tally: pure.LiftTally, now: datetime.datetime
) -> LiftFigure:
    return LiftFigure(
        scope=scope,
        scope_id=scope_id,
        county_id=county_id,
        to_warning=tally.to_warning,
        to_all=tally.to_all,
        households_reached=tally.households_reached,
        households_in_warning=tally.households_in_warning,
        crossing=tally.crossing,
        by_level={str(level): n for level, n in sorted(tally.by_level.items())},
        refreshed_at=now,
    )


def _gap_row(
    scope: str, scope_id: int, county_id: int | None, tally: pure.GapTally, now: datetime.datetime
) -> GapFigure:
    return GapFigure(
        scope=scope,
        scope_id=scope_id,
        county_id=county_id,
        households_in_warning=tally.households_in_warning,
        within_200=tally.within[200],
        within_500=tally.within[500],
        within_1000=tally.within[1000],
        within_2000=tally.within[2000],
        total_needed=tally.total_needed,
        unreachable=tally.unreachable,
        refreshed_at=now,
    )


def _compute(
    *,
    thresholds: Thresholds,
    products: Mapping[int, _Product],
    links: ProducerLinks,
    households: Mapping[int, Reached],
    areas: Mapping[int, _Area],
    area_ids: Mapping[tuple[str, int], int] | None,
    producer_counties: Mapping[int, int],
    only_products: set[int] | None = None,
    only_producers: set[int] | None = None,
) -> _Figures:
    """Every figure the loaded world gives: lifts and gaps of its products, producers and counties,
    and the gaps of its areas; only those in ``area_ids``, ``only_products`` and
    ``only_producers`` when given (every county's lift in the world is given)."""
    now = timezone.now()
    gaps = {
        household.household_id: household.gap(thresholds)
        for household in households.values()
        if household.in_warning
    }
    lifts: list[LiftFigure] = []
    gap_rows: list[GapFigure] = []

    by_producer: dict[int, list[_Product]] = defaultdict(list)
    for product in products.values():
        by_producer[product.producer_id].append(product)
    by_county: dict[int, list[_Product]] = defaultdict(list)
    for product in products.values():
        by_county[product.county_id].append(product)
    rules = _rules_by_product(links, products)

    for product in products.values():
        if only_products is not None and product.product_id not in only_products:
            continue
        amounts = pure.lift_amounts(
            sales=LIFT_SALES, price=product.price, links=rules[product.product_id]
        )
        tally = pure.lift_tally(amounts, households, gaps)
        lifts.append(
            _lift_row(LiftFigure.Scope.PRODUCT, product.product_id, product.county_id, tally, now)
        )
        reached = {rule.household_id for rule in rules[product.product_id]}
        gap_rows.append(
            _gap_row(
                GapFigure.Scope.PRODUCT,
                product.product_id,
                product.county_id,
                pure.gap_tally((households[h] for h in reached if h in households), gaps),
                now,
            )
        )

    def spread(items: Sequence[_Product]) -> dict[int, Decimal]:
        share = LIFT_SALES / len(items)
        amounts: dict[int, Decimal] = {}
        for product in items:
            pure.amounts_add(
                amounts,
                pure.lift_amounts(
                    sales=share, price=product.price, links=rules[product.product_id]
                ),
            )
        return amounts

    for producer_id, items in by_producer.items():
        if only_producers is not None and producer_id not in only_producers:
            continue
        county_id = items[0].county_id
        tally = pure.lift_tally(spread(items), households, gaps)
        lifts.append(_lift_row(LiftFigure.Scope.PRODUCER, producer_id, county_id, tally, now))
    for producer_id, producer_links in links.items():
        if producer_id not in producer_counties or (
            only_producers is not None and producer_id not in only_producers
        ):
            continue
        reached = {rule.household_id for _product, rule in producer_links}
        gap_rows.append(
            _gap_row(
                GapFigure.Scope.PRODUCER,
                producer_id,
                producer_counties[producer_id],
                pure.gap_tally((households[h] for h in reached if h in households), gaps),
                now,
            )
        )
    for county_id, items in by_county.items():
        tally = pure.lift_tally(spread(items), households, gaps)
        lifts.append(_lift_row(LiftFigure.Scope.COUNTY, county_id, county_id, tally, now))

    members: dict[tuple[str, int], list[Reached]] = defaultdict(list)
    scope: str
    county_of: dict[tuple[str, int], int] = {}
    for household_id, area in areas.items():
        household = households[household_id]
        for scope, scope_id in (
            (GapFigure.Scope.VILLAGE, area.village_id),
            (GapFigure.Scope.TOWNSHIP, area.township_id),
            (GapFigure.Scope.COUNTY, area.county_id),
        ):
            if scope_id is None:
                continue
            members[(scope, scope_id)].append(household)
            county_of[(scope, scope_id)] = area.county_id
    # Every area with households (all of them), or exactly the areas asked for, whose
    # households in warning were loaded (``(scope, id) -> county``).
    wanted = area_ids if area_ids is not None else county_of
    for (scope, scope_id), county_id in wanted.items():
        group = members.get((scope, scope_id), [])
        gap_rows.append(_gap_row(scope, scope_id, county_id, pure.gap_tally(group, gaps), now))
    return _Figures(lifts, gap_rows)


LIFT_FIELDS = [
    "county_id",
    "to_warning",
    "to_all",
    "households_reached",
    "households_in_warning",
    "crossing",
    "by_level",
    "refreshed_at",
]
GAP_FIELDS = [
    "county_id",
    "households_in_warning",
    "within_200",
    "within_500",
    "within_1000",
    "within_2000",
    "total_needed",
    "unreachable",
    "refreshed_at",
]


def _write(figures: _Figures, *, lift_stale: Q | None, gap_stale: Q | None) -> dict[str, int]:
    """Replace the stale rows (all of them when the filters are None) by the figures, in one transaction.

    Deleted, then upserted: a refresh running at the same time writes over, never fails.
    """
    with transaction.atomic():
        lifts = (
            LiftFigure.objects.all()
            if lift_stale is None
            else LiftFigure.objects.filter(lift_stale)
        )
        gaps = GapFigure.objects.all() if gap_stale is None else GapFigure.objects.filter(gap_stale)
        lifts.delete()
        gaps.delete()
        LiftFigure.objects.bulk_create(
            figures.lifts,
            batch_size=WRITE_BATCH,
            update_conflicts=True,
            unique_fields=["scope", "scope_id"],
            update_fields=LIFT_FIELDS,
        )
        GapFigure.objects.bulk_create(
            figures.gaps,
            batch_size=WRITE_BATCH,
            update_conflicts=True,
            unique_fields=["scope", "scope_id"],
            update_fields=GAP_FIELDS,
        )
    return {"lifts": len(figures.lifts), "gaps": len(figures.gaps)}


def _producer_counties(links: ProducerLinks, counties: Mapping[int, int]) -> dict[int, int]:
    """The county of each producer with links (``counties``: region id -> county id); one query."""
    return {
        pk: counties[region_id]
        for pk, region_id in Producer.objects.filter(pk__in=list(links)).values_list(
            "pk", "region_id"
        )
    }


def targeting_refresh_all(*, on: datetime.date | None = None) -> dict[str, int]:
    """Rebuild both tables from every household's figures, every link in force and every product on sale."""
    on = on or timezone.localdate()
    thresholds = _year(on)
    if thresholds is None:
        logger.warning("targeting: no thresholds for any year, figures cleared")
        return _write(_Figures([], []), lift_stale=None, gap_stale=None)
    with _reads():
        counties = _region_counties()
        products = _products_on_sale(on=on, counties=counties)
        links = _links(_links_in_force(on))
        households, areas = _households(Household.objects.all(), thresholds=thresholds, on=on)
        producer_counties = _producer_counties(links, counties)
    figures = _compute(
        thresholds=thresholds,
        products=products,
        links=links,
        households=households,
        areas=areas,
        area_ids=None,
        producer_counties=producer_counties,
    )
    return _write(figures, lift_stale=None, gap_stale=None)


def targeting_refresh_households(
    *,
    household_ids: Iterable[int],
    producer_ids: Iterable[int] = (),
    on: datetime.date | None = None,
) -> dict[str, int]:
    """Refresh what the households touch: the gaps of their villages, townships and counties,
    and the lifts and gaps of the products, producers and counties whose links reach them.

    ``producer_ids``: producers to refresh as well, with all their products (a link saved or
    ended: the producer whose link no longer reaches a household).

    Reads what those figures need, with the full refresh's reads restricted: the products
    on sale, links and linked households of the producers' counties (a county's lift spreads
    over all of its products), and the households in warning of the households' counties.
    Writes only the rows that can have changed. Figures that move without a household or a
    link (a price, a certification, a date) wait for the nightly full refresh.
    """
    ids = sorted(set(household_ids))
    producers = set(producer_ids)
    if len(ids) > INCREMENTAL_MAX:
        return targeting_refresh_all(on=on)
    if not ids and not producers:
        return {"lifts": 0, "gaps": 0}
    on = on or timezone.localdate()
    thresholds = _year(on)
    if thresholds is None:
        return {"lifts": 0, "gaps": 0}
    counties = _region_counties()
    villages: set[int] = set()
    townships: set[int] = set()
    area_counties: set[int] = set()
    area_ids: dict[tuple[str, int], int] = {}
    for village_id, township_id, county_id in Household.objects.filter(pk__in=ids).values_list(
        "region_id", "region__parent_id", "county_id"
    ):
        villages.add(village_id)
        area_ids[("village", village_id)] = county_id
        if township_id is not None:
            townships.add(township_id)
            area_ids[("township", township_id)] = county_id
        area_counties.add(county_id)
        area_ids[("county", county_id)] = county_id
    if ids:
        producers.update(
            _links_in_force(on).filter(household_id__in=ids).values_list("producer_id", flat=True)
        )
    producer_regions = dict(
        Producer.objects.filter(pk__in=producers).values_list("pk", "region_id")
    )
    lift_counties = {counties[region_id] for region_id in producer_regions.values()}
    regions = [pk for pk, county in counties.items() if county in lift_counties]
    products = _products_on_sale(on=on, counties=counties, regions=regions)
    links_qs = _links_in_force(on).filter(producer__region_id__in=regions)
    links = _links(links_qs)
    with _reads():
        households, areas = _households(
            Household.objects.filter(
                Q(pk__in=Subquery(links_qs.values("household_id")))
                # the areas' gaps count only their households in warning
                | Q(
                    county_id__in=area_counties,
                    status__level__in=[int(level) for level in IN_WARNING],
                )
            ),
            thresholds=thresholds,
            on=on,
        )
    areas = {pk: area for pk, area in areas.items() if area.county_id in area_counties}
    # What the change can move: the products whose links reach the households (or of the
    # producers named), those producers, and their counties; the other products' and
    # producers' figures read nothing that changed.
    changed = set(ids)
    named = set(producer_ids)
    touched_producers = set(named)
    touched_products = {p.product_id for p in products.values() if p.producer_id in named}
    for producer_id, producer_links in links.items():
        for for_product, rule in producer_links:
            if rule.household_id in changed:
                touched_producers.add(producer_id)
                if for_product is None:
                    touched_products.update(
                        p.product_id for p in products.values() if p.producer_id == producer_id
                    )
                else:
                    touched_products.add(for_product)
    producer_counties = _producer_counties(links, counties)
    figures = _compute(
        thresholds=thresholds,
        products=products,
        links=links,
        households=households,
        areas=areas,
        area_ids=area_ids,
        producer_counties=producer_counties,
        only_products=touched_products,
        only_producers=touched_producers,
    )
    by_producers = Q(scope="product", scope_id__in=touched_products) | Q(
        scope="producer", scope_id__in=touched_producers
    )
    lift_stale = by_producers | Q(scope="county", scope_id__in=lift_counties)
    gap_stale = (
        by_producers
        | Q(scope="village", scope_id__in=villages)
        | Q(scope="township", scope_id__in=townships)
        | Q(scope="county", scope_id__in=area_counties)
    )
    return _write(figures, lift_stale=lift_stale, gap_stale=gap_stale)


__all__ = [
    "IN_WARNING",
    "Projection",
    "lift_assumptions",
    "project_amounts",
    "project_sales",
    "projection_assumptions",
    "targeting_refresh_all",
    "targeting_refresh_households",
]
