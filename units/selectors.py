"""Reads of the units app."""

from typing import TYPE_CHECKING

from django.db.models import Case, QuerySet, Value, When

from .models import WorkUnit, WorkUnitMember, WorkUnitStep

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# The roles that place orders, and so may choose pay after delivery.
ORDERING_ROLES = (WorkUnitMember.Role.BUYER, WorkUnitMember.Role.ADMINISTRATOR)


def work_unit_for_user(*, user: "User | AnonymousUser") -> WorkUnit | None:
    """The unit the user acts for, whatever its review status; None for anyone else."""
    if not user.is_authenticated:
        return None
    return WorkUnit.objects.filter(members__user=user).first()


def pay_later_terms_for_user(*, user: "User | AnonymousUser") -> int | None:
    """Days to pay after delivery, for a buyer or administrator of an approved unit; else None."""
    if not user.is_authenticated:
        return None
    return (
        WorkUnit.objects.filter(
            status=WorkUnit.Status.APPROVED,
            members__user=user,
            members__role__in=ORDERING_ROLES,
        )
        .values_list("payment_terms_days", flat=True)
        .first()
    )


def work_unit_list(*, status: str | None = None) -> QuerySet[WorkUnit]:
    """Units for the back office: those awaiting review first, then approved, then rejected."""
    units = WorkUnit.objects.all()
    if status:
        units = units.filter(status=status)
    review_order = Case(
        *(
            When(status=value, then=Value(rank))
            for rank, value in enumerate(WorkUnit.Status.values)
        ),
        default=Value(len(WorkUnit.Status.values)),
    )
    return units.order_by(review_order, "name")


def work_unit_members(*, unit: WorkUnit) -> QuerySet[WorkUnitMember]:
    return unit.members.select_related("user").order_by("role", "user__username")


def work_unit_steps(*, unit: WorkUnit) -> QuerySet[WorkUnitStep]:
    return unit.steps.select_related("by")
