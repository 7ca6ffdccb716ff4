"""The shop profile's form, with the user's mobile number (issue #19)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from oscar.apps.customer.forms import UserForm

from .accounts import mobile_clean, user_mobile, user_mobile_set


class ProfileForm(UserForm):
    """Oscar's profile form (name, e-mail) and a mainland mobile number, unique, to sign in with."""

    mobile = forms.CharField(
        label=_("Mobile number"),
        required=False,
        max_length=20,
        help_text=_("You may also sign in with it. Used by no other account."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        number = user_mobile(user=user)
        self.fields["mobile"].initial = number.removeprefix("+86")

    def clean_mobile(self) -> str:
        value = self.cleaned_data.get("mobile", "").strip()
        return mobile_clean(value, user=self.user) if value else ""

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=commit)
        try:
            user_mobile_set(user=user, number=self.cleaned_data["mobile"])
        except ValidationError as exc:  # taken between the check and the write
            self.add_error("mobile", exc)
            raise
        return user
