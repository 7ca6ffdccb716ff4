"""Who may see which households: a staff member's county, decided once, and every read built on it.

"Staff see their own county" is ``staff_scope``: a superuser, or staff whose
``StaffScope`` names no county, see the whole city; staff whose scope names a
county see that county; anyone else (not staff, or staff without a scope)
sees nothing. The back office (households, clues, reports, exports) and the
producers' review pages all read through the functions here, so a county's
staff never read another county's households, whatever URL they type.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from ..models import AuditEvent, Clue, Household, Region, StaffScope

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

logger = logging.getLogger("yixiang.impact")

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Scope:
    """The counties a staff member may read; ``county_ids`` None means the whole city."""

    county_ids: tuple[int, ...] | None

    def covers(self, county_id: int) -> bool:
        return self.county_ids is None or county_id in self.county_ids

    def filter(self, queryset: QuerySet[M], field_name: str = "county_id") -> QuerySet[M]:
        if self.county_ids is None:
            return queryset
        return queryset.filter(**{f"{field_name}__in": self.county_ids})


def staff_scope(user: User | AnonymousUser) -> Scope | None:
    """The counties a staff member may see, or None when they may see none (one query at most).

    Only staff (``common.backoffice.require_staff``: operations and monitoring staff) have
    a scope; every other role sees no household.
    """
    if not user.is_authenticated or not user.is_staff:
        return None
    if user.is_superuser:
        return Scope(None)
    row = StaffScope.objects.filter(user=user).values_list("county_id").first()
    if row is None:
        return None
    return Scope(None if row[0] is None else (row[0],))


def report_scope(*, user: User | AnonymousUser, county: str | int | None = None) -> Scope:
    """The scope of a staff member's reports, narrowed to one county if asked and allowed."""
    allowed = staff_scope(user)
    if allowed is None:
        raise PermissionDenied
    if county is None or county == "":
        return allowed
    try:
        wanted = int(county)
    except (TypeError, ValueError):
        return allowed
    if not allowed.covers(wanted):
        raise PermissionDenied
    return Scope((wanted,))


def households_visible_to(*, user: User | AnonymousUser) -> QuerySet[Household]:
    """The households a staff member may see: their county's, or all for city staff."""
    scope = staff_scope(user)
    if scope is None:
        return Household.objects.none()
    return scope.filter(Household.objects.all())


def counties_visible_to(*, user: User | AnonymousUser) -> QuerySet[Region]:
    """The counties a staff member may see: theirs, or every county for city staff."""
    counties = Region.objects.filter(level=Region.Level.COUNTY)
    scope = staff_scope(user)
    if scope is None:
        return counties.none()
    return scope.filter(counties, "pk")


def clues_visible_to(*, user: User | AnonymousUser) -> QuerySet[Clue]:
    """The review queue a staff member sees: clues in their county."""
    scope = staff_scope(user)
    if scope is None:
        return Clue.objects.none()
    return scope.filter(Clue.objects.all()).select_related("household", "county")


def household_get_for_user(*, user: User, pk: int, path: str = "") -> Household:
    """The household, or PermissionDenied (logged) if it lies outside the user's county."""
    household = households_visible_to(user=user).filter(pk=pk).first()
    if household is None:
        exists = Household.objects.filter(pk=pk).exists()
        if exists:
            AuditEvent.objects.create(
                kind=AuditEvent.Kind.DENIED, user=user, household_id=pk, path=path[:255]
            )
            logger.warning("user %s refused household %s outside their county", user.pk, pk)
        raise PermissionDenied
    return household


def household_reveal_id_number(*, user: User, household: Household, reason: str) -> str:
    """The unmasked ID number, for staff who may see it, with the reason logged."""
    if not user.has_perm("impact.reveal_personal_data"):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why you need to see the full ID number."))
    AuditEvent.objects.create(
        kind=AuditEvent.Kind.REVEAL, user=user, household=household, reason=reason[:255]
    )
    logger.info("user %s revealed the ID number of household %s", user.pk, household.pk)
    return household.id_number
