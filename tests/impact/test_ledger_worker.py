"""A real Celery worker killed in the middle of attributing an order: nothing lost, nothing twice.

The worker is held inside its attribution transaction without any hook in
the code: the test keeps a row lock (``SELECT … FOR UPDATE``) on the current
status of one household the order reaches, so the run blocks on the status
upsert of its re-assessment, after it has inserted the ledger entries. The
worker's process group is then killed with SIGKILL, the lock released, and
a second worker started.

How the second worker gets the job: the task is ``acks_late``, so the
message the killed worker held stays unacknowledged in Redis, and a worker
restores it once the broker's ``visibility_timeout`` has passed. The test's
workers run with a visibility timeout of a few seconds; production keeps
kombu's default of an hour, and there the outbox catch-up (Celery beat,
every minute, for jobs older than a minute) does the job first and the
redelivered task finds it done. Either way the job row is locked and marked
done in the same transaction as the entries, so the ledger ends the same.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.celery_app import app as celery_app
from impact.ledger.attribution import line_split
from impact.models import AttributionEntry, AttributionJob, Household, HouseholdPeriodIncome
from impact.tasks import impact_attribute_payment
from shop.payments.models import PaymentEvent
from tests.impact.ledger_rules import links_in_force
from tests.producers.factories import staff_user
from tests.services import every_task_to
from tests.shop.payments.paying import awaiting_transfer, pay_in_full

ROOT = Path(__file__).resolve().parents[2]
VISIBILITY_TIMEOUT = 3  # seconds; kombu's default is an hour

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: the worker is held by a row lock (.ci/run sets DATABASE_URL)",
    ),
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL,
        reason="needs CELERY_BROKER_URL (Redis) for a real worker; .ci/run sets it",
    ),
]

# A worker whose broker transport restores unacknowledged messages after a few seconds.
WORKER = """
import sys
from config.celery_app import app
app.conf.broker_transport_options = {
    "visibility_timeout": %(timeout)d,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
app.worker_main(["worker", "--pool=solo", "--concurrency=1", "-Q", sys.argv[1], "--loglevel=WARNING"])
"""


def database_url() -> str:
    """The test database, as the worker subprocess must reach it."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"])
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{auth}{'@' if auth else ''}{db['HOST'] or 'localhost'}{port}/{db['NAME']}"


def wait_for(condition: Callable[[], object], *, seconds: float, what: str) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"waited {seconds:.0f} s for {what}")


@pytest.fixture
def workers(committed_demo, tmp_path):
    """Start workers on a queue of this test's own; every one left running is stopped at the end."""
    queue = f"test-ledger-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        log = (tmp_path / f"worker-{len(started) + 1}.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-c", WORKER % {"timeout": VISIBILITY_TIMEOUT}, queue],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, to kill it and only it
        )
        started.append(process)
        return process

    previous = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    with every_task_to(queue):
        yield start, queue
    celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = previous
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=20)


def expected_ledger(order) -> dict[tuple[int, int], tuple[int, Decimal]]:
    """(line, link) → (household, amount), from the links in force on the sale date."""
    sold_on = timezone.localdate(order.date_placed)
    expected = {}
    for line in order.lines.order_by("pk"):
        rules = links_in_force(line, on=sold_on)
        for part in line_split(quantity=line.quantity, net=line.line_price_incl_tax, links=rules):
            expected[(line.pk, part.link_id)] = (part.household_id, part.amount)
    return expected


def blocked_on_status(lock_pid: int) -> int | None:
    """The backend waiting for the locked summary row, once it has inserted ledger entries."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT activity.pid
              FROM pg_stat_activity AS activity
             WHERE activity.datname = current_database()
               AND activity.pid <> %s
               AND activity.wait_event_type = 'Lock'
               AND activity.query ILIKE %s
               AND EXISTS (
                   SELECT 1 FROM pg_locks AS held
                    WHERE held.pid = activity.pid
                      AND held.granted
                      AND held.mode = 'RowExclusiveLock'
                      AND held.relation = %s::regclass)
            """,
            [
                lock_pid,
                "%INSERT INTO%impact_householdperiodincome%",
                AttributionEntry._meta.db_table,
            ],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


def broker_idle(queue: str) -> bool:
    """Nothing waiting on the queue, and nothing of it delivered but not yet acknowledged."""
    import json

    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        if client.llen(queue):
            return False
        for raw in client.hvals("unacked"):
            _message, _exchange, routing_key = json.loads(raw)
            if routing_key == queue:
                return False
        return True
    finally:
        client.close()


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_attribution_leaves_nothing_and_the_next_does_it_exactly_once(workers):
    start_worker, queue = workers
    # 老鹰茶 × 2 and 大洋芋 × 3 reach households 1, 4, 5 and 7 of 东川区 through five links.
    order = awaiting_transfer([("YX-DC-004", 2), ("YX-DC-001", 3)])
    expected = expected_ledger(order)
    households = sorted({household_id for household_id, _amount in expected.values()})
    assert len(households) == 4
    assert len(expected) == 6
    # The summary row of one of them exists; the test holds it so the worker's rollup waits.
    held = Household.objects.get(pk=households[-1])
    HouseholdPeriodIncome.objects.create(
        period="all", household_id=held.pk, county_id=held.county_id, amount=Decimal("0.00")
    )

    import psycopg

    lock = psycopg.connect(database_url())
    try:
        lock_pid = lock.info.backend_pid
        lock.execute(
            "SELECT amount FROM impact_householdperiodincome"
            " WHERE household_id = %s AND period = 'all' FOR UPDATE",
            [held.pk],
        )
        first = start_worker()
        pay_in_full(order, by=staff_user())  # commits: the job row, and the task queued on commit
        event = PaymentEvent.objects.get(order_payment__order=order, kind="confirmed")
        stuck = wait_for(
            lambda: blocked_on_status(lock_pid),
            seconds=120,
            what="the worker to block on the summary row after writing entries",
        )
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        assert first.returncode == -signal.SIGKILL
    finally:
        lock.rollback()
        lock.close()

    # The killed worker's transaction never commits: no entry, the job still to do.
    wait_for(
        lambda: not backend_alive(stuck), seconds=120, what="the killed worker's backend to end"
    )
    assert not AttributionEntry.objects.filter(line__order=order).exists()
    job = AttributionJob.objects.get(payment_event=event)
    assert job.done_at is None

    start_worker()
    wait_for(
        lambda: AttributionJob.objects.filter(pk=job.pk, done_at__isnull=False).exists(),
        seconds=120,
        what="the second worker to do the job (the unacknowledged task, redelivered)",
    )

    def ledger() -> dict[tuple[int, int], tuple[int, Decimal]]:
        entries = list(AttributionEntry.objects.filter(line__order=order))
        assert {entry.payment_event_id for entry in entries} == {event.pk}
        assert {entry.kind for entry in entries} == {"attribution"}
        ledger = {(e.line_id, e.link_id): (e.household_id, e.amount) for e in entries}
        assert len(ledger) == len(entries)  # each (line, link) once
        return ledger

    assert ledger() == expected
    # 2 × 58.00 × (8% + 5% + 20%) = 38.28, and 3 × 3.00 + 13% of 89.70 = 20.66.
    assert sum(amount for _household, amount in expected.values()) == Decimal("58.94")
    job.refresh_from_db()
    assert job.outcome["entries"] == 6

    # The same task delivered once more: the job is done, nothing is written twice.
    impact_attribute_payment.delay(event.pk)
    wait_for(lambda: broker_idle(queue), seconds=120, what="the duplicate task to be acknowledged")
    assert ledger() == expected
