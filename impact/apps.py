from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImpactConfig(AppConfig):
    name = "impact"
    verbose_name = _("Impact")

    def ready(self) -> None:
        from .ledger import receivers as ledger_receivers  # noqa: F401
        from .monitoring import keys  # noqa: F401 (registers the PII keys' system check)
        from .monitoring import receivers as monitoring_receivers  # noqa: F401
        from .targeting import receivers as targeting_receivers  # noqa: F401
