"""Benchmark: a livestream rush on a campaign page and its live counters, with 10,000 campaign orders.

Builds a throw-away PostgreSQL database (``yixiang_bench_campaign`` on the server of
DATABASE_URL, default postgres://postgres@127.0.0.1:5432), migrates it, loads the demo
data, publishes a campaign that is live now and writes N paid campaign orders (10,000
by default) with their payment events, lines and attribution entries, in bulk. Then it
serves the site with gunicorn on a free loopback port and drives it with wrk (Debian's
``wrk`` package) from many concurrent connections: the campaign page as anonymous
viewers get it, the same page as a signed-in buyer gets it (the demo's canteen buyer's
session cookie), the small request that fetches that buyer's own account links and
basket, then the counters endpoint the page polls. It prints requests per
second, p50/p95/p99 latency and errors for each, and the number of SQL queries one
computation of the counters costs (the same with 10 orders as with 10,000).

    .venv/bin/python bench/campaign_rush.py
    .venv/bin/python bench/campaign_rush.py --orders 10000 --connections 128 --seconds 20

The cache is CACHE_URL when set (Redis, as in production: redis://127.0.0.1:6379/13),
otherwise each gunicorn worker's local memory. The database and the scratch folder
are removed at the end; ``--keep`` leaves both.
"""

import argparse
import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import redis
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

DATABASE = "yixiang_bench_campaign"
RUSH = "bench-rush"  # the campaign of the rush
SMALL = "xundian-ecommerce-festival-day-1"  # a demo campaign, given 10 orders

# wrk prints the requested percentiles of the latency distribution (microseconds).
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("yx-p50-us %d\\n", latency:percentile(50)))
  io.write(string.format("yx-p95-us %d\\n", latency:percentile(95)))
  io.write(string.format("yx-p99-us %d\\n", latency:percentile(99)))
  io.write(string.format("yx-requests %d\\n", summary.requests))
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("yx-errors %d\\n", errors))
  io.write(string.format("yx-non2xx %d\\n", summary.errors.status))
end
"""


def prepare(env: dict, orders: int) -> dict:
    """A campaign live now, with ``orders`` paid orders of 2,500 distinct buyers; its URLs."""
    os.environ.update(env)
    # A child process with its own database settings: Django is set up here, and the
    # project's modules can only be imported after that (not to dodge an import cycle).
    import django

    django.setup()

    from django.db import connection, transaction
    from django.utils import timezone

    from cms.models import CampaignPage
    from tests.cms.campaigns import make_campaign
    from tests.cms.orders import bulk_paid_orders

    campaign = make_campaign(
        title="压测直播：东川七彩花生专场",
        slug=RUSH,
        code="BENCH1",
        starts_at=timezone.now() - datetime.timedelta(hours=1),
        hours=6,
        products=[("YX-DC-003", "35.80"), ("YX-DC-001", "25.90"), ("YX-DC-004", None)],
    )

    def write(count: int, into: CampaignPage) -> None:
        for start in range(0, count, 2000):
            with transaction.atomic():
                bulk_paid_orders(
                    campaign=into,
                    first=start,
                    count=min(2000, count - start),
                    buyers=2500,
                    amount=Decimal("71.60"),
                    quantity=2,
                    attributed=Decimal("8.00"),
                    prefix="RUSH",
                    spread=datetime.timedelta(hours=1),
                )

    write(orders, campaign)
    # A second campaign with 10 orders, to show the counters cost the same.
    write(10, CampaignPage.objects.get(slug=SMALL))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return target()


def reused(env: dict) -> dict:
    """The campaign of an earlier ``--keep`` run."""
    os.environ.update(env)
    # A child process with its own database settings: Django is set up here, and the
    # project's modules can only be imported after that (not to dodge an import cycle).
    import django

    django.setup()
    return target()


def target() -> dict:
    """The rush campaign's page and counters URLs, its counters, and the SQL queries one
    computation of the counters costs with 10 orders and with all of them."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from oscar.core.loading import get_model

    from cms.campaigns.selectors import campaign_counters
    from cms.models import CampaignPage

    campaign = CampaignPage.objects.get(slug=RUSH)
    small = CampaignPage.objects.get(slug=SMALL)
    # A signed-in buyer (the demo's canteen buyer): the session their cookie names.
    buyer = get_user_model().objects.get(username="canteen")
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(buyer.pk)
    session[BACKEND_SESSION_KEY] = "common.logins.AccountBackend"
    session[HASH_SESSION_KEY] = buyer.get_session_auth_hash()
    session.create()
    # Their open basket exists already, as a returning buyer's does: Oscar's basket
    # middleware then reads it (100 connections of one new buyer would race to create it).
    get_model("basket", "Basket").open.get_or_create(owner=buyer)
    with CaptureQueriesContext(connection) as large_queries:
        figures = campaign_counters(campaign_id=campaign.pk)
    with CaptureQueriesContext(connection) as small_queries:
        campaign_counters(campaign_id=small.pk)
    return {
        "page": campaign.url,
        "counters": f"/campaigns/{campaign.pk}/counters.json",
        "figures": figures,
        "queries": (len(small_queries), len(large_queries)),
        "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
        "personal": "/campaigns/personal.json",
    }


def wrk(
    url: str, *, connections: int, seconds: int, threads: int, script: Path, cookie: str = ""
) -> dict:
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    result = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout=10s",
            *headers,
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    figures = {key: int(value) for key, value in re.findall(r"yx-(\S+) (\d+)", out)}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    figures["rps"] = float(rps.group(1)) if rps else 0.0
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=10_000, help="campaign orders (10000)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (2)")
    parser.add_argument("--connections", type=int, default=100, help="concurrent clients (100)")
    parser.add_argument("--seconds", type=int, default=15, help="seconds per run (15)")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the database a --keep run left (skips building it)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")

    url = bench_database_url(DATABASE)
    scratch = Path(tempfile.mkdtemp(prefix="yixiang-bench-campaign-"))
    # CACHE_URL stays: the cache is Redis when it is set, as in production.
    env = bench_env(
        url,
        scratch=scratch,
        unset=("CELERY_BROKER_URL", "STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY"),
    )
    cache = env.get("CACHE_URL") or "locmem (each worker its own)"
    if env.get("CACHE_URL"):
        redis.Redis.from_url(env["CACHE_URL"]).flushdb()

    if not args.reuse:
        database_create(url)
    try:
        if args.reuse:
            target = reused(env)
        else:
            started = time.perf_counter()
            manage(env, "migrate", "--noinput")
            manage(env, "load_demo", "--force")  # DEBUG is off; a throw-away database
            print(
                f"database {DATABASE} migrated with the demo data in {time.perf_counter() - started:.0f} s"
            )
            started = time.perf_counter()
            target = prepare(env, args.orders)
            print(
                f"{args.orders} paid campaign orders written in {time.perf_counter() - started:.0f} s"
            )
        print(f"counters: {target['figures']}")
        small, large = target["queries"]
        print(
            f"queries per counters computation: {small} with 10 orders, {large} with {args.orders}"
        )

        from django.db import connections

        connections.close_all()
        script = scratch / "percentiles.lua"
        script.write_text(WRK_SCRIPT)
        port = free_port()
        server = serve(
            env,
            port=port,
            workers=args.workers,
            threads=args.threads,
            log=scratch / "gunicorn.log",
            keep_alive=5,
        )
        base = f"http://127.0.0.1:{port}"
        print(
            f"gunicorn config.wsgi on {base}: {args.workers} workers x {args.threads} threads; "
            f"cache {cache}; {os.cpu_count()} CPUs shared with wrk"
        )
        try:
            results = {}
            runs = (
                ("campaign page", target["page"], ""),
                ("page, signed in", target["page"], target["cookie"]),
                ("their own parts", target["personal"], target["cookie"]),
                ("counters", target["counters"], ""),
            )
            for name, path, cookie in runs:
                # A short warm-up fills each worker's caches, then the measured run.
                wrk(
                    base + path,
                    connections=args.connections,
                    seconds=3,
                    threads=args.wrk_threads,
                    script=script,
                    cookie=cookie,
                )
                results[name] = wrk(
                    base + path,
                    connections=args.connections,
                    seconds=args.seconds,
                    threads=args.wrk_threads,
                    script=script,
                    cookie=cookie,
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
        print(
            f"\n== {args.connections} concurrent clients, {args.seconds} s each, {args.orders} campaign orders"
        )
        for name, figures in results.items():
            print(
                f"{name:16s} {figures['rps']:8.0f} requests/s   "
                f"p50 {figures['p50-us'] / 1000:6.1f} ms   p95 {figures['p95-us'] / 1000:6.1f} ms   "
                f"p99 {figures['p99-us'] / 1000:6.1f} ms   "
                f"{figures['requests']} requests, {figures['errors']} errors ({figures['non2xx']} non-2xx)"
            )
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep and not args.reuse:
            database_drop(url)
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
