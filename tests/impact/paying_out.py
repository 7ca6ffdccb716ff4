"""Payouts in tests, through the real services: recorded and reversed as a producer's
dashboard or county staff record them (``impact.ledger.payouts``), disputed as a
township worker's follow-up records it (``impact.ledger.followups``).

``by`` must be allowed to record payouts for the producer (its own user, or staff
with ``impact.add_payout`` covering its county); a dispute is recorded by a township
monitoring worker of the household's area, made here on first use.
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from impact.ledger import followups, payouts
from impact.models import Household, Payout, StaffScope
from producers.models import BenefitLink, Producer


def payout_add(
    *,
    household: Household,
    producer: Producer,
    amount: Decimal,
    by,
    paid_on: datetime.date | None = None,
    reference: str = "",
) -> Payout:
    """Record a payout; a household with no benefit link to the producer is given one first
    (a 5% dividend link from the start of last year), as a payout presumes one."""
    if not BenefitLink.objects.filter(producer=producer, household=household).exists():
        BenefitLink.objects.create(
            producer=producer,
            household=household,
            kind=BenefitLink.Kind.DIVIDEND,
            share=Decimal("5.00"),
            valid_from=datetime.date(timezone.localdate().year - 1, 1, 1),
        )
    return payouts.payout_record(
        producer=producer,
        household=household,
        amount=amount,
        paid_on=paid_on or timezone.localdate(),
        method=Payout.Method.BANK,
        reference=reference,
        by=by,
    )


def _township_worker(household: Household):
    """The township's monitoring worker who follows payouts up (one per township)."""
    township = household.region.parent
    user, created = get_user_model().objects.get_or_create(
        username=f"township-{township.pk}", defaults={"is_staff": True}
    )
    if created:
        user.user_permissions.add(
            *Permission.objects.filter(
                codename__in=["access_admin", "add_payoutfollowup"],
                content_type__app_label__in=["wagtailadmin", "impact"],
            )
        )
        StaffScope.objects.create(user=user, region=township)
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache


def payout_dispute(payout: Payout) -> None:
    followups.payout_follow_up_record(
        payout=payout,
        result="disputed",
        note="农户称未收到",
        by=_township_worker(payout.household),
    )


def payout_reverse(payout: Payout, *, by) -> None:
    payouts.payout_reverse(payout=payout, by=by, reason="recorded in error")
