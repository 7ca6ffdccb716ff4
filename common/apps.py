from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    """What every part shares; its one model is a user's mobile number (``common.accounts``)."""

    name = "common"
    verbose_name = _("Accounts and shared parts")
