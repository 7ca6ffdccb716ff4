"""What the back-office views of every app share (impact, producers, units, campaigns, payments).

Who may come in (``require_staff``, ``require_permission``), what a refusal
looks like (``forbidden_as_403``, ``forbidden_page``: the one 403 page), how a
service's ``ValidationError`` reaches the person (``form_add_errors``,
``messages_add_errors``, ``form_save``), and the staff-only menu item of the
Wagtail admin.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from wagtail.admin.menu import MenuItem

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def require_staff(user: User | AnonymousUser) -> User:
    """The user, if staff (their scope then decides what they see); PermissionDenied else."""
    if not user.is_authenticated or not user.is_staff:
        raise PermissionDenied
    return user


def require_permission(user: User | AnonymousUser, permission: str) -> None:
    """PermissionDenied unless the user holds ``permission`` ("app_label.codename")."""
    if not user.has_perm(permission):
        raise PermissionDenied


def forbidden_page(request: HttpRequest, *, reason: str | None = None) -> HttpResponse:
    """The back office's 403 page; ``reason`` says why (by default: outside the staff's county)."""
    return render(request, "backoffice/403.html", {"reason": reason}, status=403)


def forbidden_as_403(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A refusal is a 403 page, not Wagtail's redirect to the dashboard with a message."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            return forbidden_page(request)

    return wrapped


def form_add_errors(form: BaseForm, exc: ValidationError) -> None:
    """A service's ValidationError on the form: on its field where the form has one, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)


def messages_add_errors(request: HttpRequest, exc: ValidationError) -> None:
    """Each of a ValidationError's messages as an error message on the next page."""
    for message in exc.messages:
        messages.error(request, message)


def form_save(
    request: HttpRequest, form: BaseForm, save: Callable[[dict[str, Any]], object], done: str
) -> bool:
    """Save a valid form through its service; True (and ``done`` said) once it went through.

    False when the form is not valid or the service refused it; the service's
    errors are then on the form, for the page to show again.
    """
    if not form.is_valid():
        return False
    try:
        save(form.cleaned_data)
    except ValidationError as exc:
        form_add_errors(form, exc)
        return False
    messages.success(request, done)
    return True


class StaffMenuItem(MenuItem):
    """A Wagtail admin menu item shown to staff only."""

    def is_shown(self, request: HttpRequest) -> bool:
        return bool(request.user.is_staff)
