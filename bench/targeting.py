"""Benchmark: the targeting figures (issue #21) for 96,000 households, 10,000 products, 50,000 links.

Builds a throw-away PostgreSQL database (``yx_core_bench`` on the server of DATABASE_URL),
migrates it and loads the demo, then adds COUNTIES counties of townships and villages,
HOUSEHOLDS households with this year's incomes spread around the line (some with rigid
expenditure, some with members unable to work), PRODUCERS approved producers with
PRODUCTS certified products on sale, and LINKS benefit links (a fifth on all of a producer's
products, the rest on one; per-unit and share rules; households mostly of the producer's
county). It assesses every household (``households_reassess``), then times:

- the full refresh (``targeting_refresh_all``): target under 30 s;
- one payout recorded (``payout_record``: allocation and re-assessment, which queues the
  refresh) and the incremental refresh for its household (``targeting_refresh_households``):
  target under 1 s;
- the planner's selectors, best and median of 7 runs with their query counts:
  ``products_by_lift`` for a county, the gaps of a county (the county's and its villages'),
  ``project_amounts`` for 20 products: target under 300 ms each;
- the planner's pages as people open them (Django's test client, signed in with
  ``force_login`` as the role that uses each page), best and median of 7 GETs with their
  query counts, each asserted to answer 200: the campaign plan (a campaign of the county's
  20 best products by lift, owned by a campaign host 带货干部) without and with a typed
  sales target, the product chooser and its results ordered by lift, the gap report and the
  what-if of the county (county monitoring staff; the what-if also with 5 products and
  ¥50,000), the quick order with its 帮扶优先 list (the buyer of a unit paired with the
  county), the catalogue sorted 最需要帮扶 and the best product's page with its lift line
  (anonymous): target under 300 ms each. The campaign, the unit and the users are made
  once in the database (``--measure-only`` finds them), with the tests' own helpers; the
  products are put in the search index (``rebuild_index``) for the catalogue.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yixiang .venv/bin/python bench/targeting.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yixiang .venv/bin/python bench/targeting.py --small

``--small`` (2,000 households, 200 products, 1,000 links) runs in well under a minute once
the migrated demo is there; CI runs it. The migrated demo is kept in ``yx_core_bench_demo``
and copied for each run (``--fresh`` migrates it again); ``--measure-only`` measures
``yx_core_bench`` again as it is.
"""

import datetime
import gc
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._postgres import (
    ROOT,
    admin_execute,
    bench_database_url,
    bench_env,
    database_create,
    manage,
)

NAME = "yx_core_bench"
TEMPLATE = "yx_core_bench_demo"
FULL = {"households": 96_000, "products": 10_000, "links": 50_000, "counties": 14}
SMALL = {"households": 2_000, "products": 200, "links": 1_000, "counties": 4}
PRODUCTS_PER_PRODUCER = 10
TOWNSHIPS_PER_COUNTY = 8
VILLAGES_PER_TOWNSHIP = 10
BATCH = 5000


def database_exists(url: str) -> bool:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    admin = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return found.fetchone() is not None


def populate(size: dict[str, int]) -> dict[str, float]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone
    from oscar.core.loading import get_model

    from bench._households import household_row
    from impact.models import Household, IncomeRecord, Region, RigidExpenditure, Threshold
    from producers.models import BenefitLink, Certificate, Producer

    Partner = get_model("partner", "Partner")
    Product = get_model("catalogue", "Product")
    ProductClass = get_model("catalogue", "ProductClass")
    StockRecord = get_model("partner", "StockRecord")
    rng = random.Random(20261130)
    today = timezone.localdate()
    year = today.year
    threshold = Threshold.objects.get(year=year)
    line = threshold.national_standard * threshold.multiplier
    timings: dict[str, float] = {}

    started = time.perf_counter()
    counties = []
    for c in range(size["counties"]):
        county = Region.objects.create(name=f"基准县{c:02d}", level=Region.Level.COUNTY)
        counties.append(county)
        for t in range(TOWNSHIPS_PER_COUNTY):
            township = Region.objects.create(
                name=f"基准镇{c:02d}-{t}", level=Region.Level.TOWNSHIP, parent=county
            )
            Region.objects.bulk_create(
                [
                    Region(
                        name=f"基准村{c:02d}-{t}-{v}", level=Region.Level.VILLAGE, parent=township
                    )
                    for v in range(VILLAGES_PER_TOWNSHIP)
                ]
            )
    villages_of: dict[int, list[Region]] = {county.pk: [] for county in counties}
    for village in Region.objects.filter(
        level=Region.Level.VILLAGE, parent__parent__in=counties
    ).select_related("parent"):
        villages_of[village.parent.parent_id].append(village)

    rows = []
    for number in range(size["households"]):
        county = counties[number % len(counties)]
        village = villages_of[county.pk][rng.randrange(len(villages_of[county.pk]))]
        row = household_row(
            code=f"TB-{number:06d}",
            county_code="530113",
            serial=number,
            rng=rng,
            head_name="基准户主",
            region=village,
            county_id=county.pk,
        )
        row.subsistence = row.labour == 0
        rows.append(row)
    Household.objects.bulk_create(rows, batch_size=BATCH)
    households = list(
        Household.objects.filter(code__startswith="TB-").values_list("pk", "county_id", "members")
    )
    incomes, rigid = [], []
    for pk, _county, members in households:
        # per-capita income from 0.7 × to 1.6 × the line: about a third below it
        per_capita = line * Decimal(rng.uniform(0.7, 1.6))
        incomes.append(
            IncomeRecord(
                household_id=pk, year=year, wages=(per_capita * members).quantize(Decimal("0.01"))
            )
        )
        if rng.random() < 0.06:
            rigid.append(
                RigidExpenditure(
                    household_id=pk,
                    date=today - datetime.timedelta(days=30),
                    cause=RigidExpenditure.Cause.ILLNESS,
                    amount=Decimal(rng.randint(1000, 20000)),
                    unable_to_work=1 if rng.random() < 0.3 else 0,
                )
            )
    IncomeRecord.objects.bulk_create(incomes, batch_size=BATCH)
    RigidExpenditure.objects.bulk_create(rigid, batch_size=BATCH)
    timings["regions, households, incomes"] = time.perf_counter() - started

    started = time.perf_counter()
    producers_count = max(1, size["products"] // PRODUCTS_PER_PRODUCER)
    Partner.objects.bulk_create(
        [Partner(code=f"tb-{p:05d}", name=f"基准合作社{p:05d}") for p in range(producers_count)],
        batch_size=BATCH,
    )
    partners = list(Partner.objects.filter(code__startswith="tb-").order_by("code"))
    Producer.objects.bulk_create(
        [
            Producer(
                partner=partner,
                name=partner.name,
                kind=Producer.Kind.COOPERATIVE,
                region=counties[p % len(counties)],
                status=Producer.Status.APPROVED,
            )
            for p, partner in enumerate(partners)
        ],
        batch_size=BATCH,
    )
    producers = list(Producer.objects.filter(partner__code__startswith="tb-").order_by("pk"))
    product_class = ProductClass.objects.first()
    Product.objects.bulk_create(
        [
            Product(
                title=f"基准产品{n:05d}",
                slug=f"tb-product-{n:05d}",
                upc=f"TB-{n:05d}",
                product_class=product_class,
                structure="standalone",
                is_public=True,
            )
            for n in range(size["products"])
        ],
        batch_size=BATCH,
    )
    products = list(Product.objects.filter(upc__startswith="TB-").order_by("pk"))
    producer_of = {}
    records, certificates = [], []
    for n, product in enumerate(products):
        producer = producers[n % len(producers)]
        producer_of[product.pk] = producer
        records.append(
            StockRecord(
                product=product,
                partner_id=producer.partner_id,
                partner_sku=f"TB-{n:05d}",
                price=Decimal(rng.randint(800, 12000)) / 100,
                num_in_stock=1000,
            )
        )
        certificates.append(
            Certificate(
                producer=producer,
                product=product,
                kind=Certificate.Kind.CERTIFICATION,
                number=f"TB-CERT-{n:05d}",
                issuer="基准认定机构",
                valid_from=datetime.date(year, 1, 1),
                valid_to=datetime.date(year + 1, 12, 31),
                status=Certificate.Status.APPROVED,
            )
        )
    StockRecord.objects.bulk_create(records, batch_size=BATCH)
    Certificate.objects.bulk_create(certificates, batch_size=BATCH)
    by_county: dict[int, list[int]] = {county.pk: [] for county in counties}
    for pk, county_id, _members in households:
        by_county[county_id].append(pk)
    links = []
    for n in range(size["links"]):
        product = products[rng.randrange(len(products))]
        producer = producer_of[product.pk]
        pool = (
            by_county[producer.region_id]
            if rng.random() < 0.9
            else by_county[counties[rng.randrange(len(counties))].pk]
        )
        all_products = n % 5 == 0
        if rng.random() < 0.5:
            rule = {"per_unit": Decimal(rng.randint(10, 300)) / 100}
        else:
            rule = {"share": Decimal(rng.randint(50, 400)) / 100}
        links.append(
            BenefitLink(
                producer=producer,
                product=None if all_products else product,
                household_id=pool[rng.randrange(len(pool))],
                kind=BenefitLink.Kind.PURCHASE,
                valid_from=datetime.date(year, 1, 1),
                **rule,
            )
        )
    BenefitLink.objects.bulk_create(links, batch_size=BATCH)
    timings["producers, products, links"] = time.perf_counter() - started

    # The catalogue lists what the search index holds: bulk_create indexed nothing.
    started = time.perf_counter()
    call_command("rebuild_index", interactive=False, verbosity=0)
    timings["search index (the catalogue's)"] = time.perf_counter() - started
    return timings


def assess() -> dict[str, float]:
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from impact.models import Assessment
    from impact.monitoring.assessment import households_reassess

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    started = time.perf_counter()
    # (its commit queues a full targeting refresh, run here: tasks are eager)
    households_reassess(year=timezone.localdate().year, channel=Assessment.Channel.PERIODIC)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"assess every household (and the refresh it queues)": seconds}


def _timed(call, repeat: int = 7):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for _i in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
    return min(times), statistics.median(times), max(times), len(queries.captured_queries)


def _report(kind: str, cases: dict) -> None:
    """Each case's best, median and worst of 7 runs (ms) and its queries, and the slowest median."""
    print(f"\n{kind:44} {'best ms':>8} {'median ms':>10} {'worst ms':>9} {'queries':>8}  target")
    worst = 0.0
    for name, call in cases.items():
        best, median, slowest, queries = _timed(call)
        worst = max(worst, median)
        print(f"{name:44} {best:8.1f} {median:10.1f} {slowest:9.1f} {queries:8d}  under 300 ms")
    print(f"slowest {kind} median: {worst:.1f} ms (target: under 300 ms)")


def measure() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.utils import timezone

    from impact.ledger.payouts import payout_record
    from impact.models import GapFigure, Household, LiftFigure, Payout, Region
    from impact.targeting import (
        IN_WARNING,
        gaps,
        gaps_in_county,
        products_by_lift,
        project_amounts,
        targeting_refresh_all,
        targeting_refresh_households,
    )
    from producers.models import BenefitLink

    print(
        f"\n{Household.objects.count():,} households, {BenefitLink.objects.count():,} links, "
        f"load average {Path('/proc/loadavg').read_text().split()[0]}"
    )
    started = time.perf_counter()
    counts = targeting_refresh_all()
    full = time.perf_counter() - started
    print(
        f"full refresh: {full:.2f} s ({counts['lifts']:,} lifts, {counts['gaps']:,} gaps) (target: under 30 s)"
    )

    # One payout to a household in warning that a link reaches, from that link's producer.
    link = (
        BenefitLink.objects.filter(
            household__code__startswith="TB-",
            household__status__level__in=[int(level) for level in IN_WARNING],
        )
        .select_related("producer", "household")
        .order_by("pk")
        .first()
    )
    staff = get_user_model().objects.filter(is_superuser=True).first()
    started = time.perf_counter()
    payout_record(
        producer=link.producer,
        household=link.household,
        amount=Decimal("300.00"),
        paid_on=timezone.localdate(),
        method=Payout.Method.BANK,
        reference=f"TB-{time.time_ns()}",
        by=staff,
    )
    recorded = time.perf_counter() - started
    best, median, _worst, queries = _timed(
        lambda: targeting_refresh_households(household_ids=[link.household_id]), repeat=3
    )
    print(
        f"one payout recorded (allocation, re-assessment, and the incremental refresh it queues): "
        f"{recorded * 1000:.0f} ms"
    )
    print(
        f"incremental refresh after one payout: best {best:.0f} ms, median {median:.0f} ms, "
        f"{queries} queries (target: under 1 s)"
    )

    county_id = (
        LiftFigure.objects.filter(scope="product")
        .values("county_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()["county_id"]
    )
    county = Region.objects.get(pk=county_id)
    top = [pk for pk, _lift in products_by_lift(county_id=county_id, limit=20)]
    cases = {
        f"products_by_lift, {county.name}": lambda: products_by_lift(county_id=county_id),
        f"gaps of {county.name} (county)": lambda: gaps(scope="county", ids=[county_id]),
        f"gaps of {county.name}'s villages": lambda: gaps_in_county(
            scope="village", county_id=county_id
        ),
        "project_amounts, 20 products, ¥5,000 each": lambda: project_amounts(
            amounts={pk: Decimal(5000) for pk in top}
        ),
    }
    _report("selector", cases)
    pages(county, top)
    print(
        f"stored: {LiftFigure.objects.count():,} lifts, {GapFigure.objects.count():,} gaps; "
        f"load average {Path('/proc/loadavg').read_text().strip()}"
    )


def planner_people(county, products: list[int]) -> dict:
    """What the planner's pages need in the database, made once (``--measure-only`` finds
    them): a campaign of ``products`` (the county's best by lift) owned by a campaign host
    (带货干部), county monitoring staff of ``county``, and a work unit paired with it
    (结对帮扶) with a buyer. Made by the tests' own helpers."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone
    from oscar.core.loading import get_model

    from cms.campaigns.services import CADRE_GROUP
    from cms.models import CampaignPage
    from impact.models import StaffScope
    from shop.units.services import unit_plan_file
    from tests.cms.campaigns import make_campaign
    from tests.impact.factories import area_staff
    from tests.units import factories as units

    User = get_user_model()
    Product = get_model("catalogue", "Product")
    campaign = CampaignPage.objects.filter(slug="tb-plan").first()
    if campaign is None:
        host = User.objects.create_user(username="tb-host")
        host.groups.add(Group.objects.get(name=CADRE_GROUP))
        upcs = dict(Product.objects.filter(pk__in=products).values_list("pk", "upc"))
        campaign = make_campaign(
            slug="tb-plan",
            title=f"{county.name}带货直播",
            products=[(upcs[pk], None) for pk in products],
            owner=host,
            starts_at=timezone.now() + datetime.timedelta(days=3),
        )
        area_staff("tb-monitoring", county)
        unit = units.unit()
        unit_plan_file(
            unit=unit,
            year=timezone.localdate().year,
            food_budget="500000",
            paired_county=county,
            paired_amount="50000",
            by=None,
        )
        units.member(of=unit)
    monitoring = User.objects.get(username="tb-monitoring")
    assert StaffScope.objects.get(user=monitoring).county_id == county.pk
    return {
        "campaign": campaign,
        "host": User.objects.get(username="tb-host"),
        "monitoring": monitoring,
        "buyer": User.objects.get(work_unit_membership__unit__paired_county=county),
    }


def pages(county, top: list[int]) -> None:
    """The planner's pages as people open them: Django's test client, signed in as the role
    that uses each page, against this database; best and median of 7 GETs, with queries."""
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from oscar.core.loading import get_model

    setup_test_environment()  # the test client's host (testserver) is allowed
    # As a gunicorn worker does once Django is loaded (deploy/gunicorn.conf.py): what is loaded
    # is frozen out of the collector's full sweeps, which took ~180 ms in a request.
    gc.collect()
    gc.freeze()
    Product = get_model("catalogue", "Product")
    people = planner_people(county, top)
    campaign = people["campaign"]

    def client(user=None) -> Client:
        made = Client()
        if user is not None:
            made.force_login(user)
        return made

    def get(who: Client, url: str, params: dict | None = None):
        def call() -> None:
            response = who.get(url, params or {})
            assert response.status_code == 200, (url, params, response.status_code)

        return call

    host, monitoring = client(people["host"]), client(people["monitoring"])
    buyer, anonymous = client(people["buyer"]), client()
    plan = reverse("cms_campaign_plan", args=[campaign.pk])
    chosen = {"county": county.pk, "product": [str(pk) for pk in top[:5]], "amount": "50000"}
    best = Product.objects.get(pk=top[0])
    cases = {
        f"campaign plan, {len(top)} products": get(host, plan),
        "campaign plan, target ¥50,000": get(host, plan, {"target": "50000"}),
        "campaign plan, target and one amount": get(
            host, plan, {"target": "50000", f"product_{top[0]}": "10000"}
        ),
        "product chooser (modal)": get(host, "/cms/product_chooser/"),
        "product chooser, by lift": get(host, "/cms/product_chooser/results/", {"order": "lift"}),
        f"gap report, {county.name}": get(
            monitoring, reverse("impact_report_gap"), {"county": county.pk}
        ),
        f"what-if, {county.name}": get(
            monitoring, reverse("impact_report_whatif"), {"county": county.pk}
        ),
        "what-if, 5 products, ¥50,000": get(monitoring, reverse("impact_report_whatif"), chosen),
        "quick order with 帮扶优先": get(buyer, reverse("units:quick-order")),
        "catalogue, 最需要帮扶": get(
            anonymous, reverse("catalogue:index"), {"sort_by": "help-first"}
        ),
        "product page with its lift": get(anonymous, best.get_absolute_url()),
    }
    _report("page", cases)


def main() -> None:
    size = SMALL if "--small" in sys.argv else FULL
    url = bench_database_url(NAME)
    env = bench_env(url, unset=("CELERY_BROKER_URL", "CACHE_URL"))
    if "--measure-only" not in sys.argv:
        # The migrated demo is kept as a template (yx_core_bench_demo) and copied: migrating
        # takes minutes; --fresh builds the template again (after a new migration).
        template = bench_database_url(TEMPLATE)
        if "--fresh" in sys.argv or not database_exists(template):
            database_create(template)
            print(f"database {TEMPLATE}: migrating and loading the demo …")
            started = time.perf_counter()
            template_env = bench_env(template, unset=("CELERY_BROKER_URL", "CACHE_URL"))
            manage(template_env, "migrate", "--noinput")
            manage(template_env, "load_demo", "--force")
            print(f"  migrate and load_demo: {time.perf_counter() - started:.1f} s")
        admin_execute(
            url,
            f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)",
            f"CREATE DATABASE {NAME} TEMPLATE {TEMPLATE}",
        )
        # a template older than the code gets the migrations it lacks (none: a few seconds)
        manage(env, "migrate", "--noinput")
        print(f"database {NAME}: a copy of {TEMPLATE}, migrated")
    os.environ.update(env)
    os.chdir(ROOT)
    if "--measure-only" not in sys.argv:
        print(
            f"adding {size['households']:,} households, {size['products']:,} products, "
            f"{size['links']:,} links in {size['counties']} counties …"
        )
        for step, seconds in {**populate(size), **assess()}.items():
            print(f"  {step}: {seconds:.1f} s")
    measure()


if __name__ == "__main__":
    main()
