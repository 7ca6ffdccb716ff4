"""Two beat processes, one real worker, a redis-server of the test's own: every job runs once.

Each beat runs ``config.beat.SingleBeatScheduler`` (django-celery-beat's
database scheduler behind a Redis leader lock) with one test job every few
seconds, a task that appends the time it ran to a Redis list. The runs are
then counted: one per interval, never two, and the schedule continues from
the database's last run time when a beat dies or restarts.
"""

import datetime
import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from config.celery_app import app as celery_app
from tests.config.beat_probe import RUNS
from tests.services import REDIS_SERVER, RedisServer, database_url, free_port

ROOT = Path(__file__).resolve().parents[2]
LEADS = "this process leads"
SENDS = "Sending due task beat-probe"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not REDIS_SERVER, reason="needs redis-server (apt install redis-server)"),
]

# A beat whose whole schedule is the probe, every argv[1] seconds.
BEAT = """
import sys
from config.celery_app import app
app.conf.task_always_eager = False
app.conf.beat_schedule = {
    "beat-probe": {"task": "tests.config.beat_probe.beat_probe", "schedule": float(sys.argv[1])}
}
app.start(["beat", "--loglevel=INFO"])
"""
WORKER = """
from config.celery_app import app
app.worker_main(
    ["worker", "--pool=solo", "--concurrency=1", "-Q", "celery",
     "--include", "tests.config.beat_probe", "--loglevel=WARNING"]
)
"""


@pytest.fixture
def broker(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(free_port(), tmp_path / "redis.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def start(broker, tmp_path, transactional_db) -> Iterator[Callable[..., subprocess.Popen]]:
    """Start a worker or a beat against the test database and the test's own Redis."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker.url,
        "BEAT_LOCK_URL": broker.url,
        "BEAT_LOCK_TIMEOUT": "3",
    }
    started: list[subprocess.Popen] = []

    def run(name: str, *args: str) -> subprocess.Popen:
        script = BEAT if name.startswith("beat") else WORKER
        process = subprocess.Popen(
            [sys.executable, "-c", script, *args],
            cwd=ROOT,
            env=env,
            stdout=(tmp_path / f"{name}.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append(process)
        return process

    yield run
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def runs(broker: RedisServer) -> list[float]:
    return [float(value) for value in redis.Redis.from_url(broker.url).lrange(RUNS, 0, -1)]


def wait_for_runs(broker: RedisServer, count: int, seconds: float) -> list[float]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        seen = runs(broker)
        if len(seen) >= count:
            return seen
        time.sleep(0.05)
    raise AssertionError(f"waited {seconds:.0f} s for {count} runs, saw {len(runs(broker))}")


def start_worker(start, broker: RedisServer) -> None:
    """A worker, ready: it has run one probe sent by hand (that run is then forgotten)."""
    start("worker")
    with celery_app.connection_for_write(broker.url) as connection:
        celery_app.send_task(
            "tests.config.beat_probe.beat_probe", connection=connection, queue="celery"
        )
    wait_for_runs(broker, 1, seconds=120)
    redis.Redis.from_url(broker.url).delete(RUNS)


def gaps(times: list[float]) -> list[float]:
    return [round(later - earlier, 2) for earlier, later in itertools.pairwise(times)]


def logged(tmp_path, name: str, text: str) -> list[float]:
    """When a beat logged ``text``, by its own log's clock (text format: time first)."""
    return [
        datetime.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()
        for line in (tmp_path / f"{name}.log").read_text().splitlines()
        if text in line
    ]


def logs(tmp_path, *names: str) -> str:
    """The processes' logs, for a failure's message."""
    return "\n".join(
        f"---- {name}.log\n" + (tmp_path / f"{name}.log").read_text() for name in names
    )


def test_two_beats_started_together_run_each_job_once_and_the_survivor_takes_over(
    start, broker, tmp_path
):
    start_worker(start, broker)
    beats = {"beat-a": start("beat-a", "2"), "beat-b": start("beat-b", "2")}
    before = wait_for_runs(broker, 6, seconds=120)

    logs = {name: (tmp_path / f"{name}.log").read_text() for name in beats}
    leaders = [name for name, log in logs.items() if LEADS in log]
    assert len(leaders) == 1, logs  # one beat sends jobs, the other waits
    leader = leaders[0]
    (survivor,) = set(beats) - {leader}
    assert logged(tmp_path, survivor, SENDS) == []  # the waiting beat has sent nothing
    os.killpg(beats[leader].pid, signal.SIGKILL)  # no goodbye: its lock must expire (3 s)
    beats[leader].wait(timeout=10)
    count = len(runs(broker))
    wait_for_runs(broker, count + 5, seconds=120)

    assert (tmp_path / f"{survivor}.log").read_text().count(LEADS) == 1
    # Never two sends in one interval, from either beat, across the takeover too: a beat
    # sends the job two seconds after its last run (kept in the database), however late
    # its own tick comes, and the survivor sends the overdue job once, not once per
    # interval missed while it waited out the dead leader's lock. The sends, not the
    # worker's runs, are compared: a busy worker may run two sends close together.
    sent = sorted(logged(tmp_path, leader, SENDS) + logged(tmp_path, survivor, SENDS))
    assert min(gaps(sent)) >= 1.5, gaps(sent)
    assert len(before) >= 6


def test_a_restarted_beat_continues_from_the_last_run_kept_in_the_database(start, broker, tmp_path):
    start_worker(start, broker)
    first = start("beat-1", "10")
    wait_for_runs(broker, 1, seconds=120)
    first.terminate()
    first.wait(timeout=30)
    start("beat-2", "10")
    wait_for_runs(broker, 2, seconds=120)

    (sent_1,) = logged(tmp_path, "beat-1", SENDS)
    (led_at,) = logged(tmp_path, "beat-2", LEADS)
    sent_2 = logged(tmp_path, "beat-2", SENDS)[0]
    # Not at once (the last run would have been forgotten, a double run): ten seconds
    # after the run before the restart, as the database kept it...
    assert sent_2 - sent_1 >= 9.5, (sent_1, led_at, sent_2, logs(tmp_path, "beat-1", "beat-2"))
    # ...and not a whole interval after the new beat took over (a late run). A busy machine
    # only makes the restart, so the margin between the two, longer.
    assert sent_2 - led_at < 10, (sent_1, led_at, sent_2, logs(tmp_path, "beat-1", "beat-2"))
