"""Current login lockouts, and unlocking them, in the back office (/cms/security/lockouts/).

Only platform operations: superusers and holders of ``axes.delete_accessattempt``
(unlocking deletes the failed attempts that locked an account or an address).
Account names are not household data and are shown; so are addresses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib import messages
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .backoffice import forbidden_as_403, require_permission

logger = logging.getLogger("yixiang.security")

UNLOCK_PERMISSION = "axes.delete_accessattempt"


@dataclass(frozen=True)
class Lockout:
    kind: str  # "account" or "address"
    value: str
    failures: int
    last_attempt: datetime
    until: datetime


def lockouts_current(*, now: datetime | None = None) -> list[Lockout]:
    """Accounts and addresses locked now: failures within the cool-off at or over their limit."""
    now = now or timezone.now()
    cool_off = get_cool_off()
    assert cool_off is not None  # settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(attempt_time__gte=now - cool_off)
    found: list[Lockout] = []
    for kind, field, limit in (
        ("account", "username", settings.AXES_FAILURE_LIMIT),
        ("address", "ip_address", settings.LOGIN_FAILURES_PER_ADDRESS),
    ):
        rows = (
            recent.exclude(**{f"{field}__isnull": True})
            .values(field)
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=limit)
            .order_by("-last")
        )
        found += [
            Lockout(kind, row[field], row["failures"], row["last"], row["last"] + cool_off)
            for row in rows
        ]
    return sorted(found, key=lambda lockout: lockout.last_attempt, reverse=True)


def lockout_clear(*, kind: str, value: str) -> int:
    """Deletes the failed attempts of an account name or an address; how many records went."""
    if kind == "account":
        return reset(username=value)
    if kind == "address":
        return reset(ip=value)
    raise ValueError(kind)


@forbidden_as_403
@require_http_methods(["GET", "POST"])
def lockout_list(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, UNLOCK_PERMISSION)
    if request.method == "POST":
        kind, value = request.POST.get("kind", ""), request.POST.get("value", "")
        if kind in {"account", "address"} and value:
            lockout_clear(kind=kind, value=value)
            logger.info("Login lockout cleared by user %s: %s", request.user.pk, kind)
            messages.success(request, _("Unlocked: %(value)s") % {"value": value})
        return redirect(reverse("security_lockouts"))
    return render(
        request,
        "backoffice/lockouts.html",
        {
            "lockouts": lockouts_current(),
            "account_limit": settings.AXES_FAILURE_LIMIT,
            "address_limit": settings.LOGIN_FAILURES_PER_ADDRESS,
            "minutes": int((get_cool_off() or timedelta()).total_seconds() // 60),
        },
    )
