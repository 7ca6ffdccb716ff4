"""Benchmark: `impact_import households` of a 96,000-row file of correct ID numbers.

Builds a throw-away PostgreSQL database (``yx_ids_bench`` on the server of
DATABASE_URL, default postgres://postgres@127.0.0.1:5432), migrates it, writes a
households CSV of N rows (three Kunming counties, 240 villages, every ID number
with its GB 11643 check character and each one different), imports it in a fresh
process with `impact_import households`, and prints the rows imported, seconds and
that process's peak memory. It runs twice on a new database each time: with the
change history (修改记录) off and on, so the cost of the history shows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yx_ids_bench \\
        .venv/bin/python bench/impact_import.py 96000

Targets: every row of the 96,000 imports (issue #15); in under 60 s and under 300 MB of peak
memory, history on (issue #20). Peak memory is the import process's, Django's start-up
(about 175 MB with every app loaded) included.
"""

import csv
import datetime
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _postgres import ROOT, bench_database_url, bench_env, database_create, manage

DATABASE = "yx_ids_bench"
COUNTIES = ["530113", "530128", "530129"]
HEADER = [
    "户编号",
    "户主姓名",
    "身份证号",
    "县区代码",
    "乡镇",
    "村",
    "家庭人口",
    "劳动力人数",
    "户类型",
    "低保特困",
    "两不愁三保障",
]


def households_file(path: Path, count: int) -> None:
    """``count`` households, each head's ID number distinct: serial → birth day and sequence."""
    from stdnum.iso7064 import mod_11_2

    rng = random.Random(15)
    first_day = datetime.date(1940, 1, 1)
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for number in range(count):
            county = COUNTIES[number % len(COUNTIES)]
            born = first_day + datetime.timedelta(days=number // 999)
            body = f"{county}{born:%Y%m%d}{number % 999 + 1:03d}"
            members = rng.randint(1, 6)
            writer.writerow(
                [
                    f"{county}-{number:06d}",
                    "测试户主",
                    body + mod_11_2.calc_check_digit(body),  # GB 11643: ISO 7064 MOD 11-2
                    county,
                    f"乡镇{number % 8}",
                    f"村{number % 10}",
                    members,
                    rng.randint(0, members),
                    "脱贫户",
                    "否",
                    "达标",
                ]
            )


def run_import(path: str, history: bool) -> None:
    """`impact_import households` in this fresh process: rows, seconds and peak memory."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from impact.models import Household

    settings.SIMPLE_HISTORY_ENABLED = history
    base_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    call_command("impact_import", "households", path)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rows = Household.objects.count()
    kept = Household.history.count()  # type: ignore[attr-defined]
    print(
        f"history {'on ' if history else 'off'}: {rows:,} rows imported in {seconds:.1f} s "
        f"= {rows / seconds:,.0f}/s, {kept:,} history rows; peak memory {peak_kb / 1024:.0f} MB "
        f"(after Django start-up: {base_kb / 1024:.0f} MB)"
    )


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--import":
        run_import(sys.argv[2], sys.argv[3] == "on")
        return
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 96000
    env = bench_env(bench_database_url(DATABASE))
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "households.csv"
        households_file(path, count)
        print(f"== {count:,} households, {path.stat().st_size / 1e6:.1f} MB of CSV")
        for history in ("off", "on"):
            database_create(env["DATABASE_URL"])
            manage(env, "migrate", "--noinput")
            child = subprocess.run(
                [sys.executable, __file__, "--import", str(path), history],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
            )
            if child.returncode:
                sys.exit(child.stderr[-4000:])
            print(child.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
