"""Benchmark: queries and CPU per request of the storefront's pages, with 500 products.

Builds a throw-away PostgreSQL database (``yixiang_bench_storefront`` on the server of
DATABASE_URL, default postgres://postgres@127.0.0.1:5432), migrates it, loads the demo
data and adds products (one producer's, certified) up to 500 in all, indexed for search.
Then, in this process with DEBUG off and the Django test client (as issue #20 measured
plain Oscar), it requests each page once to warm it (thumbnails, navigation), then
``--repeat`` times, and prints per page: SQL queries per request and CPU milliseconds
per request (this process's CPU time, so the database server's is not in it).

Pages: the catalogue (a full page of 24 cards), a search with results, a product page
(anonymous, then with a basket holding another product), adding to a new basket and to
one with a line, placing an order (a guest paying by bank transfer, from the preview;
tests/shop/checkout_flow.py), and the navigation bar alone, warm.

    .venv/bin/python bench/storefront_queries.py
    .venv/bin/python bench/storefront_queries.py --products 500 --repeat 50

The cache is CACHE_URL when set (Redis, as in production; it is emptied first), otherwise
local memory. The database and the scratch folder are removed at the end; ``--keep``
leaves both.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _postgres import ROOT, bench_database_url, bench_env, database_create, database_drop, manage

DATABASE = "yixiang_bench_storefront"


def products_top_up(total: int) -> None:
    """Products of the first demo producer, certified like its others, up to ``total`` in all."""
    import datetime
    from decimal import Decimal

    from django.core.management import call_command
    from oscar.core.loading import get_model

    from producers.models import Certificate

    Product = get_model("catalogue", "Product")
    StockRecord = get_model("partner", "StockRecord")
    model = Product.objects.get(upc="YX-DC-001")
    record = model.stockrecords.get()
    certificate = model.certificates.filter(kind=Certificate.Kind.CERTIFICATION).first()
    missing = total - Product.objects.count()
    for number in range(max(missing, 0)):
        product = Product.objects.create(
            title=f"东川高原土豆 批次{number:03d}",
            upc=f"BENCH-{number:03d}",
            product_class=model.product_class,
            description="<p>红土地上的高原土豆。</p>",
        )
        StockRecord.objects.create(
            product=product,
            partner=record.partner,
            partner_sku=f"BENCH-{number:03d}",
            price=Decimal("19.90"),
            num_in_stock=1000,
        )
        Certificate.objects.create(
            producer=certificate.producer,
            product=product,
            kind=Certificate.Kind.CERTIFICATION,
            number=f"BENCH-CERT-{number:03d}",
            issuer=certificate.issuer,
            valid_from=datetime.date(2020, 1, 1),
            valid_to=datetime.date(2099, 12, 31),
        )
    call_command("rebuild_index", interactive=False, verbosity=0)


def measure(repeat: int) -> list[tuple[str, int, float]]:
    """(page, queries per request, CPU ms per request) for each page."""
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test import Client, RequestFactory
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from oscar.core.loading import get_model

    Product = get_model("catalogue", "Product")
    Basket = get_model("basket", "Basket")
    potatoes = Product.objects.get(upc="YX-DC-001")
    tea = Product.objects.get(upc="YX-DC-004")
    results: list[tuple[str, int, float]] = []

    def run(name: str, request, *, fresh_client=None) -> None:
        counts, cpu = [], []
        for _ in range(repeat):
            client = fresh_client() if fresh_client else None
            with CaptureQueriesContext(connection) as queries:
                started = time.process_time()
                request(client)
                cpu.append((time.process_time() - started) * 1000)
            counts.append(len(queries))
        # Every request of a page costs the same queries; say so if one did not.
        figure = statistics.mode(counts)
        if min(counts) != max(counts):
            name += f" (queries {min(counts)}–{max(counts)})"
        results.append((name, figure, statistics.median(cpu)))

    anonymous = Client()
    catalogue = reverse("catalogue:index")
    anonymous.get(catalogue)
    run("catalogue, a full page of 24", lambda _: anonymous.get(catalogue))
    search = reverse("search:search")
    anonymous.get(search, {"q": "土豆"})
    run("search, a full page of results", lambda _: anonymous.get(search, {"q": "土豆"}))
    product_url = tea.get_absolute_url()
    anonymous.get(product_url)
    run("product page, anonymous", lambda _: anonymous.get(product_url))

    buyer = Client()
    buyer.post(reverse("basket:add", kwargs={"pk": potatoes.pk}), {"quantity": 1})
    buyer.get(product_url)
    run("product page, with a basket", lambda _: buyer.get(product_url))

    def new_buyer() -> Client:
        return Client()

    add_potatoes = reverse("basket:add", kwargs={"pk": potatoes.pk})
    add_tea = reverse("basket:add", kwargs={"pk": tea.pk})
    run(
        "basket add, new basket",
        lambda client: client.post(add_potatoes, {"quantity": 1}),
        fresh_client=new_buyer,
    )

    def buyer_with_a_line() -> Client:
        client = Client()
        client.post(add_potatoes, {"quantity": 1})
        return client

    run(
        "basket add, basket with a line",
        lambda client: client.post(add_tea, {"quantity": 1}),
        fresh_client=buyer_with_a_line,
    )

    from tests.shop.checkout_flow import checkout_to_preview, order_place

    def buyer_at_the_preview() -> Client:
        client = Client()
        checkout_to_preview(client, upc="BENCH-000", quantity=1)
        return client

    run("place order (bank transfer)", order_place, fresh_client=buyer_at_the_preview)

    request = RequestFactory().get(catalogue)
    request.user = AnonymousUser()
    render_to_string("oscar/partials/nav_primary.html", request=request)
    run(
        "navigation bar, warm",
        lambda _: render_to_string("oscar/partials/nav_primary.html", request=request),
    )
    Basket.objects.filter(owner=None).delete()
    return results


def child(products: int, repeat: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import setup_test_environment

    # The test client keeps each response's context (the checkout steps read it), as in the
    # tests; the e-mail backend stays the project's (the outbox), as conftest.py keeps it.
    email_backend = settings.EMAIL_BACKEND
    setup_test_environment()
    settings.EMAIL_BACKEND = email_backend
    from django.core.cache import cache

    cache.clear()  # nothing cached from an earlier database (as campaign_rush.py flushes it)
    products_top_up(products)
    for name, queries, cpu_ms in measure(repeat):
        print(f"{name:<36} {queries:>4} queries  {cpu_ms:7.1f} ms CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="leave the database and scratch")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.products, args.repeat)
        return

    url = bench_database_url(DATABASE)
    scratch = Path(tempfile.mkdtemp(prefix="yixiang-bench-storefront-"))
    env = bench_env(url, scratch=scratch)
    env["SEARCH_BACKEND"] = "postgres"
    try:
        database_create(url)
        manage(env, "migrate", "--noinput")
        manage(env, "load_demo", "--force")  # DEBUG is off; a throw-away database
        print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                f"--products={args.products}",
                f"--repeat={args.repeat}",
            ],
            cwd=ROOT,
            env={**env, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "bench")])},
            check=True,
        )
        print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")
    finally:
        if not args.keep:
            database_drop(url)
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
