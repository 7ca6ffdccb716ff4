"""Changes to a household's facts: each one has the household re-assessed once it is committed.

The re-assessment itself is queued by whoever listens to ``households_changed``
(``impact.monitoring.receivers``), so these writes never depend on the task queue.
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction

from ..models import Assessment, Household, IncomeRecord, RigidExpenditure
from .signals import households_changed


def households_data_changed(
    *, household_ids: Iterable[int], channel: str = Assessment.Channel.SCREENING
) -> None:
    """System screening: re-assess these households once the current transaction commits."""
    ids = sorted(set(household_ids))
    if not ids:
        return
    households_changed.send(sender=Household, household_ids=ids, channel=channel)


@transaction.atomic
def household_update(*, household: Household, **fields: Any) -> Household:
    """Change a household's facts; system screening re-assesses it after commit."""
    for name, value in fields.items():
        setattr(household, name, value)
    household.full_clean()
    household.save()
    households_data_changed(household_ids=[household.pk])
    return household


@transaction.atomic
def income_record_save(*, household: Household, year: int, **amounts: Decimal) -> IncomeRecord:
    """Record (or correct) a household's income for a year.

    The part of it that is platform payouts (``platform_included``) cannot be
    more than its total: a ``ValidationError`` and nothing written.
    """
    record = IncomeRecord.objects.filter(household=household, year=year).first()
    record = record or IncomeRecord(household=household, year=year)
    for name, value in amounts.items():
        setattr(record, name, value)
    record.full_clean()
    record.save()
    households_data_changed(household_ids=[household.pk])
    return record


@transaction.atomic
def expenditure_record(*, household: Household, **fields: Any) -> RigidExpenditure:
    expenditure = RigidExpenditure(household=household, **fields)
    expenditure.full_clean()
    expenditure.save()
    households_data_changed(household_ids=[household.pk])
    return expenditure


@transaction.atomic
def expenditure_resolve(*, expenditure: RigidExpenditure) -> RigidExpenditure:
    expenditure.resolved = True
    expenditure.save(update_fields=["resolved"])
    households_data_changed(household_ids=[expenditure.household_id])
    return expenditure
