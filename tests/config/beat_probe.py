"""A task for the beat tests: each run appends the time it ran to a Redis list."""

import os
import time

import redis
from celery import shared_task

RUNS = "beat-probe-runs"


@shared_task(name="tests.config.beat_probe.beat_probe")
def beat_probe() -> None:
    redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).rpush(RUNS, repr(time.time()))
