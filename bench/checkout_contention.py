"""Benchmark: M guests press "place order" at the same instant, for one hot product and spread out.

Builds a throw-away PostgreSQL database (``yixiang_bench_checkout``, or ``--database``,
on the server of DATABASE_URL, default postgres://postgres@127.0.0.1:5432), migrates it
and loads the demo data, and serves the site with gunicorn on a free loopback port.
Then, for each demand:

- hot: the stock of 东川七彩花生 1kg (YX-DC-003) is set to N with nothing allocated,
  and all M guests want it;
- spread: the same N units and M guests shared out over every product a guest can buy.

M guests, each with its own HTTP session, walk through the checkout up to the order
preview (product page, basket, guest e-mail, address, shipping, payment details,
preview), and all M "place order" submissions are fired at once from M threads. It
prints how many orders were created, how many buyers were told the product had sold
out, errors, wall time, orders and submissions per second, the p50/p95 latency of the
submissions (and of the orders alone), the CPU the gunicorn workers used per order, the
load average, and checks every stock record: allocated == min(its stock, its buyers),
never more than in stock.

As in production, tasks go through a broker (``--broker``, default Redis database 9 on
127.0.0.1, emptied first; the cache is Redis database 7, ``--cache``) to one Celery worker on every queue, started by the benchmark
at the lowest priority (nice 19), below gunicorn: the order confirmations, attribution and
analytics are the worker's, not the request's. After each rush the benchmark waits for
every confirmation to be sent and prints when the last one was, and the worker's CPU.
``--eager`` runs tasks in the request instead, as the embedded default does.

    .venv/bin/python bench/checkout_contention.py                  # N=200, M=400, both
    .venv/bin/python bench/checkout_contention.py --demand hot --stock 50 --buyers 300 --workers 4 --threads 8
    .venv/bin/python bench/checkout_contention.py --eager            # tasks in the request

The database and the scratch folder (media, search index, gunicorn's log) are
removed at the end; ``--keep`` leaves both for a look, and a run with errors
keeps the scratch folder, whose gunicorn log it names.
PostgreSQL needs max_connections above workers x threads (.ci/run sets 200).
"""

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import psycopg
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

    def to_preview(self, urls: dict, product: dict) -> None:
        self.expect(self.session.get(self.base + product["page"], timeout=120), 200, "product")
        self.expect(self.post(product["basket_add"], {"quantity": 1}), 302, "basket add")
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

    def submission(self) -> tuple[dict[str, str], bytes]:
        """The "place order" request's headers and body, made before the rush."""
        body = urlencode({"action": "place_order"}).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": str(len(body)),
            "Cookie": "; ".join(f"{c.name}={c.value}" for c in self.session.cookies),
            "X-CSRFToken": self.session.cookies.get("csrftoken", ""),
        }
        return headers, body

    def place_order(
        self, urls: dict, sold_out: str, request: tuple[dict[str, str], bytes]
    ) -> tuple[str, float]:
        """Submit the order on a new connection, as a buyer's browser would after reading the
        preview; returns the outcome and the seconds it took.

        Sent with the standard library's http.client, the request made beforehand: the
        buyers run on the machine they measure, and requests' session machinery cost them
        about 6 ms of CPU per submission, a seventh of the machine in a rush.
        """
        headers, body = request
        host, port = self.base.removeprefix("http://").split(":")
        started = time.perf_counter()
        connection = http.client.HTTPConnection(host, int(port), timeout=120)
        try:
            connection.request("POST", urls["preview"], body=body, headers=headers)
            response = connection.getresponse()
            page = response.read()
        except (OSError, http.client.HTTPException) as exc:
            return f"error: {exc.__class__.__name__} {exc}"[:300], time.perf_counter() - started
        finally:
            connection.close()
        seconds = time.perf_counter() - started
        location = response.getheader("Location", "")
        if response.status == 302 and location.endswith(urls["thank_you"]):
            return "order", seconds
        if response.status == 200 and sold_out in page.decode():
            return "sold out", seconds
        if response.status == 302 and location.endswith(urls["basket"]):
            return "sold out (basket check)", seconds
        return f"error: {response.status} {location}", seconds


def prepare(env: dict) -> dict:
    """The URLs the guests need and the address they give."""
    os.environ.update(env)
    # A child process with its own database settings: Django is set up here, and the
    # project's modules can only be imported after that (not to dodge an import cycle).
    import django

    django.setup()
    from django.urls import reverse

    from tests.shop.checkout_flow import ADDRESS

    return {
        "basket": reverse("basket:summary"),
        "index": reverse("checkout:index"),
        "address": reverse("checkout:shipping-address"),
        "shipping": reverse("checkout:shipping-method"),
        "preview": reverse("checkout:preview"),
        "thank_you": reverse("checkout:thank-you"),
        "shipping_address": ADDRESS,  # the form the guests post to "address"
    }


def products_stock(demand: str, *, stock: int, buyers: int) -> list[dict]:
    """The products the guests buy, each with its stock set (nothing allocated), its share of
    the buyers, its URLs and the sold-out message its late buyers should see.

    hot: every buyer wants YX-DC-003, with N in stock. spread: the same N units and M
    buyers shared out over every product a guest can buy, so no one row is hot.
    """
    from django.urls import reverse
    from django.utils import translation
    from oscar.core.loading import get_class, get_model

    from shop.partner.exceptions import InsufficientStock

    Product = get_model("catalogue", "Product")
    StockRecord = get_model("partner", "StockRecord")
    if demand == "hot":
        chosen = [Product.objects.get(upc=UPC)]
    else:
        strategy = get_class("partner.strategy", "Selector")().strategy()
        chosen = [
            product
            for product in Product.objects.filter(stockrecords__isnull=False).order_by("upc")
            if strategy.fetch_for_product(product).availability.is_available_to_buy
        ]

    def share(total: int, index: int) -> int:
        return total // len(chosen) + (index < total % len(chosen))

    plan = []
    for index, product in enumerate(chosen):
        StockRecord.objects.filter(product=product).update(
            num_in_stock=share(stock, index), num_allocated=0
        )
        with translation.override("zh-hans"):
            sold_out = str(
                InsufficientStock(product_title=product.get_title(), requested=1, available=0)
            )
        plan.append(
            {
                "product_id": product.pk,
                "upc": product.upc,
                "stock": share(stock, index),
                "buyers": share(buyers, index),
                "page": product.get_absolute_url(),
                "basket_add": reverse("basket:add", kwargs={"pk": product.pk}),
                "sold_out": sold_out,
            }
        )
    return plan


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


def _processes():
    """(pid, parent's pid, name, CPU seconds of its own, of its reaped children) of every
    live process (/proc/<pid>/stat: utime and stime, then cutime and cstime)."""
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # ended meanwhile
            continue
        name, rest = text.split("(", 1)[1].rsplit(")", 1)
        fields = rest.split()
        own = (int(fields[11]) + int(fields[12])) / tick
        reaped = (int(fields[13]) + int(fields[14])) / tick
        yield int(stat.parent.name), int(fields[1]), name, own, reaped


def workers_cpu_seconds(master: int) -> float:
    """CPU seconds (user + system) used so far by the gunicorn master's worker processes."""
    return sum(own for _, parent, _, own, _ in _processes() if parent == master)


class LockWaits(threading.Thread):
    """Samples, every 20 ms until stopped, how many of the database's sessions are waiting
    for a lock (a row lock, here: the stock record's) and how many are running a statement."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.samples: list[tuple[int, int]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        name = self.url.rsplit("/", 1)[1]
        with psycopg.connect(self.url, autocommit=True) as connection:
            while not self.stopped.is_set():
                row = connection.execute(
                    "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'),"
                    " count(*) FILTER (WHERE state = 'active') - 1"
                    " FROM pg_stat_activity WHERE datname = %s",
                    (name,),
                ).fetchone()
                self.samples.append((row[0], row[1]))
                time.sleep(0.02)

    def summary(self) -> str:
        self.stopped.set()
        self.join(timeout=10)
        if not self.samples:
            return "no samples"
        waiting = [w for w, _ in self.samples]
        active = [a for _, a in self.samples]
        return (
            f"mean {statistics.mean(waiting):.1f}, max {max(waiting)} waiting for a lock;"
            f" mean {statistics.mean(active):.1f} statements running"
            f" ({len(self.samples)} samples)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stock", type=int, default=200, help="N, units in stock (200)")
    parser.add_argument("--buyers", type=int, default=400, help="M, simultaneous buyers (400)")
    parser.add_argument(
        "--demand",
        choices=("hot", "spread", "both"),
        default="both",
        help="one hot product, spread over every product, or both in turn (both)",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (4)")
    parser.add_argument(
        "--broker",
        default="redis://127.0.0.1:6379/9",
        help="the Celery broker, emptied first (redis://127.0.0.1:6379/9)",
    )
    parser.add_argument(
        "--cache",
        default="redis://127.0.0.1:6379/7",
        help="the shared cache with a broker, emptied first (redis://127.0.0.1:6379/7)",
    )
    parser.add_argument("--eager", action="store_true", help="no broker: tasks run in the request")
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
    if not args.eager:
        import redis

        for shared in (args.broker, args.cache):
            redis.Redis.from_url(shared).flushdb()
        env["CELERY_BROKER_URL"] = args.broker
        env["CACHE_URL"] = args.cache  # as in production: sessions, counters, one beat
        env["SESSION_ENGINE"] = "django.contrib.sessions.backends.cached_db"  # as prod.py
    # As production's settings do (prod.py, CONN_MAX_AGE 60): each thread keeps its connection.
    env["DATABASE_URL"] = f"{url}?conn_max_age=60"
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
    urls = prepare(env)
    print(
        f"database {args.database} migrated with the demo data in {time.perf_counter() - started:.0f} s"
    )

    worker = None
    if not args.eager:
        worker_log = log.with_name("worker.log")
        worker = subprocess.Popen(
            ["nice", "-n", "19", sys.executable, "-m", "celery", "-A", "config", "worker"]
            + ["-Q", "celery,payments,email,long", "--concurrency=1", "--loglevel=WARNING"],
            cwd=ROOT,
            env=env,
            stdout=worker_log.open("w"),
            stderr=subprocess.STDOUT,
        )
        print(f"Celery worker (nice 19, concurrency 1) on {args.broker}; log {worker_log}")
    port = free_port()
    server = serve(
        env, port=port, workers=args.workers, threads=args.threads, log=log, ready_path="/shop/"
    )
    base = f"http://127.0.0.1:{port}"
    print(f"gunicorn config.wsgi on {base}: {args.workers} workers x {args.threads} threads")
    ok = clean = True
    try:
        for demand in ("hot", "spread") if args.demand == "both" else (args.demand,):
            right, answered = scenario(
                demand,
                args,
                urls=urls,
                base=base,
                master=server.pid,
                url=env["DATABASE_URL"].split("?")[0],
                worker=worker,
            )
            ok, clean = ok and right, clean and answered
    finally:
        server.terminate()
        server.wait(timeout=30)
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)
    if not clean:
        print(f"gunicorn log: {log}")
    return ok, clean


def process_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its child processes."""
    return sum(own for child, parent, _, own, _ in _processes() if pid in (child, parent))


def named_cpu_seconds(name: str) -> float:
    """CPU seconds (user + system) used so far by the live processes called ``name`` and
    the children they have reaped (PostgreSQL's ended backends)."""
    return sum(own + reaped for _, _, called, own, reaped in _processes() if called == name)


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all cores (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values[:8]) - idle) / tick, sum(values[:8]) / tick


def confirmations(connection: psycopg.Connection) -> tuple[int, int, float | None]:
    """(sent, written, when the last was sent) of the bench guests' order confirmations."""
    return connection.execute(
        "SELECT count(*) FILTER (WHERE status = 'sent'), count(*),"
        " extract(epoch FROM max(sent_at)) FROM mailing_outgoingemail"
        " WHERE recipients LIKE 'buyer%@bench.example'"
    ).fetchone()


def confirmations_sent(url: str, since: float, *, expected: int, worker: subprocess.Popen) -> str:
    """Wait (at most 10 min) until the outbox has sent ``expected`` order confirmations
    written since the rush began; say how many, and when the last was sent."""
    deadline = time.monotonic() + 600
    with psycopg.connect(url, autocommit=True) as connection:
        while True:
            sent, written, last = confirmations(connection)
            if sent >= expected or time.monotonic() > deadline or worker.poll() is not None:
                break
            time.sleep(0.5)
    after = f"{float(last) - since:.1f} s after the rush began" if last else "none"
    return f"{sent} of {written} written sent (expected {expected}); the last {after}"


def scenario(
    demand: str,
    args: argparse.Namespace,
    *,
    urls: dict,
    base: str,
    master: int,
    url: str,
    worker: subprocess.Popen | None,
) -> tuple[bool, bool]:
    """M guests to the preview, then every "place order" at once; prints the figures.
    Returns whether the stock is right, and whether every submission had an answer."""
    plan = products_stock(demand, stock=args.stock, buyers=args.buyers)
    # The demo data and an earlier scenario hold orders of their own: count what this one adds.
    before = {item["product_id"]: stock_after(item["product_id"]) for item in plan}
    wants = [item for item in plan for _ in range(item["buyers"])]
    offset = 0 if demand == "hot" else args.buyers  # a fresh e-mail address per guest
    guests = [Guest(base, offset + number) for number in range(len(wants))]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.workers * args.threads) as pool:
        list(
            pool.map(
                lambda pair: pair[0].to_preview(urls, pair[1]), zip(guests, wants, strict=True)
            )
        )
    print(
        f"\n{len(guests)} guests at the order preview in {time.perf_counter() - started:.1f} s"
        f" ({demand}: {len(plan)} product(s))"
    )

    barrier = threading.Barrier(len(guests) + 1)
    results: list[tuple[str, float]] = [("error: no answer", 0.0)] * len(guests)
    for guest in guests:
        guest.session.close()  # the connections only; the cookies stay

    requests_made = [guest.submission() for guest in guests]

    def submit(index: int) -> None:
        barrier.wait()
        results[index] = guests[index].place_order(
            urls, wants[index]["sold_out"], requests_made[index]
        )

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(len(guests))]
    for thread in threads:
        thread.start()
    cpu_before = workers_cpu_seconds(master)
    machine_before = machine_busy_seconds()
    postgres_before = named_cpu_seconds("postgres")
    own_before = time.process_time()
    worker_cpu_before = process_cpu_seconds(worker.pid) if worker is not None else 0.0
    sent_before = 0
    if worker is not None:
        with psycopg.connect(url, autocommit=True) as connection:
            sent_before = confirmations(connection)[1]
    load_before = Path("/proc/loadavg").read_text().split()[0]
    lock_waits = LockWaits(url)
    lock_waits.start()
    barrier.wait()
    fired = time.perf_counter()
    fired_epoch = time.time()
    for thread in threads:
        thread.join(timeout=300)
    wall = time.perf_counter() - fired
    locks = lock_waits.summary()
    cpu = workers_cpu_seconds(master) - cpu_before
    machine_after = machine_busy_seconds()
    postgres = named_cpu_seconds("postgres") - postgres_before
    own = time.process_time() - own_before
    busy = machine_after[0] - machine_before[0]
    total = machine_after[1] - machine_before[1]
    load_after = Path("/proc/loadavg").read_text().split()[0]

    outcomes = [outcome for outcome, _ in results]
    latencies = [seconds for _, seconds in results]
    order_latencies = [seconds for outcome, seconds in results if outcome == "order"]
    orders = outcomes.count("order")
    sold_out = outcomes.count("sold out")
    basket_check = outcomes.count("sold out (basket check)")
    errors = [outcome for outcome in outcomes if outcome.startswith("error")]
    right = True
    in_stock = allocated = orders_in_db = units = 0
    for item in plan:
        n, a, o, u = stock_after(item["product_id"])
        _, a0, o0, u0 = before[item["product_id"]]
        expected = min(item["stock"], item["buyers"])
        right = right and a - a0 == o - o0 == u - u0 == expected and a <= n
        in_stock, allocated, orders_in_db, units = (
            in_stock + n,
            allocated + a - a0,
            orders_in_db + o - o0,
            units + u - u0,
        )
    expected = sum(min(item["stock"], item["buyers"]) for item in plan)
    right = right and orders == expected

    what = f"one hot product ({UPC})" if demand == "hot" else f"spread over {len(plan)} products"
    print(f"== {demand}: {len(guests)} buyers, {args.stock} in stock, {what}")
    print(f"submissions:        {len(results)}")
    print(
        f"orders created:     {orders} (in the database: {orders_in_db}, {units} units on their lines)"
    )
    print(
        f"sold-out answers:   {sold_out + basket_check} ({sold_out} at placing, {basket_check} by Oscar's basket check before it)"
    )
    print(f"errors:             {len(errors)}" + (f" {sorted(set(errors))[:5]}" if errors else ""))
    print(
        f"wall time:          {wall:.2f} s (load average {load_before} before, {load_after} after)"
    )
    print(f"orders/s:           {orders / wall:.1f}")
    print(f"submissions/s:      {len(results) / wall:.1f}")
    print(
        f"latency p50 / p95:  {statistics.median(latencies) * 1000:.0f} ms / {percentile(latencies, 0.95) * 1000:.0f} ms (every submission)"
    )
    if order_latencies:
        print(
            f"                    {statistics.median(order_latencies) * 1000:.0f} ms / {percentile(order_latencies, 0.95) * 1000:.0f} ms (the orders)"
        )
    print(
        f"gunicorn CPU:       {cpu:.1f} s, {cpu / max(orders, 1) * 1000:.0f} ms per order"
        f" ({cpu / len(results) * 1000:.0f} ms per submission)"
    )
    print(
        f"machine CPU:        {busy:.1f} s busy of {total:.1f} s on {os.cpu_count()} cores"
        f" ({busy / max(total, 0.001):.0%}): gunicorn {cpu:.1f} s, PostgreSQL {postgres:.1f} s,"
        f" this benchmark's buyers {own:.1f} s, the rest (the worker, the system) "
        f"{busy - cpu - postgres - own:.1f} s"
    )
    print(f"database sessions:  {locks}")
    if worker is not None:
        report = confirmations_sent(url, fired_epoch, expected=sent_before + orders, worker=worker)
        print(f"confirmations:      {report}")
        print(
            f"Celery worker CPU:  {process_cpu_seconds(worker.pid) - worker_cpu_before:.1f} s"
            " (its e-mails, attribution and analytics; nice 19)"
        )
    print(
        f"stock records:      num_in_stock={in_stock}, allocated by this run={allocated}"
        + (f" (YX-DC-003: {stock_after(plan[0]['product_id'])[:2]})" if demand == "hot" else "")
    )
    print(
        f"allocated == min(N, M) == {expected} per product and no oversell: {'yes' if right else 'NO'}"
    )
    return right, not errors


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
