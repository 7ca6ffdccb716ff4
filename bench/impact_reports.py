"""Benchmark: the impact reports over 1,000,000 ledger entries reaching 96,000 households.

Builds a throw-away PostgreSQL database (``yixiang_bench_reports`` on the
server of DATABASE_URL), migrates it and loads the demo, then adds 96,000
households (each linked to a demo producer), 4,000 paid orders of 5 lines
spread over the last 12 months, and 1,000,000 attribution entries (each line
reaching 50 households). It assesses every household, takes twelve month-end
level snapshots, builds the report summaries from the ledger
(``rollups_rebuild``, timed), checks them against the ledger, and then times
each report: best and median of 7 runs, with its query count.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yixiang .venv/bin/python bench/impact_reports.py

Targets: every report under 300 ms, its query count independent of the data size (issue #9);
``rollups_rebuild`` under 60 s at 1,000,000 entries (issue #20).
"""

import datetime
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._postgres import ROOT, bench_database_url, bench_env, database_create, manage

NAME = "yixiang_bench_reports"
HOUSEHOLDS = 96_000
ORDERS = 4_000
LINES_PER_ORDER = 5
HOUSEHOLDS_PER_LINE = 50  # 4,000 × 5 × 50 = 1,000,000 entries


def _columns(model, **override):
    """The non-key columns of a model, and the SELECT expressions copying them from ``t``."""
    columns, expressions = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        expressions.append(override.get(field.column, f"t.{field.column}"))
    return ", ".join(columns), ", ".join(expressions)


def populate() -> dict[str, float]:
    # A child process with its own database settings: Django is set up here, and the
    # project's modules can only be imported after that (not to dodge an import cycle).
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone
    from oscar.core.loading import get_model

    from bench._households import household_row
    from impact.models import Household, Region
    from producers.models import BenefitLink, Producer
    from shop.payments.models import OrderPayment, PaymentEvent
    from shop.payments.services import order_payment_open, order_transfer_record

    timings: dict[str, float] = {}
    started = time.perf_counter()
    villages = list(Region.objects.filter(level=Region.Level.VILLAGE).select_related("parent"))
    households = []
    for number in range(HOUSEHOLDS):
        village = villages[number % len(villages)]
        households.append(
            household_row(
                code=f"B-{number:06d}",
                county_code=village.parent.parent.code,
                serial=number,
                head_name="基准户主",
                region=village,
                county_id=village.parent.parent_id,
            )
        )
        if len(households) == 5000:
            Household.objects.bulk_create(households)
            households = []
    Household.objects.bulk_create(households)

    from impact.models import IncomeRecord

    year = timezone.localdate().year
    IncomeRecord.objects.bulk_create(
        [
            IncomeRecord(household_id=pk, year=year, wages=Decimal(4000 + (pk * 37) % 9000))
            for pk in Household.objects.filter(code__startswith="B-").values_list("pk", flat=True)
        ],
        batch_size=5000,
    )
    producers = list(Producer.objects.order_by("pk"))
    start_on = timezone.localdate() - datetime.timedelta(days=400)
    ids = list(Household.objects.filter(code__startswith="B-").values_list("pk", flat=True))
    BenefitLink.objects.bulk_create(
        [
            BenefitLink(
                producer=producers[index % len(producers)],
                household_id=pk,
                kind=BenefitLink.Kind.EMPLOYMENT,
                share=__import__("decimal").Decimal("1.00"),
                valid_from=start_on,
            )
            for index, pk in enumerate(ids)
        ],
        batch_size=5000,
    )
    timings["households and links"] = time.perf_counter() - started

    # One real paid order of five lines, through the services; then 3,999 copies of it in SQL.
    started = time.perf_counter()
    from oscar.apps.partner.strategy import Default
    from oscar.test.factories import create_order

    Basket = get_model("basket", "Basket")
    Product = get_model("catalogue", "Product")
    Order = get_model("order", "Order")
    Line = get_model("order", "Line")
    buyer = get_user_model().objects.create_user(
        username="bench-buyer", password=__import__("secrets").token_urlsafe()
    )
    basket = Basket.objects.create(owner=buyer)
    basket.strategy = Default()
    # Five products from every producer in turn, so each producer's linked households are reached.
    chosen, partners = [], set()
    candidates = list(Product.objects.filter(stockrecords__isnull=False).order_by("pk"))
    for product in candidates:
        partner = product.stockrecords.first().partner_id
        if partner not in partners:
            chosen.append(product)
            partners.add(partner)
    chosen += [product for product in candidates if product not in chosen][: 5 - len(chosen)]
    for product in chosen[:5]:
        basket.add_product(product, quantity=2)
    template = create_order(basket=basket, user=buyer)
    order_payment_open(order=template, method=OrderPayment.Method.TRANSFER)
    staff = get_user_model().objects.filter(is_superuser=True).first()
    order_transfer_record(
        order=template,
        amount=template.total_incl_tax,
        received_on=timezone.localdate(),
        bank_reference="BENCH",
        by=staff,
    )
    order_columns, order_select = _columns(
        Order,
        number="'B' || lpad(g::text, 7, '0')",
        date_placed="now() - (g %% 360) * interval '1 day'",
    )
    line_columns, line_select = _columns(Line, order_id="o.id")
    payment_columns, payment_select = _columns(OrderPayment, order_id="o.id")
    event_columns, event_select = _columns(
        PaymentEvent, order_payment_id="p.id", created_at="o.date_placed"
    )
    # Column lists come from the models' meta; the only value is a parameter.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO order_order ({order_columns}) SELECT {order_select} "
            f"FROM order_order t, generate_series(1, {ORDERS - 1}) g WHERE t.id = %s",
            [template.pk],
        )
        cursor.execute(
            f"INSERT INTO order_line ({line_columns}) SELECT {line_select} "
            "FROM order_line t JOIN order_order o ON o.number LIKE 'B%%' WHERE t.order_id = %s",
            [template.pk],
        )
        cursor.execute(
            f"INSERT INTO payments_orderpayment ({payment_columns}) SELECT {payment_select} "
            "FROM payments_orderpayment t JOIN order_order o ON o.number LIKE 'B%%' "
            "WHERE t.order_id = %s",
            [template.pk],
        )
        cursor.execute(
            f"INSERT INTO payments_paymentevent ({event_columns}) SELECT {event_select} "
            "FROM payments_paymentevent t JOIN order_order o ON o.number LIKE 'B%%' "
            "JOIN payments_orderpayment p ON p.order_id = o.id WHERE t.order_payment_id = %s",
            [template.payment.pk],
        )
        cursor.execute(
            "INSERT INTO impact_attributionjob "
            "(payment_event_id, created_at, done_at, outcome, error, retries) "
            "SELECT e.id, e.created_at, e.created_at, '{}', '', 0 FROM payments_paymentevent e "
            "WHERE NOT EXISTS (SELECT 1 FROM impact_attributionjob j WHERE j.payment_event_id = e.id)"
        )
        timings["orders, lines, payments"] = time.perf_counter() - started

        # 1,000,000 entries: line n reaches 50 households, the ones linked to its producer.
        started = time.perf_counter()
        cursor.execute("ANALYZE")  # fresh statistics, or the planner joins before computing k
        cursor.execute(
            """
            WITH lines AS MATERIALIZED (
                SELECT l.id, l.partner_id, l.line_price_incl_tax, e.id AS event_id, e.created_at,
                       row_number() OVER (ORDER BY l.id) AS n
                FROM order_line l
                JOIN payments_orderpayment p ON p.order_id = l.order_id
                JOIN payments_paymentevent e ON e.order_payment_id = p.id
                WHERE l.order_id IN (SELECT id FROM order_order WHERE number LIKE 'B%%')
            ),
            links AS MATERIALIZED (
                SELECT b.id, b.household_id, pr.partner_id,
                       row_number() OVER (PARTITION BY pr.partner_id ORDER BY b.id) AS k
                FROM producers_benefitlink b JOIN producers_producer pr ON pr.id = b.producer_id
                WHERE b.household_id IN (SELECT id FROM impact_household WHERE code LIKE 'B-%%')
            ),
            counts AS (SELECT partner_id, count(*) AS c FROM links GROUP BY partner_id),
            targets AS MATERIALIZED (
                SELECT lines.*, 1 + ((lines.n * %s + s) %% counts.c) AS k
                FROM lines JOIN counts ON counts.partner_id = lines.partner_id,
                     generate_series(0, %s - 1) s
            )
            INSERT INTO impact_attributionentry
                (line_id, household_id, link_id, kind, income_source, amount, year,
                 payment_event_id, created_at)
            SELECT targets.id, links.household_id, links.id, 'attribution', 'wages',
                   round(targets.line_price_incl_tax * 0.01, 2) + 0.01,
                   extract(year FROM targets.created_at AT TIME ZONE 'Asia/Shanghai')::int,
                   targets.event_id, targets.created_at
            FROM targets
            JOIN links ON links.partner_id = targets.partner_id AND links.k = targets.k
            """,
            [HOUSEHOLDS_PER_LINE, HOUSEHOLDS_PER_LINE],
        )
        cursor.execute("ANALYZE")
    from impact.models import AttributionEntry

    timings["ledger entries"] = time.perf_counter() - started
    print(
        f"ledger: {AttributionEntry.objects.count():,} entries over "
        f"{AttributionEntry.objects.values('household_id').distinct().count():,} households"
    )
    return timings


def summarise() -> dict[str, float]:
    # A child process with its own database settings: Django is set up here, and the
    # project's modules can only be imported after that (not to dodge an import cycle).
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from impact.ledger.rollups import level_snapshot_take, rollups_differences, rollups_rebuild
    from impact.models import Assessment
    from impact.monitoring.assessment import households_reassess

    timings: dict[str, float] = {}
    started = time.perf_counter()
    households_reassess(year=timezone.localdate().year, channel=Assessment.Channel.PERIODIC)
    timings["assess 96,000 households"] = time.perf_counter() - started
    # As if these assessments had stood all year: twelve month-end snapshots.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE impact_assessment SET assessed_at = assessed_at - interval '400 days'"
        )
    started = time.perf_counter()
    month = timezone.localdate().replace(day=1)
    for _i in range(12):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
        level_snapshot_take(month=month)
    timings["12 level snapshots"] = time.perf_counter() - started
    started = time.perf_counter()
    counts = rollups_rebuild()
    timings["rollups_rebuild"] = time.perf_counter() - started
    print(f"summaries: {counts}")
    started = time.perf_counter()
    differences = rollups_differences()
    timings["rollups_differences"] = time.perf_counter() - started
    print(f"summaries equal the ledger: {not differences} ({len(differences)} differences)")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return timings


def measure() -> None:
    # A child process with its own database settings: Django is set up here, and the
    # project's modules can only be imported after that (not to dodge an import cycle).
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from impact.models import Region
    from impact.monitoring.access import Scope
    from impact.reporting import staff as reports
    from impact.reporting.buyer import my_impact
    from impact.reporting.producer import producer_impact
    from impact.reporting.public import public_figures
    from producers.models import Producer

    year = str(timezone.localdate().year)
    last_year = str(timezone.localdate().year - 1)
    dongchuan = Scope((Region.objects.get(code="530113").pk,))
    city = Scope(None)
    month = timezone.localdate().strftime("%Y-%m")
    quarter = f"{year}Q{(timezone.localdate().month - 1) // 3 + 1}"
    producer = Producer.objects.order_by("pk").first()
    township = Region.objects.filter(level="township").first()
    buyer = get_user_model().objects.get(username="bench-buyer")
    cases = {
        "overview, city": lambda: reports.report_overview(scope=city),
        "overview, 东川区": lambda: reports.report_overview(scope=dongchuan),
        "overview, a township": lambda: reports.report_overview(scope=city, region=township),
        f"platform {year}, city": lambda: reports.report_platform(
            scope=city, period=reports.period_parse(year)
        ),
        f"platform {last_year}, city": lambda: reports.report_platform(
            scope=city, period=reports.period_parse(last_year)
        ),
        f"platform {quarter}, city": lambda: reports.report_platform(
            scope=city, period=reports.period_parse(quarter)
        ),
        f"platform {month}, city": lambda: reports.report_platform(
            scope=city, period=reports.period_parse(month)
        ),
        f"platform {year}, 东川区": lambda: reports.report_platform(
            scope=dongchuan, period=reports.period_parse(year)
        ),
    }
    for by in reports.BREAKDOWNS:
        cases[f"by {by} {year}, city"] = lambda by=by: reports.report_breakdown(
            scope=city, period=reports.period_parse(year), by=by
        )
    cases["public figures"] = public_figures
    cases[f"producer's own, {year}"] = lambda: producer_impact(
        producer=producer, period=reports.period_parse(year)
    )
    cases["my impact, 4,000 orders"] = lambda: my_impact(user=buyer)

    print(f"\n{'report':34} {'best ms':>9} {'median ms':>10} {'queries':>8}")
    worst = 0.0
    for name, call in cases.items():
        times = []
        for _i in range(7):
            reset_queries()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                call()
                times.append((time.perf_counter() - started) * 1000)
        median = statistics.median(times)
        worst = max(worst, median)
        print(f"{name:34} {min(times):9.1f} {median:10.1f} {len(queries.captured_queries):8d}")
    print(f"\nslowest median: {worst:.1f} ms (target: under 300 ms)")


def main() -> None:
    url = bench_database_url(NAME)
    # Tasks run eagerly: nothing to queue.
    env = bench_env(url, unset=("CELERY_BROKER_URL", "CACHE_URL"))
    if "--measure-only" not in sys.argv and "--resume" not in sys.argv:
        database_create(url)
        print(f"database {NAME}: migrating and loading the demo …")
        manage(env, "migrate", "--noinput")
        manage(
            env, "load_demo", "--force"
        )  # DEBUG is off here: the demo logins are refused without it
    os.environ.update(env)
    os.chdir(ROOT)
    if "--measure-only" not in sys.argv:
        if "--resume" not in sys.argv:
            for step, seconds in populate().items():
                print(f"  {step}: {seconds:.1f} s")
        for step, seconds in summarise().items():
            print(f"  {step}: {seconds:.1f} s")
    measure()


if __name__ == "__main__":
    main()
