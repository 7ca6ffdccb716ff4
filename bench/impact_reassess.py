"""Benchmark: `impact_reassess --all` over Kunming's 96,000 registered households.

Builds a throw-away PostgreSQL database (``yixiang_bench`` on the server of
DATABASE_URL, default postgres://postgres@127.0.0.1:5432), migrates it, fills
it with N households, each with a year of income and one in ten with a rigid
expenditure, then runs the periodic evaluation in a fresh process and prints
households per second and that process's peak memory. Run it for two sizes to
see that memory stays flat as the count grows:

    .venv/bin/python bench/impact_reassess.py 24000 96000

Target (issue #3): 96,000 households in under 10 seconds on the 2-core machine.
"""

import datetime
import random
import resource
import subprocess
import sys
import time
from decimal import Decimal

from _postgres import ROOT, bench_database_url, bench_env, database_create, manage

DATABASE = "yixiang_bench"
YEAR = 2026


def populate(count: int) -> float:
    """Insert `count` households with incomes and some expenditures; returns seconds taken."""
    # A child process with its own database settings: Django is set up here, and the
    # project's modules can only be imported after that (not to dodge an import cycle).
    import django

    django.setup()
    from _households import household_row

    from impact.models import Household, IncomeRecord, Region, RigidExpenditure, Threshold

    started = time.perf_counter()
    rng = random.Random(96000)
    Threshold.objects.update_or_create(
        year=YEAR, defaults={"national_standard": Decimal("4000.00")}
    )
    villages = []
    for code, name in [
        ("530113", "东川区"),
        ("530128", "禄劝彝族苗族自治县"),
        ("530129", "寻甸回族彝族自治县"),
    ]:
        county, _ = Region.objects.get_or_create(
            code=code, defaults={"name": name, "level": "county"}
        )
        for t in range(8):
            township, _ = Region.objects.get_or_create(
                parent=county, name=f"乡镇{t}", defaults={"level": "township"}
            )
            for v in range(10):
                village, _ = Region.objects.get_or_create(
                    parent=township, name=f"村{v}", defaults={"level": "village"}
                )
                villages.append((village.pk, county.pk, code))
    batch = 5000
    for start in range(0, count, batch):
        households = []
        for number in range(start, min(start + batch, count)):
            village_id, county_id, code = villages[number % len(villages)]
            households.append(
                household_row(
                    code=f"B{number:06d}",
                    county_code=code,
                    serial=number,
                    rng=rng,
                    region_id=village_id,
                    county_id=county_id,
                )
            )
        created = Household.objects.bulk_create(households, batch_size=batch)
        IncomeRecord.objects.bulk_create(
            [
                IncomeRecord(
                    household_id=h.pk,
                    year=YEAR,
                    wages=Decimal(rng.randint(2000, 40000)) * h.members / 2,
                    operating=Decimal(rng.randint(0, 5000)),
                )
                for h in created
            ],
            batch_size=batch,
        )
        RigidExpenditure.objects.bulk_create(
            [
                RigidExpenditure(
                    household_id=h.pk,
                    date=datetime.date(YEAR, rng.randint(1, 10), 1),
                    cause=rng.choice(["illness", "disaster", "schooling"]),
                    amount=Decimal(rng.randint(1000, 30000)),
                )
                for h in created
                if rng.random() < 0.1
            ],
            batch_size=batch,
        )
    # What autovacuum would do shortly after a bulk load: fresh planner statistics.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def reassess() -> None:
    """`impact_reassess --all` in this fresh process: its time and this process's peak memory."""
    # A child process with its own database settings: Django is set up here, and the
    # project's modules can only be imported after that (not to dodge an import cycle).
    import django

    django.setup()
    from django.core.management import call_command

    from impact.models import Household

    count = Household.objects.count()
    base_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    call_command("impact_reassess", "--all", "--year", str(YEAR))
    first = time.perf_counter() - started
    print(
        f"first run (every warning opens a clue): {count:,} households in {first:.2f} s = {count / first:,.0f}/s"
    )
    started = time.perf_counter()
    call_command("impact_reassess", "--all", "--year", str(YEAR))
    again = time.perf_counter() - started
    print(f"next month's run: {count:,} households in {again:.2f} s = {count / again:,.0f}/s")
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak memory: {peak_kb / 1024:.0f} MB (after Django start-up: {base_kb / 1024:.0f} MB)")


def run(count: int, env: dict) -> None:
    print(f"\n== {count:,} households")
    database_create(env["DATABASE_URL"])
    manage(env, "migrate", "--noinput")
    child = subprocess.run(
        [sys.executable, __file__, "--populate", str(count)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if child.returncode:
        sys.exit(child.stderr)
    print(child.stdout.strip())
    child = subprocess.run(
        [sys.executable, __file__, "--reassess"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if child.returncode:
        sys.exit(child.stderr)
    print(child.stdout.strip())


def main() -> None:
    if sys.argv[1:] == ["--reassess"]:
        reassess()
        return
    if len(sys.argv) == 3 and sys.argv[1] == "--populate":
        seconds = populate(int(sys.argv[2]))
        print(f"populated in {seconds:.1f} s")
        return
    sizes = [int(arg) for arg in sys.argv[1:]] or [96000]
    env = bench_env(bench_database_url(DATABASE))
    for size in sorted(sizes):  # ascending, so each child's peak memory is its own
        run(size, env)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
