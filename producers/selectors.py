"""Reads of the producers app: who may read a producer's private documents."""

from __future__ import annotations

from typing import TYPE_CHECKING

from impact.monitoring.access import staff_scope

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from .models import Producer


def producer_documents_readable(*, user: User | AnonymousUser, producer: Producer) -> bool:
    """Whether the user may download the producer's licence and certificate scans.

    The producer's own users; superusers and the platform staff who review producers
    (staff with ``producers.change_producer``, who may approve them); and monitoring
    staff whose area (``staff_scope``) covers the producer's county, as the back
    office's producer pages do. Nobody else: not other producers, not visitors.
    """
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if producer.partner.users.filter(pk=user.pk).exists():
        return True
    if user.is_staff and user.has_perm("producers.change_producer"):
        return True
    scope = staff_scope(user)
    return scope is not None and scope.covers(producer.county.pk)
