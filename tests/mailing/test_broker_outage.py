"""The broker is down when an order is paid: the order goes through, the e-mail waits, and is
delivered exactly once by real workers when the broker is back.

The broker is a redis-server this test starts on a free port of its own (never
the machine's main Redis): first nothing listens there, then the test starts it.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.contrib.auth import get_user_model

from config.celery_app import app as celery_app
from config.tasks import email_outbox_catch_up, email_send
from mailing.models import OutgoingEmail
from shop.payments.models import OrderPayment
from tests.producers.factories import staff_user
from tests.services import REDIS_SERVER, RedisServer, database_url, free_port
from tests.shop.payments.paying import awaiting_transfer, pay_in_full

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not REDIS_SERVER, reason="needs redis-server (apt install redis-server)"),
]


def point_celery_at(url: str) -> None:
    """This process publishes to ``url`` from now on (its connection pools are dropped)."""
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker(tmp_path, monkeypatch):
    server = RedisServer(free_port(), tmp_path / "redis.log")  # not started: the broker is down
    previous = (celery_app.conf.task_always_eager, celery_app.conf.broker_url)
    celery_app.conf.task_always_eager = False
    # Celery reads CELERY_BROKER_URL from the environment before its own settings.
    monkeypatch.setenv("CELERY_BROKER_URL", server.url)
    point_celery_at(server.url)
    yield server
    monkeypatch.undo()
    celery_app.conf.task_always_eager = previous[0]
    point_celery_at(previous[1])
    server.stop()


def wait_for(condition, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"waited {seconds:.0f} s for {what}")


def test_an_order_paid_while_the_broker_is_down_is_emailed_once_when_it_returns(
    committed_demo,
    broker,
    tmp_path,
):
    buyer = get_user_model().objects.create_user(
        f"buyer-{uuid.uuid4().hex[:6]}", "buyer@example.com", "secret-pass-1"
    )
    order = awaiting_transfer([("YX-DC-001", 1)], user=buyer)
    OutgoingEmail.objects.all().delete()

    pay_in_full(order, by=staff_user())  # commits; queuing the e-mail's task fails

    assert OrderPayment.objects.get(order=order).state == "paid"
    (outgoing,) = OutgoingEmail.objects.all()
    assert (outgoing.subject, outgoing.recipients, outgoing.status, outgoing.attempts) == (
        f"订单 {order.number} 已收到付款",
        "buyer@example.com",
        "pending",
        0,
    )

    broker.start()
    delivered = tmp_path / "delivered"
    delivered.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker.url,
        "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(delivered),
        "EMAIL_OUTBOX_CATCH_UP_AFTER": "0",
    }
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"]
            + ["-Q", "email", "-n", f"email-{n}@%h", "--loglevel=WARNING"],
            cwd=ROOT,
            env=env,
            stdout=(tmp_path / f"worker-{n}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for n in (1, 2)
    ]
    try:
        # The beat's catch-up, twice at once, and the task the broker never got: one message.
        email_outbox_catch_up.delay()
        email_outbox_catch_up.delay()
        email_send.delay(outgoing.pk)
        wait_for(
            lambda: OutgoingEmail.objects.filter(pk=outgoing.pk, status="sent").exists(),
            seconds=90,
            what="the message to be sent",
        )
        queue = redis.Redis.from_url(broker.url)
        wait_for(
            lambda: queue.llen("email") == 0 and not queue.hlen("unacked"),
            seconds=60,
            what="every task to be done",
        )
        time.sleep(1)
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=30)

    files = list(delivered.iterdir())
    text = "".join(path.read_text() for path in files)
    assert text.count("Message-ID:") == 1
    assert "To: buyer@example.com" in text
    outgoing.refresh_from_db()
    assert (outgoing.status, outgoing.attempts) == ("sent", 1)
