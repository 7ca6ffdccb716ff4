"""A real Celery worker on the Redis broker delivers what the web process queues."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.mail import send_mail

from config.celery_app import app as celery_app
from tests.services import database_url, every_task_to

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL,
        reason="needs CELERY_BROKER_URL (Redis); .ci/run sets it",
    ),
]


@pytest.fixture
def worker(tmp_path):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),  # the message waits in the test database's outbox
        "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(outbox),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            queue,
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    previous = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    with every_task_to(queue):
        yield outbox
    celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = previous
    process.terminate()
    process.wait(timeout=20)


@pytest.mark.django_db(transaction=True)
def test_a_queued_email_is_delivered_by_a_real_worker(worker):
    send_mail("订单确认", "您的订单已提交。", "noreply@yixiang.example", ["buyer@example.com"])
    deadline = time.monotonic() + 60
    delivered: list[Path] = []
    while time.monotonic() < deadline and not delivered:
        delivered = list(worker.iterdir())
        time.sleep(0.5)
    assert len(delivered) == 1
    content = delivered[0].read_text()
    assert "buyer@example.com" in content
    assert "Subject: =?utf-8?b?" in content  # the Chinese subject, encoded
