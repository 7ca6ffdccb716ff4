"""A household's self-declaration (/declare/, 农户申报): it opens a clue for staff."""

from decimal import Decimal

from django.db import transaction

from ..models import Assessment, Clue, Declaration, Household, Region
from .pii import pii_hash


@transaction.atomic
def declaration_submit(
    *,
    name: str,
    id_number: str,
    phone: str,
    village: Region,
    cause: str,
    amount: Decimal,
    note: str = "",
) -> Declaration:
    """A household declares a hardship: it opens a clue for staff, whether or not it is registered."""
    declaration = Declaration(
        name=name,
        id_number=id_number,
        phone=phone,
        village=village,
        cause=cause,
        amount=amount,
        note=note,
    )
    declaration.household = Household.objects.filter(id_number_hash=pii_hash(id_number)).first()
    declaration.save()
    Clue.objects.create(
        household=declaration.household,
        county=village.county,
        declaration=declaration,
        channel=Assessment.Channel.DECLARATION,
    )
    return declaration
