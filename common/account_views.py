"""Our stand-ins for Oscar's login and profile views (issue #19; shop/FORKS.md).

Mounted in ``config/urls.py`` (the shop's) and ``shop/dashboard/apps.py`` (the
dashboard's) at Oscar's own paths; the CMS's form is a setting
(``WAGTAILADMIN_USER_LOGIN_FORM``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from oscar.apps.customer.views import AccountAuthView as OscarAccountAuthView
from oscar.apps.customer.views import ProfileUpdateView as OscarProfileUpdateView
from oscar.apps.customer.views import ProfileView as OscarProfileView
from oscar.apps.dashboard.views import LoginView as OscarDashboardLoginView

from .account_forms import ProfileForm
from .accounts import user_mobile
from .login_forms import LoginForm, ShopLoginForm


class AccountAuthView(OscarAccountAuthView):
    """The shop's sign-in and registration page: signs in by username, e-mail or mobile."""

    login_form_class = ShopLoginForm


class DashboardLoginView(OscarDashboardLoginView):
    """The shop dashboard's sign-in page, with the same form as the shop's and the CMS's."""

    authentication_form = LoginForm


class ProfileView(OscarProfileView):
    """The shop profile, showing the mobile number too."""

    def get_profile_fields(self, user: User) -> list[dict[str, Any]]:
        fields: list[dict[str, Any]] = super().get_profile_fields(user)
        fields.append({"name": _("Mobile number"), "value": user_mobile(user=user) or "-"})
        return fields


class ProfileUpdateView(OscarProfileUpdateView):
    """The shop profile's edit page, with the mobile number."""

    form_class = ProfileForm

    def form_valid(self, form: ProfileForm) -> HttpResponse:
        try:
            with transaction.atomic():  # the name and e-mail are not kept without the number
                return super().form_valid(form)
        except ValidationError:  # the number was taken by another account meanwhile
            return self.form_invalid(form)
