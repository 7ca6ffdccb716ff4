from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    """The site's pages (Wagtail) and the livestream campaigns (``cms/campaigns/``)."""

    name = "cms"
    verbose_name = _("Site pages")

    def ready(self) -> None:
        from . import receivers  # noqa: F401
        from .spreadsheet_exports import wagtail_exports_guard

        wagtail_exports_guard()
