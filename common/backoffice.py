"""What the back-office views of every app share (impact, producers, units, campaigns).

Who may come in (``require_staff``, ``require_permission``), what a refusal
looks like (``forbidden_as_403``, ``forbidden_page``: the one 403 page), and
the staff-only menu item of the Wagtail admin. How a service's refusal reaches
the person is ``common.forms``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from wagtail.admin.menu import MenuItem

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

Response = TypeVar("Response", bound=HttpResponseBase)


def require_staff(user: User | AnonymousUser) -> User:
    """The user, if staff; PermissionDenied else.

    Staff (``is_staff``) are the platform's operations and the county, township and
    village monitoring staff; ``StaffScope`` then narrows what each sees to a county
    (``impact.monitoring.access.staff_scope``). Consumers, canteen buyers, producers'
    users and campaign cadres are not staff: tests/common/test_backoffice_roles.py tries
    each of them against every page that calls this.
    """
    if not user.is_authenticated or not user.is_staff:
        raise PermissionDenied
    return user


def require_monitoring(user: User | AnonymousUser) -> User:
    """The user, if monitoring staff (a ``StaffScope``: county, township, village or the whole
    city) or a superuser; PermissionDenied else.

    Platform operations and finance are staff too, but hold no area: the monitoring pages
    (households, clues, notices, reports, exports, payouts) are not theirs (``common.roles``).
    """
    staff = require_staff(user)
    if not is_monitoring(staff):
        raise PermissionDenied
    return staff


def is_monitoring(user: User | AnonymousUser) -> bool:
    """Whether ``user`` is monitoring staff (a ``StaffScope``) or a superuser (remembered on
    the user object for the request)."""
    from impact.models import StaffScope

    if not user.is_authenticated or not user.is_staff:
        return False
    if user.is_superuser:
        return True
    cached: bool | None = getattr(user, "_yx_monitoring", None)
    if cached is None:
        cached = StaffScope.objects.filter(user=user).exists()
        setattr(user, "_yx_monitoring", cached)  # noqa: B010 (a request-long memo)
    return cached


def require_permission(user: User | AnonymousUser, permission: str) -> None:
    """PermissionDenied unless the user holds ``permission`` ("app_label.codename")."""
    if not user.has_perm(permission):
        raise PermissionDenied


def forbidden_page(request: HttpRequest, *, reason: str | None = None) -> HttpResponse:
    """The back office's 403 page; ``reason`` says why (by default: outside the staff's county)."""
    return render(request, "backoffice/403.html", {"reason": reason}, status=403)


def forbidden_as_403(view: Callable[..., Response]) -> Callable[..., Response | HttpResponse]:
    """A refusal is a 403 page, not Wagtail's redirect to the dashboard with a message."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Response | HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            return forbidden_page(request)

    return wrapped


class StaffMenuItem(MenuItem):
    """A Wagtail admin menu item shown to monitoring staff (``require_monitoring``: a
    ``StaffScope``) and superusers, and to staff holding ``permission`` if one is given.

    Only the menu: the pages behind it call ``require_monitoring`` (or check the
    permission) themselves.
    """

    def __init__(self, *args: Any, permission: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request: HttpRequest) -> bool:
        user = request.user
        if not user.is_staff:
            return False
        if self.permission is not None and user.has_perm(self.permission):
            return True
        return is_monitoring(user)


class PermissionMenuItem(MenuItem):
    """A Wagtail admin menu item shown to staff holding ``permission`` ("app_label.codename").

    Only the menu: the pages behind it check the same permission themselves.
    """

    def __init__(self, *args: Any, permission: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request: HttpRequest) -> bool:
        return bool(request.user.is_staff and request.user.has_perm(self.permission))
