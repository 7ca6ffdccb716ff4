"""Benchmark: one producer's 10,000-row payout sheet, imported and allocated, households re-assessed.

Builds a throw-away PostgreSQL database (``yx_payout_bench`` on the server of
DATABASE_URL, default postgres://postgres@127.0.0.1:5432), migrates it and fills
it in bulk (no HTTP, no signals): H households with this year's income, one
producer linked to each of them, and O paid orders of one line each whose ledger
entries make two due amounts per household (lines i mod O and i+1 mod O). Then it
writes a payout sheet (CSV, the Chinese header) with one row per household, some
paying less than is due and some more, and in a fresh process times
``payouts_import`` on it: checks, payouts, allocation oldest first and the
re-assessment of every touched household. It prints rows, seconds, rows per
second and SQL queries, then checks the allocation: per household, due −
outstanding = paid out − paid ahead, and nothing allocated beyond a due amount.

    .venv/bin/python bench/payouts_import.py                      # 10,000 rows
    .venv/bin/python bench/payouts_import.py --households 20000 --keep
    .venv/bin/python bench/payouts_import.py --profile           # cProfile of the import

Target (issue #16): under 10 s for 10,000 rows on PostgreSQL.
The database is dropped at the end unless ``--keep``.
"""

import argparse
import cProfile
import csv
import datetime
import os
import pstats
import random
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from _postgres import ROOT, bench_database_url, bench_env, database_create, database_drop, manage

DATABASE = "yx_payout_bench"
PRODUCER_LOGIN = "bench-producer"


# ---------------------------------------------------------------- populate (a child process)


def populate(*, households: int, orders: int, sheet: Path) -> None:
    # A child process with its own database settings: Django is set up here, and the
    # project's modules can only be imported after that (not to dodge an import cycle).
    import django

    django.setup()
    from _households import household_row
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone
    from oscar.core.loading import get_model

    from impact.models import AttributionEntry, Household, IncomeRecord, Region, Threshold
    from producers.models import BenefitLink, Producer
    from shop.payments.models import OrderPayment, PaymentEvent

    Order = get_model("order", "Order")
    Line = get_model("order", "Line")
    Partner = get_model("partner", "Partner")
    Product = get_model("catalogue", "Product")
    ProductClass = get_model("catalogue", "ProductClass")
    StockRecord = get_model("partner", "StockRecord")

    started = time.perf_counter()
    rng = random.Random(20260616)
    now = timezone.now()
    today = timezone.localdate(now)
    Threshold.objects.update_or_create(
        year=today.year,
        defaults={"national_standard": Decimal("4600.00"), "multiplier": Decimal("1.50")},
    )
    county = Region.objects.create(code="530113", name="东川区", level="county")
    township = Region.objects.create(parent=county, name="乡镇", level="township")
    villages = [
        Region.objects.create(parent=township, name=f"村{v}", level="village") for v in range(20)
    ]
    people = Household.objects.bulk_create(
        [
            household_row(
                code=f"530113-{number:06d}",
                county_code="530113",
                serial=number,
                rng=rng,
                region=villages[number % len(villages)],
                county=county,
            )
            for number in range(households)
        ],
        batch_size=5000,
    )
    IncomeRecord.objects.bulk_create(
        [
            IncomeRecord(
                household=h, year=today.year, wages=Decimal(rng.randint(6000, 7000)) * h.members
            )
            for h in people
        ],
        batch_size=5000,
    )
    partner = Partner.objects.create(code="bench-coop", name="红土地合作社（基准）")
    user = get_user_model().objects.create_user(username=PRODUCER_LOGIN)
    partner.users.add(user)
    producer = Producer.objects.create(
        partner=partner, name=partner.name, kind="cooperative", region=township, status="approved"
    )
    product_class = ProductClass.objects.create(name="农产品", slug="farm", track_stock=True)
    product = Product.objects.create(
        title="洋芋", slug="bench-potato", upc="B-POTATO", product_class=product_class
    )
    record = StockRecord.objects.create(
        product=product,
        partner=partner,
        partner_sku="B-POTATO",
        price=Decimal("10.00"),
        num_in_stock=10**9,
        num_allocated=0,
    )
    links = BenefitLink.objects.bulk_create(
        [
            BenefitLink(
                producer=producer,
                household=h,
                kind="dividend",
                share=Decimal("0.01"),
                valid_from=today.replace(month=1, day=1),
            )
            for h in people
        ],
        batch_size=5000,
    )
    placed = Order.objects.bulk_create(
        [
            Order(
                number=f"P{number:06d}",
                currency="CNY",
                total_incl_tax=Decimal("1000000.00"),
                total_excl_tax=Decimal("1000000.00"),
                shipping_method="",
                status="Paid",
                guest_email=f"canteen{number}@example.com",
                date_placed=now,
                analytics_tracked=False,
            )
            for number in range(orders)
        ]
    )
    lines = Line.objects.bulk_create(
        [
            Line(
                order=order,
                partner=partner,
                partner_name=partner.name,
                partner_sku="B-POTATO",
                stockrecord=record,
                product=product,
                title=product.title,
                upc=product.upc,
                quantity=100000,
                line_price_incl_tax=Decimal("1000000.00"),
                line_price_excl_tax=Decimal("1000000.00"),
                line_price_before_discounts_incl_tax=Decimal("1000000.00"),
                line_price_before_discounts_excl_tax=Decimal("1000000.00"),
                unit_price_incl_tax=Decimal("10.00"),
                unit_price_excl_tax=Decimal("10.00"),
                status="Paid",
                num_allocated=100000,
                allocation_cancelled=False,
            )
            for order in placed
        ]
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
        ]
    )
    events = PaymentEvent.objects.bulk_create(
        [
            PaymentEvent(order_payment=payment, kind="confirmed", amount=payment.amount_due)
            for payment in payments
        ]
    )
    # Two due amounts per household, the older one first: lines i mod O, then i+1 mod O.
    entries = []
    for i, (h, link) in enumerate(zip(people, links, strict=True)):
        for step, amount in ((0, Decimal(rng.randint(500, 2000)) / 100), (1, Decimal("10.00"))):
            j = (i + step) % orders
            entries.append(
                AttributionEntry(
                    line=lines[j],
                    household=h,
                    link=link,
                    kind="attribution",
                    income_source="property_income",
                    amount=amount,
                    year=today.year,
                    payment_event=events[j],
                    created_at=now - datetime.timedelta(minutes=2 - step),
                )
            )
    AttributionEntry.objects.bulk_create(entries, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")
    # The sheet: one payout per household, from ¥1.00 to ¥40.00 (some short, some paid ahead).
    with sheet.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["户编号", "金额", "日期", "方式", "凭证号", "备注"])
        for h in people:
            writer.writerow(
                [
                    h.code,
                    f"{Decimal(rng.randint(100, 4000)) / 100:.2f}",
                    today.isoformat(),
                    rng.choice(["银行转账", "银行", "现金", "微信", "支付宝"]),
                    f"PAY-{h.code}",
                    "月度分红",
                ]
            )
    print(
        f"populated in {time.perf_counter() - started:.1f} s: {households:,} households linked "
        f"to one producer, {len(entries):,} due amounts over {orders} paid order lines; "
        f"sheet of {households:,} rows written"
    )


# ---------------------------------------------------------------- measure (a fresh child process)


class QueryCounter:
    """Counts the SQL queries, and the seconds spent waiting for their answers."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def measure(*, sheet: Path, profile: bool) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Sum

    from impact.ledger.payouts import payout_balances, payouts_import
    from impact.models import Assessment, AttributionEntry, Payout, PayoutAllocation
    from producers.models import Producer

    user = get_user_model().objects.get(username=PRODUCER_LOGIN)
    producer = Producer.objects.get()
    counter = QueryCounter()
    started, cpu = time.perf_counter(), time.process_time()
    profiler = cProfile.Profile() if profile else None
    with connection.execute_wrapper(counter):
        if profiler:
            profiler.enable()
        result = payouts_import(file=sheet, by=user, producer=producer)
        if profiler:
            profiler.disable()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    load = os.getloadavg()[0]
    assert result.ok, [str(error) for error in result.errors[:10]]
    rows = result.created
    print(
        f"imported {rows:,} rows (¥{result.total:,}) in {seconds:.2f} s = {rows / seconds:,.0f} "
        f"rows/s, {counter.count} SQL queries ({counter.seconds:.2f} s waiting for them); "
        f"{Assessment.objects.count():,} households "
        f"re-assessed (this process's CPU: {cpu:.2f} s; load average {load:.1f} on "
        f"{os.cpu_count()} CPUs)"
    )

    # The allocation: nothing beyond a due amount, and the figures add up per household.
    due = {
        (row["line_id"], row["link_id"]): row["total"]
        for row in AttributionEntry.objects.values("line_id", "link_id").annotate(
            total=Sum("amount")
        )
    }
    for row in PayoutAllocation.objects.values("line_id", "link_id").annotate(total=Sum("amount")):
        assert row["total"] <= due[(row["line_id"], row["link_id"])], "allocated beyond due"
    balances = payout_balances(producer_ids=[producer.pk])
    for balance in balances.values():
        assert balance.due - balance.outstanding == balance.paid_out - balance.paid_ahead
        assert balance.outstanding >= 0 and balance.paid_ahead >= 0
    unallocated = (
        Payout.objects.aggregate(total=Sum("amount"))["total"]
        - (PayoutAllocation.objects.aggregate(total=Sum("amount"))["total"])
    )
    totals = {
        name: sum((getattr(b, name) for b in balances.values()), Decimal("0.00"))
        for name in ("due", "paid_out", "outstanding", "paid_ahead")
    }
    assert totals["paid_ahead"] == unallocated
    print(
        "checked: due ¥{due:,}, paid out ¥{paid_out:,}, outstanding ¥{outstanding:,}, paid "
        "ahead ¥{paid_ahead:,}; every household's due − outstanding = paid out − paid ahead".format(
            **totals
        )
    )
    if profiler:
        print("\ncProfile of the import, by cumulative time:")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(30)


# ---------------------------------------------------------------- driver


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, default=10000)
    parser.add_argument("--orders", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the database for a look")
    parser.add_argument("--profile", action="store_true", help="cProfile the import")
    parser.add_argument("--child", choices=["populate", "measure"], help=argparse.SUPPRESS)
    parser.add_argument("--sheet", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "populate":
        populate(households=args.households, orders=args.orders, sheet=args.sheet)
        return
    if args.child == "measure":
        measure(sheet=args.sheet, profile=args.profile)
        return

    url = bench_database_url(DATABASE)
    env = bench_env(url)  # no Celery broker: nothing queued
    database_create(url)
    try:
        manage(env, "migrate", "--noinput")
        with tempfile.TemporaryDirectory() as scratch:
            sheet = Path(scratch) / "payouts.csv"
            for child in ("populate", "measure"):
                argv = [sys.executable, __file__, "--child", child, "--sheet", str(sheet)]
                argv += [f"--households={args.households}", f"--orders={args.orders}"]
                argv += ["--profile"] if args.profile and child == "measure" else []
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
