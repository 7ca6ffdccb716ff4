"""A household's self-declaration (/declare/, 农户申报): it opens a clue for staff.

A registered declarant (matched by the hash of the ID number) has the declared outlay
recorded as a rigid expenditure and is assessed at once on the channel 农户申报; the
declaration's clue carries that assessment. An unregistered declarant's clue waits for staff.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ..models import (
    Assessment,
    Clue,
    Declaration,
    Household,
    IncomeRecord,
    Region,
    RigidExpenditure,
    Threshold,
)
from .assessment import households_reassess
from .pii import pii_hash


def declaration_assessment_year(*, household: Household, today: datetime.date) -> int | None:
    """The year to assess a declarant on: the latest year up to this one with both the
    household's income record and thresholds (None when there is none: nothing to assess on)."""
    years = set(
        IncomeRecord.objects.filter(household=household, year__lte=today.year).values_list(
            "year", flat=True
        )
    ) & set(Threshold.objects.filter(year__lte=today.year).values_list("year", flat=True))
    return max(years) if years else None


@transaction.atomic
def declaration_submit(
    *,
    name: str,
    id_number: str,
    phone: str,
    village: Region,
    cause: str,
    amount: Decimal,
    date: datetime.date,
    note: str = "",
) -> Declaration:
    """A household declares a hardship: it opens a clue for staff, whether or not it is registered.

    For a registered household the outlay becomes a RigidExpenditure and the household is
    assessed at once (channel 农户申报); the clue is linked to that assessment.
    """
    declaration = Declaration(
        name=name,
        id_number=id_number,
        phone=phone,
        village=village,
        cause=cause,
        amount=amount,
        date=date,
        note=note,
    )
    household = Household.objects.filter(id_number_hash=pii_hash(id_number)).first()
    declaration.household = household
    if household is not None:
        declaration.expenditure = RigidExpenditure.objects.create(
            household=household,
            date=date,
            cause=cause,
            amount=amount,
            note=f"农户申报：{note}"[:255] if note else "农户申报",
        )
    declaration.save()
    clue = Clue.objects.create(
        household=household,
        county=household.county if household is not None else village.county,
        declaration=declaration,
        channel=Assessment.Channel.DECLARATION,
    )
    if household is None:
        return declaration
    year = declaration_assessment_year(household=household, today=timezone.localdate())
    if year is None:
        return declaration
    # The declaration's clue is in review, so the assessment opens no second clue.
    households_reassess(
        households=Household.objects.filter(pk=household.pk),
        year=year,
        channel=Assessment.Channel.DECLARATION,
    )
    assessment = (
        Assessment.objects.filter(household=household, channel=Assessment.Channel.DECLARATION)
        .order_by("-pk")
        .first()
    )
    if assessment is not None:
        clue.assessment = assessment
        clue.level = assessment.level
        clue.save(update_fields=["assessment", "level"])
    return declaration
