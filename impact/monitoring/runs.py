"""One evaluation at a time, and what each whole evaluation did, for the back office.

``evaluation_lock`` is a lease on one row of ``EvaluationLock``: taken by a
conditional UPDATE (the row free, or its holder silent for ``STALE_AFTER``),
renewed after every batch, freed at the end. A conditional UPDATE is atomic on
PostgreSQL (a second one waits for the first's row lock, then re-reads the
row) and on SQLite (one writer at a time), and, unlike ``select_for_update``,
the lease outlives the evaluation's many batch transactions. A worker killed
mid-run leaves a lease that lapses after ``STALE_AFTER``.

``ReassessmentRun`` rows say why a whole evaluation ran, on which year, and
how far it has got; ``households_reassess`` updates them after every batch.
"""

import datetime
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import EvaluationLock, ReassessmentRun, Threshold

LOCK_NAME = "evaluation"
STALE_AFTER = datetime.timedelta(minutes=15)
POLL_SECONDS = 0.5


class EvaluationBusy(Exception):
    """Another whole evaluation holds the lock (and did not free it in time)."""


@dataclass
class EvaluationLease:
    token: str

    def renew(self) -> None:
        """After each batch: still ours, for another ``STALE_AFTER``."""
        renewed = EvaluationLock.objects.filter(name=LOCK_NAME, holder=self.token).update(
            heartbeat_at=timezone.now()
        )
        if not renewed:
            raise EvaluationBusy(_("The evaluation lost its lock to another evaluation."))


def _busy_message() -> str:
    lock = EvaluationLock.objects.filter(name=LOCK_NAME).first()
    since = (
        timezone.localtime(lock.taken_at).strftime("%Y-%m-%d %H:%M")
        if lock is not None and lock.taken_at is not None
        else "?"
    )
    what = lock.what if lock is not None else ""
    return _("Another evaluation is running (%(what)s, since %(since)s); try again later.") % {
        "what": what,
        "since": since,
    }


@contextmanager
def evaluation_lock(*, what: str, wait: float = 0) -> Iterator[EvaluationLease]:
    """Hold the evaluation lock; wait up to ``wait`` seconds for it, then raise EvaluationBusy."""
    EvaluationLock.objects.get_or_create(name=LOCK_NAME)
    token = uuid.uuid4().hex
    deadline = time.monotonic() + wait
    while True:
        now = timezone.now()
        taken = (
            EvaluationLock.objects.filter(name=LOCK_NAME)
            .filter(Q(holder="") | Q(heartbeat_at__lt=now - STALE_AFTER))
            .update(holder=token, what=what[:200], taken_at=now, heartbeat_at=now)
        )
        if taken:
            break
        if time.monotonic() >= deadline:
            raise EvaluationBusy(_busy_message())
        time.sleep(POLL_SECONDS)
    try:
        yield EvaluationLease(token)
    finally:
        EvaluationLock.objects.filter(name=LOCK_NAME, holder=token).update(
            holder="", heartbeat_at=None
        )


# ---------------------------------------------------------------------- which year


def evaluation_year(*, today: datetime.date | None = None) -> tuple[int | None, str]:
    """The year a periodic evaluation runs on today, and why, when it is not this year.

    This year while it has thresholds; before they are entered (January), the
    latest earlier year that has them; None when no year up to this one has any.
    """
    year = (today or timezone.localdate()).year
    latest = (
        Threshold.objects.filter(year__lte=year).order_by("-year").values_list("year", flat=True)
    ).first()
    if latest is None:
        return None, _(
            "There are no thresholds for any year up to %(year)s: nothing evaluated."
        ) % {"year": year}
    if latest != year:
        return latest, _(
            "There are no thresholds for %(year)s yet: evaluated on %(latest)s's thresholds "
            "and incomes."
        ) % {"year": year, "latest": latest}
    return year, ""


# ---------------------------------------------------------------------- runs


def reassessment_run_start(*, why: str, year: int | None, note: str = "") -> ReassessmentRun:
    return ReassessmentRun.objects.create(why=why, year=year, note=note)


def reassessment_run_fail(*, run: ReassessmentRun, error: str) -> None:
    run.error = error
    run.finished_at = timezone.now()
    run.save(update_fields=["error", "finished_at"])


def reassessment_runs_recent(*, limit: int = 20) -> list[ReassessmentRun]:
    return list(ReassessmentRun.objects.all()[:limit])


def reassessment_run_last_periodic() -> ReassessmentRun | None:
    return ReassessmentRun.objects.filter(why=ReassessmentRun.Why.PERIODIC).first()
