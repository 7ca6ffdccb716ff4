"""One login form everywhere: the shop, the shop dashboard and the CMS (issue #19).

The same field (``username``: a username, an e-mail address or a mobile number),
the same label and the same error messages on the three forms; each keeps what its
place needs besides (the shop's ``redirect_url``, Wagtail's "remember me"). Who the
name means is ``common.accounts.users_for_login``, through ``common.logins.AccountBackend``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from oscar.apps.customer.forms import EmailAuthenticationForm
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm

LOGIN_NAME_LABEL = _("Username / e-mail / mobile number")
LOGIN_NAME_PLACEHOLDER = _("Username, e-mail or mobile number")
LOGIN_NAME_REQUIRED = _("Enter your username, e-mail or mobile number.")
LOGIN_NAME_MAX_LENGTH = 254  # an e-mail address at its longest

LOGIN_ERROR_MESSAGES = {
    **AuthenticationForm.error_messages,
    "invalid_login": _(
        "The username, e-mail or mobile number and the password do not match. "
        "Please try again (the password is case-sensitive)."
    ),
    "inactive": _("This account is inactive."),
}


def login_name_field() -> forms.CharField:
    return forms.CharField(
        label=LOGIN_NAME_LABEL,
        max_length=LOGIN_NAME_MAX_LENGTH,
        error_messages={"required": LOGIN_NAME_REQUIRED},
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "username",
                "autocapitalize": "none",
                "placeholder": LOGIN_NAME_PLACEHOLDER,
            }
        ),
    )


class OneLoginMixin:
    """What the three forms share besides their ``username`` field and messages."""

    fields: dict[str, forms.Field]

    def _one_login_setup(self) -> None:
        # AuthenticationForm sets the user model's username length (150); an e-mail is longer.
        field = self.fields["username"]
        assert isinstance(field, forms.CharField)
        field.max_length = LOGIN_NAME_MAX_LENGTH
        field.widget.attrs["maxlength"] = str(LOGIN_NAME_MAX_LENGTH)
        field.label = LOGIN_NAME_LABEL
        field.widget.attrs["placeholder"] = LOGIN_NAME_PLACEHOLDER
        self.fields["password"].label = _("Password")


class LoginForm(OneLoginMixin, AuthenticationForm):
    """The shop dashboard's login form (``/shop/dashboard/login/``)."""

    username = login_name_field()
    error_messages = LOGIN_ERROR_MESSAGES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._one_login_setup()


class ShopLoginForm(OneLoginMixin, EmailAuthenticationForm):
    """The shop's login form (``/shop/accounts/login/``): Oscar's, keeping its ``redirect_url``."""

    username = login_name_field()
    error_messages = LOGIN_ERROR_MESSAGES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._one_login_setup()


class CmsLoginForm(OneLoginMixin, WagtailLoginForm):
    """The CMS's login form (``/cms/login/``, ``WAGTAILADMIN_USER_LOGIN_FORM``)."""

    username = login_name_field()
    error_messages = LOGIN_ERROR_MESSAGES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._one_login_setup()

    def get_invalid_login_error(self) -> forms.ValidationError:
        return forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
