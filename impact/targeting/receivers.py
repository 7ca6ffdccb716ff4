"""When the targeting figures are refreshed: on commit of whatever changed what they read.

- a re-assessment wrote households' levels and figures (``households_assessed``): every
  payout recorded, reversed, confirmed or disputed re-assesses its households through
  ``credit.platform_income_changed``, so this is also how payouts refresh them;
- a benefit link saved (added, changed, ended) or deleted: its household and its producer.

Queued as Celery tasks (eager in the embedded default), after commit and robustly: a broker
that is down never fails the change itself; the daily full refresh catches up.
"""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from producers.models import BenefitLink

from ..monitoring.signals import households_assessed
from ..tasks import targeting_refresh_all, targeting_refresh_households
from .services import INCREMENTAL_MAX


def _queue(household_ids: list[int] | None, producer_ids: list[int] | None = None) -> None:
    def queue() -> None:
        if household_ids is None or len(household_ids) > INCREMENTAL_MAX:
            targeting_refresh_all.delay()
        else:
            targeting_refresh_households.delay(household_ids, producer_ids or [])

    transaction.on_commit(queue, robust=True)


@receiver(households_assessed, dispatch_uid="impact_targeting_on_assessment")
def targeting_on_assessment(sender: Any, household_ids: list[int] | None, **kwargs: Any) -> None:
    _queue(household_ids)


@receiver(post_save, sender=BenefitLink, dispatch_uid="impact_targeting_on_link_saved")
@receiver(post_delete, sender=BenefitLink, dispatch_uid="impact_targeting_on_link_deleted")
def targeting_on_link(sender: Any, instance: BenefitLink, **kwargs: Any) -> None:
    _queue([instance.household_id], [instance.producer_id])
