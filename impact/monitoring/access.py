"""Who may see which households: a staff member's area, decided once, and every read built on it.

"Staff see their own area" is ``staff_scope``: a superuser, or staff whose
``StaffScope`` names no area, see the whole city; staff whose scope names a
county see that county; a township's staff that township, a village's staff
that village; anyone else (not staff, or staff without a scope) sees nothing.
The back office (households, clues, reports, exports) and the producers'
review pages all read through the functions here, so a county's staff never
read another county's households, whatever URL they type.

Rows that reach a household (households, their statuses, clues, help
measures, level changes) and the village snapshots are narrowed to a
township's or village's area; the sales rollups, which are kept by county
only, read at the county of the area.

The review's levels: ``staff_level`` says at which level (county, township,
village) a user performs review steps, and ``staff_covers`` whether a
household or region lies in their area. Both read the user's own
``StaffScope``: a superuser or city staff member without an area has no level.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from ..models import AuditEvent, Clue, Household, LevelSnapshot, Region, StaffScope

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

logger = logging.getLogger("yixiang.impact")

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Scope:
    """The area a staff member may read.

    ``county_ids`` None means the whole city. ``area`` narrows inside the county:
    ("township", pk) or ("village", pk); None means the whole of each county.
    """

    county_ids: tuple[int, ...] | None
    area: tuple[str, int] | None = None

    def covers(self, county_id: int) -> bool:
        return self.county_ids is None or county_id in self.county_ids

    def covers_region(self, region: Region) -> bool:
        """Whether the region lies wholly in the area (a township's staff cover its villages)."""
        if not self.covers(region.county.pk):
            return False
        if self.area is None:
            return True
        level, pk = self.area
        if level == Region.Level.VILLAGE:
            return region.pk == pk
        return region.pk == pk or region.parent_id == pk

    def covers_household(self, household: Household) -> bool:
        return self.covers_region(household.region)

    def _area_q(self, village: str) -> Q:
        """Rows whose village (the field path ``village``) lies in the area."""
        assert self.area is not None
        level, pk = self.area
        if level == Region.Level.VILLAGE:
            return Q(**{f"{village}_id": pk})
        return Q(**{f"{village}__parent_id": pk})

    def filter(self, queryset: QuerySet[M], field_name: str = "county_id") -> QuerySet[M]:
        if self.county_ids is not None:
            queryset = queryset.filter(**{f"{field_name}__in": self.county_ids})
        if self.area is None:
            return queryset
        model = queryset.model
        if model is Household:
            return queryset.filter(self._area_q("region"))
        if model is Clue:
            # a clue of an unregistered declarant lies in the declared village
            return queryset.filter(
                self._area_q("household__region")
                | (Q(household__isnull=True) & self._area_q("declaration__village"))
            )
        if model is LevelSnapshot:
            level, pk = self.area
            return queryset.filter(**{f"{level}_id": pk})
        if field_name.startswith("household__"):
            return queryset.filter(self._area_q("household__region"))
        return queryset  # kept by county only: read at the county of the area


def staff_scope(user: User | AnonymousUser) -> Scope | None:
    """The area a staff member may see, or None when they may see none (one query at most).

    Only staff (``common.backoffice.require_staff``: operations and monitoring staff) have
    a scope; every other role sees no household.
    """
    if not user.is_authenticated or not user.is_staff:
        return None
    if user.is_superuser:
        return Scope(None)
    row = (
        StaffScope.objects.filter(user=user)
        .values_list("county_id", "region_id", "region__level")
        .first()
    )
    if row is None:
        return None
    county_id, region_id, level = row
    if county_id is None:
        return Scope(None)
    if region_id is None or level == Region.Level.COUNTY:
        return Scope((county_id,))
    return Scope((county_id,), (level, region_id))


def staff_region(user: User | AnonymousUser) -> Region | None:
    """The area named by the user's own scope (county, township or village), or None."""
    if not user.is_authenticated or not user.is_staff:
        return None
    scope = StaffScope.objects.filter(user=user).select_related("region__parent").first()
    return scope.region if scope is not None else None


def staff_level(user: User | AnonymousUser) -> str | None:
    """The level at which the user works: "county", "township" or "village" (a
    ``Region.Level`` value), or None for city staff, superusers without an area,
    and anyone who is not staff. The review steps need a level; so do other
    area-bound tasks (e.g. payout follow-ups by village or township staff)."""
    region = staff_region(user)
    return region.level if region is not None else None


def staff_covers(user: User | AnonymousUser, target: Household | Region) -> bool:
    """Whether a household, or a region (wholly), lies in the area the user may see.

    City staff and superusers cover everything; staff without a scope nothing.
    """
    scope = staff_scope(user)
    if scope is None:
        return False
    region = target.region if isinstance(target, Household) else target
    return scope.covers_region(region)


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
    """The review queue a staff member sees: clues in their area."""
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
