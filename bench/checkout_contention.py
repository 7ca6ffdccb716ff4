"""Benchmark: M guests press "place order" at the same instant for a product with N in stock.

Builds a throw-away PostgreSQL database (``yixiang_bench_checkout`` on the server
of DATABASE_URL, default postgres://postgres@127.0.0.1:5432), migrates it and
loads the demo data, sets the stock of 东川七彩花生 1kg (YX-DC-003) to N with
nothing allocated, and serves the site with gunicorn on a free loopback port.
Then M guests, each with its own HTTP session, walk through the checkout up to
the order preview (product page, basket, guest e-mail, address, shipping,
payment details, preview), and all M "place order" submissions are fired at
once from M threads. It prints how many orders were created, how many buyers
were told the product had sold out, errors, wall time, submissions per second
and the p50/p95 latency of the submissions, and checks the stock record:
allocated == min(N, M), never more than in stock.

    .venv/bin/python bench/checkout_contention.py                  # N=200, M=400
    .venv/bin/python bench/checkout_contention.py --stock 50 --buyers 300 --workers 4 --threads 8

The database and the scratch folder (media, search index, gunicorn's log) are
removed at the end; ``--keep`` leaves both for a look, and a run with errors
keeps the scratch folder, whose gunicorn log it names.
PostgreSQL needs max_connections above workers x threads (.ci/run sets 200).
"""

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from _postgres import (
    ROOT,
    bench_database_url,
    bench_env,
    database_create,
    database_drop,
    free_port,
    manage,
    serve,
)

DATABASE = "yixiang_bench_checkout"
UPC = "YX-DC-003"


class Guest:
    """One buyer's HTTP session, walked up to the order preview."""

    def __init__(self, base: str, number: int) -> None:
        self.base = base
        self.number = number
        self.session = requests.Session()

    def post(self, path: str, data: dict) -> requests.Response:
        return self.session.post(
            self.base + path,
            data=data,
            headers={"X-CSRFToken": self.session.cookies.get("csrftoken", "")},
            allow_redirects=False,
            timeout=120,
        )

    def expect(self, response: requests.Response, status: int, what: str) -> requests.Response:
        if response.status_code != status:
            raise RuntimeError(f"guest {self.number}: {what} gave {response.status_code}")
        return response

    def to_preview(self, urls: dict) -> None:
        self.expect(self.session.get(self.base + urls["product"], timeout=120), 200, "product")
        self.expect(self.post(urls["basket_add"], {"quantity": 1}), 302, "basket add")
        email = f"buyer{self.number}@bench.example"
        self.expect(
            self.post(urls["index"], {"username": email, "options": "anonymous"}), 302, "e-mail"
        )
        self.expect(self.post(urls["address"], urls["shipping_address"]), 302, "address")
        payment = self.session.get(self.base + urls["shipping"], timeout=120)
        self.expect(payment, 200, "shipping method to payment details")
        # Where the buyer chooses how to pay: the checked (or only) method.
        radios = re.findall(r'<input[^>]*name="method"[^>]*value="([^"]+)"([^>]*)>', payment.text)
        methods = [value for value, rest in radios if "checked" in rest] + [v for v, _ in radios]
        data = {"method": methods[0]} if methods else {}
        preview = self.expect(self.post(urls["preview"], data), 200, "preview")
        if 'id="place_order_form"' not in preview.text:
            raise RuntimeError(f"guest {self.number}: no place-order form on the preview")

    def place_order(self, urls: dict, sold_out: str) -> tuple[str, float]:
        """Submit the order; returns the outcome and the seconds it took.

        The session's kept-alive connection has idled since the preview (gunicorn
        closes it after 2 s), so the submission opens a new one, as a buyer's
        browser would after reading the preview.
        """
        started = time.perf_counter()
        try:
            response = self.post(urls["preview"], {"action": "place_order"})
        except requests.RequestException as exc:
            return f"error: {exc.__class__.__name__} {exc}"[:300], time.perf_counter() - started
        seconds = time.perf_counter() - started
        location = response.headers.get("Location", "")
        if response.status_code == 302 and location.endswith(urls["thank_you"]):
            return "order", seconds
        if response.status_code == 200 and sold_out in response.text:
            return "sold out", seconds
        if response.status_code == 302 and location.endswith(urls["basket"]):
            return "sold out (basket check)", seconds
        return f"error: {response.status_code} {location}", seconds


def prepare(env: dict, stock: int) -> dict:
    """The URLs the guests need, the address they give, the sold-out message they should see,
    and stock set to N."""
    os.environ.update(env)
    # A child process with its own database settings: Django is set up here, and the
    # project's modules can only be imported after that (not to dodge an import cycle).
    import django

    django.setup()
    from django.urls import reverse
    from django.utils import translation
    from oscar.core.loading import get_model

    from shop.partner.exceptions import InsufficientStock
    from tests.shop.checkout_flow import ADDRESS

    product = get_model("catalogue", "Product").objects.get(upc=UPC)
    get_model("partner", "StockRecord").objects.filter(product=product).update(
        num_in_stock=stock, num_allocated=0
    )
    with translation.override("zh-hans"):
        sold_out = str(
            InsufficientStock(product_title=product.get_title(), requested=1, available=0)
        )
    return {
        "product": product.get_absolute_url(),
        "basket_add": reverse("basket:add", kwargs={"pk": product.pk}),
        "basket": reverse("basket:summary"),
        "index": reverse("checkout:index"),
        "address": reverse("checkout:shipping-address"),
        "shipping": reverse("checkout:shipping-method"),
        "preview": reverse("checkout:preview"),
        "thank_you": reverse("checkout:thank-you"),
        "shipping_address": ADDRESS,  # the form the guests post to "address"
        "sold_out": sold_out,
        "product_id": product.pk,
    }


def stock_after(product_id: int) -> tuple[int, int, int, int]:
    """(num_in_stock, num_allocated, orders, units on order lines) from the database."""
    from django.db.models import Sum
    from oscar.core.loading import get_model

    record = get_model("partner", "StockRecord").objects.get(product_id=product_id)
    orders = (
        get_model("order", "Order").objects.filter(lines__stockrecord=record).distinct().count()
    )
    units = (
        get_model("order", "Line")
        .objects.filter(stockrecord=record)
        .aggregate(units=Sum("quantity"))["units"]
        or 0
    )
    return record.num_in_stock, record.num_allocated or 0, orders, units


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stock", type=int, default=200, help="N, units in stock (200)")
    parser.add_argument("--buyers", type=int, default=400, help="M, simultaneous buyers (400)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (4)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--database", default=DATABASE, help=f"the throw-away database's name ({DATABASE})"
    )
    args = parser.parse_args()

    url = bench_database_url(args.database)
    scratch = Path(tempfile.mkdtemp(prefix="yixiang-bench-checkout-"))
    env = bench_env(
        url,
        scratch=scratch,
        unset=("CELERY_BROKER_URL", "CACHE_URL", "STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY"),
    )
    database_create(url)
    ok = clean = False
    try:
        ok, clean = run(args, env=env, log=scratch / "gunicorn.log")
    finally:
        from django.conf import settings

        if settings.configured:  # not when the database was never reached
            from django.db import connections

            connections.close_all()
        if not args.keep:
            database_drop(url)
        if ok and clean and not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    if not ok:
        sys.exit(1)


def run(args: argparse.Namespace, *, env: dict, log: Path) -> tuple[bool, bool]:
    """Returns whether the stock is right, and whether every submission had an answer."""
    started = time.perf_counter()
    manage(env, "migrate", "--noinput")
    # A throw-away database on loopback that nobody else reaches: the demo's published
    # logins are harmless here (load_demo refuses them without --force when DEBUG is off).
    manage(env, "load_demo", "--force")
    urls = prepare(env, args.stock)
    # The demo data may hold orders of its own: count only what this run adds.
    _in_stock, _allocated, orders_before, units_before = stock_after(urls["product_id"])
    print(
        f"database {args.database} migrated with the demo data in {time.perf_counter() - started:.0f} s"
    )

    port = free_port()
    server = serve(
        env, port=port, workers=args.workers, threads=args.threads, log=log, ready_path="/shop/"
    )
    base = f"http://127.0.0.1:{port}"
    print(f"gunicorn config.wsgi on {base}: {args.workers} workers x {args.threads} threads")
    try:
        guests = [Guest(base, number) for number in range(args.buyers)]
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.workers * args.threads) as pool:
            list(pool.map(lambda guest: guest.to_preview(urls), guests))
        print(f"{len(guests)} guests at the order preview in {time.perf_counter() - started:.1f} s")

        barrier = threading.Barrier(len(guests) + 1)
        results: list[tuple[str, float]] = [("error: no answer", 0.0)] * len(guests)

        for guest in guests:
            guest.session.close()  # the connections only; the cookies stay

        def submit(index: int) -> None:
            barrier.wait()
            results[index] = guests[index].place_order(urls, urls["sold_out"])

        threads = [threading.Thread(target=submit, args=(i,)) for i in range(len(guests))]
        for thread in threads:
            thread.start()
        barrier.wait()
        fired = time.perf_counter()
        for thread in threads:
            thread.join(timeout=300)
        wall = time.perf_counter() - fired
    finally:
        server.terminate()
        server.wait(timeout=30)

    outcomes = [outcome for outcome, _ in results]
    latencies = [seconds for _, seconds in results]
    orders = outcomes.count("order")
    sold_out = outcomes.count("sold out")
    basket_check = outcomes.count("sold out (basket check)")
    errors = [outcome for outcome in outcomes if outcome.startswith("error")]
    in_stock, allocated, orders_in_db, units = stock_after(urls["product_id"])
    orders_in_db -= orders_before
    units -= units_before
    expected = min(args.stock, args.buyers)

    print(f"\n== {args.buyers} buyers, {args.stock} in stock")
    print(f"submissions:        {len(results)}")
    print(
        f"orders created:     {orders} (in the database: {orders_in_db}, {units} units on their lines)"
    )
    print(
        f"sold-out answers:   {sold_out + basket_check} ({sold_out} at placing, {basket_check} by Oscar's basket check before it)"
    )
    print(f"errors:             {len(errors)}" + (f" {sorted(set(errors))[:5]}" if errors else ""))
    print(f"wall time:          {wall:.2f} s")
    print(f"submissions/s:      {len(results) / wall:.1f}")
    print(
        f"latency p50 / p95:  {statistics.median(latencies) * 1000:.0f} ms / {percentile(latencies, 0.95) * 1000:.0f} ms"
    )
    print(f"stock record:       num_in_stock={in_stock}, num_allocated={allocated}")
    ok = allocated == expected == orders == orders_in_db == units and allocated <= in_stock
    print(f"allocated == min(N, M) == {expected} and no oversell: {'yes' if ok else 'NO'}")
    if errors:
        print(f"gunicorn log: {log}")
    return ok, not errors


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
