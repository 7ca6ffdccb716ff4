"""Payouts in tests: a small local stand-in for the payout recording service.

Writes ``Payout`` rows (and their allocations against the household's oldest
due amounts from that producer) through the ORM, then calls
``platform_income_changed`` as every change to payouts does. The real
recording service (``impact.ledger.payouts.payout_record``) is written in
parallel; these tests will switch to it.
"""

import datetime
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from impact.ledger.credit import platform_income_changed
from impact.models import AttributionEntry, Household, Payout, PayoutAllocation
from producers.models import Producer

ZERO = Decimal("0.00")


def payout_add(
    *,
    household: Household,
    producer: Producer,
    amount: Decimal,
    by,
    paid_on: datetime.date | None = None,
    reference: str = "",
) -> Payout:
    paid_on = paid_on or timezone.localdate()
    payout = Payout.objects.create(
        producer=producer,
        household=household,
        amount=amount,
        paid_on=paid_on,
        method=Payout.Method.BANK,
        reference=reference,
        recorded_by=by,
    )
    left = amount
    due = (
        AttributionEntry.objects.filter(household=household, link__producer=producer)
        .values("line_id", "link_id", "income_source")
        .annotate(total=Sum("amount"))
        .order_by("line_id", "link_id")
    )
    for row in due:
        allocated = (
            PayoutAllocation.objects.filter(
                line_id=row["line_id"],
                link_id=row["link_id"],
                payout__household=household,
                payout__reversed_at__isnull=True,
            )
            .exclude(payout__verification=Payout.Verification.DISPUTED)
            .aggregate(total=Sum("amount"))["total"]
            or ZERO
        )
        room = row["total"] - allocated
        part = min(room, left)
        if part > ZERO:
            PayoutAllocation.objects.create(
                payout=payout,
                line_id=row["line_id"],
                link_id=row["link_id"],
                income_source=row["income_source"],
                amount=part,
            )
            left -= part
    platform_income_changed(household_ids=[household.pk], years=[paid_on.year])
    return payout


def payout_dispute(payout: Payout) -> None:
    payout.verification = Payout.Verification.DISPUTED
    payout.save(update_fields=["verification"])
    platform_income_changed(household_ids=[payout.household_id], years=[payout.paid_on.year])


def payout_reverse(payout: Payout, *, by) -> None:
    payout.reversed_at = timezone.now()
    payout.reversed_by = by
    payout.reversal_reason = "recorded in error"
    payout.save(update_fields=["reversed_at", "reversed_by", "reversal_reason"])
    platform_income_changed(household_ids=[payout.household_id], years=[payout.paid_on.year])
