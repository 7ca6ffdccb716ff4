from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = _("Shop")

    def ready(self) -> None:
        from . import receivers  # noqa: F401
        from .analytics import analytics_receivers_connect

        analytics_receivers_connect()
