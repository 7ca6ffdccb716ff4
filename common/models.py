"""A user's mobile number: one more name to sign in with (``common.logins.AccountBackend``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MobileNumber(models.Model):
    """A user's mainland mobile number, E.164 (``+8613812345678``), at most one account each.

    A one-to-one row beside ``auth.User`` (Oscar and Wagtail both use the stock user
    model); written only through ``common.accounts.user_mobile_set``, which normalises.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="mobile_number",
        verbose_name=_("user"),
    )
    number = models.CharField(_("mobile number"), max_length=16, unique=True)

    class Meta:
        verbose_name = _("mobile number")
        verbose_name_plural = _("mobile numbers")

    def __str__(self) -> str:
        return self.number
