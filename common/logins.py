"""Login throttling and lockout (django-axes) on the shop, dashboard and CMS login forms.

Rules (settings, from the environment; README "Sign-in and abuse limits"):

- an account (the name typed: a username, an e-mail address or a mobile number, the
  last counted as E.164 however it was typed) is locked after ``AXES_FAILURE_LIMIT``
  failed logins from anywhere;
- an address (``common.client.client_ip``) is locked after
  ``LOGIN_FAILURES_PER_ADDRESS`` failed logins across every account name;
- both for ``AXES_COOLOFF_TIME`` after the last counted failure; while locked, even the
  right password is refused, and staff may unlock (``cms/security/lockouts/``).

django-axes knows one failure limit for all its lockout parameters;
``LoginLockoutHandler`` counts the account and the address separately, each
against its own limit. Its attempts live in the database (rolled back with each
test's transaction; the live-server tests' flush empties them).
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _


def login_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """The account name a login attempt is counted against: what was typed, trimmed, casefolded.

    Every login form here (the shop's, the dashboard's, Wagtail's: ``common.login_forms``)
    authenticates with ``username=``; the shop's form posts it as ``login-username``.
    Casefolded, so ``Admin`` and ``admin`` are one account to the counter (never more
    lenient); a mobile number is counted as E.164, so ``138 1234 5678`` and
    ``+8613812345678`` are one account too.
    """
    from .accounts import mobile_normalise

    value = None
    if credentials:
        value = credentials.get("username")
    if value is None and request is not None:
        value = request.POST.get("username") or request.POST.get("login-username")
    if value is None:
        return None
    name = str(value).strip()
    return (mobile_normalise(name) or name).casefold()[:255]


class LoginLockoutBackend(AxesStandaloneBackend):
    """django-axes' standalone backend, first in AUTHENTICATION_BACKENDS.

    A call to ``authenticate`` without a request is not a login form: Oscar's
    registration authenticates the password just chosen that way, and Django's test
    client's ``login()`` too. Axes would raise ``AxesBackendRequestParameterRequired``
    (a 500 on registration); here it is left to the next backends. Every login form
    passes its request, so every one is throttled.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


class AccountBackend(ModelBackend):
    """One user for a username, an e-mail address or a mobile number (``users_for_login``).

    In place of Oscar's ``EmailBackend`` and Django's ``ModelBackend`` (whose
    permissions it keeps): a name that means more than one account (an e-mail address
    several accounts share) is refused, as Oscar's backend refuses it, whatever the
    password; so is an inactive account.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        from .accounts import users_for_login

        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if not username or password is None:
            return None
        users = users_for_login(name=username)
        if len(users) != 1:
            # As long as a real check would take (Django's ModelBackend does the same).
            get_user_model()().set_password(password)
            return None
        user = users[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


class LoginLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler, with a limit for the account and another for the address.

    ``AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]`` gives two sets of recent
    attempts: the account's (from any address) and the address's (under any account
    name). Axes locks when ``get_failures`` reaches ``AXES_FAILURE_LIMIT``; this returns
    the account's failures, or at least the limit once the address has reached
    ``LOGIN_FAILURES_PER_ADDRESS``.
    """

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        by_account, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if by_address >= settings.LOGIN_FAILURES_PER_ADDRESS:
            return max(by_account, settings.AXES_FAILURE_LIMIT)
        return by_account


def lockout_message() -> str:
    minutes = int(get_cool_off().total_seconds() // 60) if get_cool_off() else 0
    return _(
        "Too many failed sign-in attempts: this account or this network is locked for "
        "%(minutes)d minutes. Try again later, or ask platform operations to unlock it."
    ) % {"minutes": minutes}


_FORM_KEYS = ("form", "login_form")


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page itself, its form showing why (status 429).

    Each login view (Oscar's shop and dashboard, Wagtail's) answers a refused login with
    its form and a generic error; that form's errors are replaced by the lockout message
    and the page rendered again, in the visitor's language and the site's style. A view
    that answered otherwise gets the standalone page ``registration/locked_out.html``.
    """
    message = lockout_message()
    if isinstance(original_response, TemplateResponse) and original_response.context_data:
        context = original_response.context_data
        for key in _FORM_KEYS:
            form = context.get(key)
            if form is not None and hasattr(form, "_errors") and form._errors is not None:
                form._errors[NON_FIELD_ERRORS] = form.error_class([message], error_class="nonfield")
                context["locked_out"] = True  # for a template that words a refusal its own way
                original_response.content = original_response.rendered_content
                original_response.status_code = 429
                return original_response
    return render(request, "registration/locked_out.html", {"message": message}, status=429)
