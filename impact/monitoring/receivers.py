"""Where monitoring's own changes are turned into background work: re-assessment after commit."""

from typing import Any

from django.db import transaction
from django.dispatch import receiver

from ..tasks import impact_reassess_households
from .assessment import BATCH_SIZE
from .signals import households_changed


@receiver(households_changed, dispatch_uid="impact_reassess_on_change")
def reassess_on_change(sender: Any, household_ids: list[int], channel: str, **kwargs: Any) -> None:
    """System screening of the changed households, queued once the change commits."""

    def queue() -> None:
        for start in range(0, len(household_ids), BATCH_SIZE):
            impact_reassess_households.delay(household_ids[start : start + BATCH_SIZE], channel)

    # robust: a broker that is down is logged, and never fails the change itself;
    # the monthly periodic evaluation re-assesses every household anyway.
    transaction.on_commit(queue, robust=True)
