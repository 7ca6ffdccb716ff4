from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    """Work units (单位) that buy for their canteens: part of the shop, under its own label."""

    name = "shop.units"
    label = "units"
    verbose_name = _("Work units")

    def ready(self) -> None:
        from . import receivers  # noqa: F401
