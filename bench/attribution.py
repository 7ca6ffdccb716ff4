"""Benchmark: attribution throughput for one worker on PostgreSQL (due amounts: no re-assessment).

Builds a throw-away PostgreSQL database (``yixiang_bench_attribution`` on the
server of DATABASE_URL, default postgres://postgres@127.0.0.1:5432), migrates
it and fills it in bulk (no HTTP, no signals): H households with this year's
income across three counties, P producers with K products each, benefit links
(two shares on all of a producer's products, three links on each product, each
to its own household of the producer's county), and N orders of 3 lines, each
paid, with its payment-confirmed event and its attribution job, none of them
attributed yet (and N/5 more attributed beforehand, so the ledger and the
planner's statistics are those of a running platform, not of empty tables).
Then, in a fresh process, it measures one worker, a third of the orders each:

(a1) the task per payment (``impact_attribute_payment``) when payments come one
     at a time: each job made ready (untimed: the payment's side), then its task;
(a2) the same tasks in a rush: every job ready first, then one task per payment
     run in turn; each task claims every ready job in batches of B
     (``SKIP LOCKED``), so the first does them all and the rest find theirs done;
(b) the catch-up (``attribution_catch_up``, beat): jobs older than a minute, in
    batches of B.

It prints order lines per second for each (wall clock, and per CPU-second of
the worker process), database queries per event, and checks the ledger: every job done, the total attributed equal to what the
pure split gives each line, to the fen.

    .venv/bin/python bench/attribution.py                    # 2,000 orders, 5,000 households
    .venv/bin/python bench/attribution.py --orders 4000 --households 20000 --batch 100
    .venv/bin/python bench/attribution.py --profile          # cProfile of both paths

Target (issues #6, #20): at least 500 order lines per second for one worker.
The database is dropped at the end unless ``--keep``.
"""

import argparse
import cProfile
import datetime
import pstats
import random
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from _postgres import ROOT, bench_database_url, bench_env, database_create, database_drop, manage

DATABASE = "yixiang_bench_attribution"
LINES_PER_ORDER = 3


# ---------------------------------------------------------------- populate (a child process)


def populate(*, orders: int, households: int, producers: int, products: int) -> None:
    # A child process with its own database settings: Django is set up here, and the
    # project's modules can only be imported after that (not to dodge an import cycle).
    import django

    django.setup()
    from _households import household_row
    from django.db import connection
    from django.utils import timezone
    from oscar.core.loading import get_model

    from impact.models import (
        AttributionJob,
        Household,
        IncomeRecord,
        MonitoringSettings,
        Region,
        Threshold,
    )
    from producers.models import BenefitLink, Producer
    from shop.payments.models import OrderPayment, PaymentEvent

    Order = get_model("order", "Order")
    Line = get_model("order", "Line")
    Partner = get_model("partner", "Partner")
    Product = get_model("catalogue", "Product")
    ProductClass = get_model("catalogue", "ProductClass")
    StockRecord = get_model("partner", "StockRecord")

    started = time.perf_counter()
    rng = random.Random(20260601)
    now = timezone.now()
    year = timezone.localdate(now).year
    Threshold.objects.update_or_create(
        year=year, defaults={"national_standard": Decimal("4600.00"), "multiplier": Decimal("1.50")}
    )
    MonitoringSettings.load()

    # Three counties of villages, households with this year's income around the monitoring line.
    counties = []
    for code, name in [("530113", "东川区"), ("530128", "禄劝县"), ("530129", "寻甸县")]:
        county = Region.objects.create(code=code, name=name, level="county")
        villages = []
        for t in range(4):
            township = Region.objects.create(parent=county, name=f"乡镇{t}", level="township")
            for v in range(10):
                villages.append(
                    Region.objects.create(parent=township, name=f"村{v}", level="village")
                )
        counties.append((county, villages))
    people = []
    for number in range(households):
        county, villages = counties[number % len(counties)]
        people.append(
            household_row(
                code=f"{county.code}-{number:06d}",
                county_code=county.code,
                serial=number,
                rng=rng,
                region=villages[number % len(villages)],
                county=county,
            )
        )
    people = Household.objects.bulk_create(people, batch_size=5000)
    IncomeRecord.objects.bulk_create(
        [
            IncomeRecord(
                household=h,
                year=year,
                # per capita from 5,000 to 9,000 a year: many just under or over the line (6,900)
                wages=Decimal(rng.randint(5000, 9000)) * h.members,
            )
            for h in people
        ],
        batch_size=5000,
    )
    by_county: dict[int, list] = {county.pk: [] for county, _villages in counties}
    for h in people:
        by_county[h.county_id].append(h)
    for pool in by_county.values():
        rng.shuffle(pool)

    # Producers, their products and stock records, and the links.
    product_class = ProductClass.objects.create(name="农产品", slug="farm", track_stock=True)
    partners = Partner.objects.bulk_create(
        [Partner(code=f"bench-{p:04d}", name=f"合作社{p}") for p in range(producers)]
    )
    makers = Producer.objects.bulk_create(
        [
            Producer(
                partner=partner,
                name=partner.name,
                kind="cooperative",
                region=counties[p % len(counties)][1][0].parent,
                status="approved",
            )
            for p, partner in enumerate(partners)
        ]
    )
    goods = Product.objects.bulk_create(
        [
            Product(
                title=f"产品 {p}-{k}",
                slug=f"bench-{p}-{k}",
                upc=f"B-{p:04d}-{k}",
                product_class=product_class,
                description="",
            )
            for p in range(producers)
            for k in range(products)
        ]
    )
    prices = [Decimal(rng.randint(1500, 12000)) / 100 for _ in goods]
    records = StockRecord.objects.bulk_create(
        [
            StockRecord(
                product=product,
                partner=partners[i // products],
                partner_sku=product.upc,
                price=price,
                num_in_stock=1_000_000,
                num_allocated=0,
            )
            for i, (product, price) in enumerate(zip(goods, prices, strict=True))
        ]
    )
    valid_from = datetime.date(year, 1, 1)
    links = []
    for p, maker in enumerate(makers):
        pool = by_county[counties[p % len(counties)][0].pk]
        links += [
            BenefitLink(
                producer=maker,
                household=pool.pop(),
                kind=kind,
                share=share,
                valid_from=valid_from,
            )
            for kind, share in (("employment", Decimal("6.00")), ("dividend", Decimal("4.00")))
        ]
        for k in range(products):
            i = p * products + k
            links += [
                BenefitLink(
                    producer=maker,
                    product=goods[i],
                    household=pool.pop(),
                    kind=kind,
                    valid_from=valid_from,
                    **terms,
                )
                for kind, terms in (
                    (
                        "purchase",
                        {"per_unit": (prices[i] * Decimal("0.08")).quantize(Decimal("0.01"))},
                    ),
                    ("land_rent", {"share": Decimal("3.00")}),
                    ("direct", {"per_unit": Decimal("0.50")}),
                )
            ]
    BenefitLink.objects.bulk_create(links, batch_size=5000)

    # Paid orders: 3 lines of different products each; each with its event and its job.
    placed = []
    picks = []
    history = orders // 5  # attributed before the measurement, so the ledger is not empty
    for number in range(orders + history):
        chosen = rng.sample(range(len(goods)), LINES_PER_ORDER)
        quantities = [rng.randint(1, 5) for _ in chosen]
        total = sum((prices[i] * q for i, q in zip(chosen, quantities, strict=True)), Decimal(0))
        picks.append((chosen, quantities))
        placed.append(
            Order(
                number=f"B{number:07d}",
                currency="CNY",
                total_incl_tax=total,
                total_excl_tax=total,
                shipping_method="",
                status="Paid",
                guest_email=f"buyer{number}@example.com",
                date_placed=now,
                analytics_tracked=False,
            )
        )
    placed = Order.objects.bulk_create(placed, batch_size=5000)
    Line.objects.bulk_create(
        [
            Line(
                order=order,
                partner=partners[i // products],
                partner_name=partners[i // products].name,
                partner_sku=goods[i].upc,
                stockrecord=records[i],
                product=goods[i],
                title=goods[i].title,
                upc=goods[i].upc,
                quantity=q,
                line_price_incl_tax=prices[i] * q,
                line_price_excl_tax=prices[i] * q,
                line_price_before_discounts_incl_tax=prices[i] * q,
                line_price_before_discounts_excl_tax=prices[i] * q,
                unit_price_incl_tax=prices[i],
                unit_price_excl_tax=prices[i],
                status="Paid",
                num_allocated=q,
                allocation_cancelled=False,
            )
            for order, (chosen, quantities) in zip(placed, picks, strict=True)
            for i, q in zip(chosen, quantities, strict=True)
        ],
        batch_size=5000,
    )
    payments = OrderPayment.objects.bulk_create(
        [
            OrderPayment(
                order=order,
                method="transfer",
                state="paid",
                amount_due=order.total_incl_tax,
                amount_received=order.total_incl_tax,
                confirmed_at=now,
            )
            for order in placed
        ],
        batch_size=5000,
    )
    events = PaymentEvent.objects.bulk_create(
        [
            PaymentEvent(order_payment=payment, kind="confirmed", amount=payment.amount_due)
            for payment in payments
        ],
        batch_size=5000,
    )
    AttributionJob.objects.bulk_create(
        [AttributionJob(payment_event=event) for event in events], batch_size=5000
    )
    # Some history first: the measurement starts from a ledger with entries (and the planner's
    # statistics of one), as a running platform has, not from empty tables.
    from impact.ledger.services import attribution_run_many

    earlier = [event.pk for event in events[:history]]
    for start in range(0, len(earlier), 500):
        attribution_run_many(payment_event_ids=earlier[start : start + 500])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum would do soon after a bulk load
        cursor.execute("CHECKPOINT")  # the load's writes flushed now, not during the measurement
    print(
        f"populated in {time.perf_counter() - started:.1f} s: {households:,} households, "
        f"{producers} producers × {products} products, {len(links):,} links, "
        f"{history:,} orders attributed earlier, and {orders:,} paid orders × {LINES_PER_ORDER} "
        "lines to attribute"
    )


# ---------------------------------------------------------------- measure (a fresh child process)


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def timed(
    run: Callable[[Any], int],
    arguments: list,
    *,
    profile: bool,
    prepare: Callable[[Any], None] | None = None,
) -> tuple[int, float, int, cProfile.Profile | None]:
    """``run`` over each of ``arguments`` in turn, each giving the lines it attributed:
    the lines in all, the seconds taken, the SQL queries made, and the cProfile if asked.
    ``prepare`` (the payment's side: its job made ready) runs before each, neither timed
    nor counted."""
    from django.db import connection

    counter = QueryCounter()
    profiler = cProfile.Profile() if profile else None
    lines = 0
    seconds = 0.0
    cpu = 0.0
    for argument in arguments:
        if prepare:
            prepare(argument)
        started, cpu_started = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(counter):
            if profiler:
                profiler.enable()
            lines += run(argument)
            if profiler:
                profiler.disable()
        seconds += time.perf_counter() - started
        cpu += time.process_time() - cpu_started
    CPU.append(cpu)
    return lines, seconds, counter.count, profiler


CPU: list[float] = []  # the worker process's CPU seconds of each timed part, in turn


def measure(*, batch: int, profile: bool) -> None:
    # A child process with its own database settings: Django is set up here, and the
    # project's modules can only be imported after that (not to dodge an import cycle).
    import django

    django.setup()
    import datetime as dt

    from django.conf import settings
    from django.db.models import Sum
    from django.utils import timezone

    from impact.ledger.services import attribution_catch_up
    from impact.models import AttributionEntry, AttributionJob
    from impact.tasks import impact_attribute_payment

    settings.ATTRIBUTION_BATCH_SIZE = batch
    events = list(
        AttributionJob.objects.filter(done_at__isnull=True)
        .order_by("payment_event_id")
        .values_list("payment_event_id", flat=True)
    )
    third = len(events) // 3
    single, rush, behind = events[:third], events[third : 2 * third], events[2 * third :]
    jobs = AttributionJob.objects.filter

    # Every job held back (not ready) until its part: a payment's job is ready once it commits.
    jobs(payment_event_id__in=events).update(quarantined_at=timezone.now(), error="bench")

    def ready(ids: list[int]) -> None:
        jobs(payment_event_id__in=ids).update(quarantined_at=None, error="")

    def figures(name: str, count: int, lines: int, seconds: float, queries: int) -> None:
        # The worker's own CPU time says what the machine's load does not: a busy machine
        # stretches the wall-clock time, not (much) the work.
        print(
            f"{name}: {count:,} events, {lines:,} lines in {seconds:.2f} s = "
            f"{lines / seconds:,.0f} lines/s ({queries / count:.1f} queries per event; "
            f"worker CPU {CPU[-1]:.2f} s = {lines / CPU[-1]:,.0f} lines per CPU-second)"
        )

    # (a1) one payment at a time: each payment's job ready, then its task (a quiet shop).
    lines, seconds, queries, profiler = timed(
        lambda event_id: impact_attribute_payment(event_id)["lines"],
        single,
        profile=profile,
        prepare=lambda event_id: ready([event_id]),
    )
    figures("(a1) task per payment, one payment at a time", len(single), lines, seconds, queries)

    # (a2) a rush: the payments' jobs ready before the worker gets to their tasks; each task
    # takes every ready job in batches, the later tasks find theirs done.
    ready(rush)
    lines, seconds, queries, profiler_a2 = timed(
        lambda event_id: impact_attribute_payment(event_id)["lines"], rush, profile=profile
    )
    figures(
        f"(a2) task per payment, a rush (batches of {batch})", len(rush), lines, seconds, queries
    )

    # (b) the catch-up: jobs whose task never came, older than a minute, in batches.
    ready(behind)
    jobs(payment_event_id__in=behind).update(created_at=timezone.now() - dt.timedelta(minutes=5))
    lines, seconds, queries, profiler_b = timed(
        lambda _none: attribution_catch_up()["lines"], [None], profile=profile
    )
    figures(f"(b) catch-up (batches of {batch})", len(behind), lines, seconds, queries)

    check_ledger()
    total = AttributionEntry.objects.aggregate(total=Sum("amount"))["total"]
    print(f"ledger: {AttributionEntry.objects.count():,} entries, ¥{total:,} attributed")
    for name, each in (("(a1)", profiler), ("(a2)", profiler_a2), ("(b)", profiler_b)):
        if each:
            print(f"\ncProfile of {name}, by cumulative time:")
            pstats.Stats(each, stream=sys.stdout).sort_stats("cumulative").print_stats(30)


def check_ledger() -> None:
    """Every job done, and each line holds exactly what the pure split gives it."""

    from django.db.models import Sum
    from oscar.core.loading import get_model

    from impact.ledger.attribution import line_split
    from impact.models import AttributionEntry, AttributionJob
    from producers.models import BenefitLink
    from tests.impact.ledger_rules import link_rule

    Line = get_model("order", "Line")
    left = AttributionJob.objects.filter(done_at__isnull=True).count()
    assert left == 0, f"{left} jobs not done"
    general: dict[int, list] = defaultdict(list)
    specific: dict[int, list] = defaultdict(list)
    for link in BenefitLink.objects.select_related("producer").order_by("pk"):
        rule = link_rule(link)
        if link.product_id is None:
            general[link.producer.partner_id].append(rule)
        else:
            specific[link.product_id].append(rule)
    expected: dict[tuple[int, int], Decimal] = {}
    for line in Line.objects.all():
        rules = sorted(
            general[line.partner_id] + specific[line.product_id], key=lambda r: r.link_id
        )
        for part in line_split(quantity=line.quantity, net=line.line_price_incl_tax, links=rules):
            if part.amount:
                expected[(line.pk, part.link_id)] = part.amount
    actual = {
        (row["line_id"], row["link_id"]): row["total"]
        for row in AttributionEntry.objects.values("line_id", "link_id").annotate(
            total=Sum("amount")
        )
    }
    assert actual == expected, "the ledger differs from the pure split"
    assert AttributionEntry.objects.count() == len(expected), "an entry is there twice"
    print(
        f"ledger checked: all jobs done; {len(expected):,} (line, link) parts, "
        f"¥{sum(expected.values()):,} in all, each exactly the pure split"
    )


# ---------------------------------------------------------------- driver


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--households", type=int, default=5000)
    parser.add_argument("--producers", type=int, default=200)
    parser.add_argument("--products", type=int, default=3, help="products per producer")
    parser.add_argument("--batch", type=int, default=200, help="jobs per batch (claimed at once)")
    parser.add_argument("--profile", action="store_true", help="cProfile both paths")
    parser.add_argument("--keep", action="store_true", help="keep the database for a look")
    parser.add_argument("--child", choices=["populate", "measure"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "populate":
        populate(
            orders=args.orders,
            households=args.households,
            producers=args.producers,
            products=args.products,
        )
        return
    if args.child == "measure":
        measure(batch=args.batch, profile=args.profile)
        return

    needed = args.producers * (2 + 3 * args.products)
    if needed > args.households:
        sys.exit(f"{needed} links need as many households: raise --households")
    url = bench_database_url(DATABASE)
    env = bench_env(url)  # no Celery broker: nothing queued, the benchmark is the worker
    database_create(url)
    try:
        manage(env, "migrate", "--noinput")
        for child in ("populate", "measure"):
            argv = [sys.executable, __file__, "--child", child, *sys.argv[1:]]
            result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
            if result.returncode:
                sys.exit(result.stdout + result.stderr)
            print(result.stdout.strip())
    finally:
        if not args.keep:
            database_drop(url)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
