"""Follow-ups of payouts (回访核实): staff check with the household that a producer's payment arrived.

A follow-up is confirmed, disputed (the household says it did not get it, or
not all of it: a note says what) or not reached. The payout's ``verification``
takes the follow-up's result, with one exception: once disputed, only a
confirmed follow-up resolves the dispute (a later "not reached" leaves it
disputed). A disputed payout counts for nothing in the warning figures, so
every change of verification calls ``platform_income_changed``.

Who may record one is decided in one place, ``follow_up_allowed``: monitoring
staff holding ``impact.add_payoutfollowup`` whose scope covers the household.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Payout, PayoutFollowUp, Region
from ..monitoring.access import staff_covers, staff_level, staff_scope
from .credit import platform_income_changed

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from producers.models import Producer

PERMISSION = "impact.add_payoutfollowup"

#: The follow-up list's filters: the verification states still waiting for someone.
AWAITING = (
    Payout.Verification.UNVERIFIED,
    Payout.Verification.DISPUTED,
    Payout.Verification.NOT_REACHED,
)


def follow_up_allowed(user: User | AnonymousUser, payout: Payout) -> bool:
    """Whether ``user`` may record a follow-up of ``payout``: the one place this is decided.

    Village or township monitoring staff (DESIGN: they check payouts with the household)
    with ``impact.add_payoutfollowup`` whose area covers the household. County and city
    staff see follow-ups but do not record them.
    """
    if not user.is_authenticated or not user.has_perm(PERMISSION):
        return False
    if staff_level(user) not in (Region.Level.VILLAGE, Region.Level.TOWNSHIP):
        return False
    return staff_covers(user, payout.household)


def payout_follow_up_record(*, payout: Payout, result: str, note: str, by: User) -> PayoutFollowUp:
    """Record a follow-up and set the payout's verification; re-assess the household if it changed.

    PermissionDenied when ``by`` may not follow this payout up; ValidationError
    (nothing written) for an unknown result, a dispute without a note, or a
    reversed payout.
    """
    if not follow_up_allowed(by, payout):
        raise PermissionDenied
    note = (note or "").strip()
    if result not in PayoutFollowUp.Result.values:
        raise ValidationError(
            _("Choose the follow-up's result: confirmed, disputed or not reached.")
        )
    if result == PayoutFollowUp.Result.DISPUTED and not note:
        raise ValidationError(
            _("Say what the household disputes (for example: received nothing, or only part).")
        )
    with transaction.atomic():
        locked = Payout.objects.select_for_update().get(pk=payout.pk)
        if locked.reversed_at is not None:
            raise ValidationError(_("This payout has been reversed: it needs no follow-up."))
        follow_up = PayoutFollowUp.objects.create(
            payout=locked, result=result, note=note, by=by, at=timezone.now()
        )
        before = locked.verification
        after = result
        if before == Payout.Verification.DISPUTED and result != PayoutFollowUp.Result.CONFIRMED:
            after = before  # only a confirmation resolves a dispute
        if after != before:
            locked.verification = after
            locked.save(update_fields=["verification"])
    payout.verification = locked.verification
    if after != before:
        platform_income_changed(household_ids=[locked.household_id], years=[locked.paid_on.year])
    return follow_up


def payouts_awaiting_follow_up(
    *,
    user: User | AnonymousUser,
    verification: str = "",
    producer_id: int | None = None,
    village_id: int | None = None,
) -> QuerySet[Payout]:
    """Payouts of households in the staff member's area that are not confirmed, newest first.

    ``verification`` narrows to one of unverified, disputed or not reached;
    reversed payouts are left out. Nothing for a user without a scope.
    """
    scope = staff_scope(user)
    if scope is None:
        return Payout.objects.none()
    payouts = scope.filter(
        Payout.objects.filter(reversed_at__isnull=True), "household__county_id"
    ).filter(verification__in=[state.value for state in AWAITING])
    if verification:
        payouts = payouts.filter(verification=verification)
    if producer_id is not None:
        payouts = payouts.filter(producer_id=producer_id)
    if village_id is not None:
        payouts = payouts.filter(household__region_id=village_id)
    return payouts.select_related("producer", "household__region").order_by("paid_on", "pk")


def disputed_payouts(
    *, producer: Producer | None = None, household_id: int | None = None
) -> QuerySet[Payout]:
    """Payouts the household disputes and nobody has resolved yet (not reversed), oldest first."""
    payouts = Payout.objects.filter(
        verification=Payout.Verification.DISPUTED, reversed_at__isnull=True
    )
    if producer is not None:
        payouts = payouts.filter(producer=producer)
    if household_id is not None:
        payouts = payouts.filter(household_id=household_id)
    return (
        payouts.select_related("producer", "household")
        .prefetch_related("follow_ups")
        .order_by("paid_on", "pk")
    )


def disputed_counts(*, producer_ids: list[int]) -> dict[int, int]:
    """How many unresolved disputed payouts each producer has (one query)."""
    rows = (
        Payout.objects.filter(producer_id__in=producer_ids)
        .values("producer_id")
        .annotate(
            n=Count(
                "pk",
                filter=Q(verification=Payout.Verification.DISPUTED, reversed_at__isnull=True),
            )
        )
    )
    return {row["producer_id"]: row["n"] for row in rows if row["n"]}
