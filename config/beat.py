"""One beat, however many are started: django-celery-beat's scheduler behind a Redis lock.

Every ``celery -A config beat`` process runs ``SingleBeatScheduler``. On each
tick it takes or renews a lock in Redis (``BEAT_LOCK_URL``, the broker by
default) that expires after ``BEAT_LOCK_TIMEOUT`` seconds; only the holder
sends scheduled jobs, the others wait and try again. The schedule and each
job's last run time live in the database (django-celery-beat's tables), saved
as soon as a job is sent (``beat_sync_every = 1``), so a beat that takes over
(after a restart, or another host's beat dying) continues from the last run:
no job twice, no burst of catch-up runs, and a job whose time passed while no
beat ran is sent once.

``CELERY_BEAT_SCHEDULE`` stays the source of truth: when a beat becomes the
leader it writes that schedule to the database and removes entries no longer
in it (only the leader writes, so two beats starting together never race).
"""

import contextlib
import logging
import time
from typing import Any

import redis
from celery import Celery
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import Error as DjangoDatabaseError
from django.db import close_old_connections
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler
from redis.exceptions import LockError, RedisError

logger = logging.getLogger("yixiang.beat")

LOCK_NAME = "yixiang:beat:leader"


class SingleBeatScheduler(DatabaseScheduler):
    def __init__(self, app: Celery, *args: Any, **kwargs: Any) -> None:
        self._leader = False
        self._redis = redis.Redis.from_url(settings.BEAT_LOCK_URL or str(app.conf.broker_url))
        self._lock = self._redis.lock(
            LOCK_NAME, timeout=settings.BEAT_LOCK_TIMEOUT, thread_local=False
        )
        super().__init__(app, *args, **kwargs)

    def setup_schedule(self) -> None:
        """Nothing before leading: only the leader writes the schedule (see ``_take_over``)."""

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if not self._lead():
            return min(self.max_interval, settings.BEAT_LOCK_TIMEOUT / 3)
        return min(super().tick(*args, **kwargs), settings.BEAT_LOCK_TIMEOUT / 3)

    def _lead(self) -> bool:
        try:
            if self._leader:
                try:
                    self._lock.reacquire()
                    return True
                except LockError:
                    self._leader = False
                    logger.warning("beat: lost the leader lock; another beat sends jobs now")
            if self._lock.acquire(blocking=False):
                self._leader = True
                logger.info("beat: this process leads; it sends the scheduled jobs")
                self._take_over()
                return True
        except RedisError:
            logger.exception("beat: the lock's Redis is unreachable; sending nothing")
            self._leader = False
        return False

    def _take_over(self) -> None:
        """Write CELERY_BEAT_SCHEDULE to the database, then read every job's last run from it."""
        names = set(self.app.conf.beat_schedule)
        PeriodicTask.objects.exclude(name__in=names).exclude(name__startswith="celery.").delete()
        self._initial_read = True
        self._dirty.clear()
        self.install_default_entries(self.schedule)
        self.update_from_dict(self.app.conf.beat_schedule)
        # Forget what this process knew: the previous leader's runs are in the database. The
        # writes above count as a schedule change; absorb it here, or the next tick would
        # rebuild the heap from entries read before the first run and send that job again.
        self._last_timestamp = self.Changes.last_change()
        self._heap_invalidated = False
        self._initial_read = True
        self._heap = None

    def sync(self) -> None:
        """Save each sent job's last run; one that fails to save stays to be saved next tick.

        django-celery-beat's own ``sync`` takes a job off the list before saving it and, on a
        database error, only logs it: the run time was lost, and a beat taking over after this
        one would not know the job had run (seen as a late run on SQLite under load, where a
        write can time out waiting for the lock).
        """
        close_old_connections()
        for name in list(self._dirty):
            try:
                self._schedule[name].save()
            except (KeyError, TypeError, ObjectDoesNotExist):
                pass  # no longer in the schedule, or gone from the database: nothing to keep
            except DjangoDatabaseError:
                logger.warning("beat: could not save the last run of %s; trying again", name)
                close_old_connections()
                return
            self._dirty.discard(name)

    def close(self) -> None:
        # The last runs are saved before the lock goes: the next leader reads them.
        for _attempt in range(5):
            self.sync()
            if not self._dirty:
                break
            time.sleep(0.5)
        else:
            logger.error("beat: the last runs of %s were not saved", ", ".join(sorted(self._dirty)))
        super().close()
        if self._leader:
            with contextlib.suppress(LockError, RedisError):
                self._lock.release()
            self._leader = False
