"""The official monitoring status (监测对象): a household included by the county's approval of a
clue, with its type, and later its risk elimination (风险消除).

The machine's warning level (``HouseholdStatus``) is a screening result; only this record says
that a household is a monitoring target. Records are kept, never deleted: an elimination fills
in the elimination fields of the current record, and a later inclusion is a new record.
"""

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .monitoring import Clue, Household


class MonitoringTarget(models.Model):
    """A household officially included as a monitoring target (监测对象), until its risk is eliminated."""

    class Type(models.TextChoices):
        UNSTABLE = "unstable", _("Unstable after exiting poverty (脱贫不稳定户)")
        MARGINAL = "marginal", _("Marginal, prone to poverty (边缘易致贫户)")
        SUDDEN = "sudden", _("Sudden severe hardship (突发严重困难户)")

    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="targets",
    )
    type = models.CharField(_("monitoring target type"), max_length=10, choices=Type.choices)
    clue = models.ForeignKey(
        Clue,
        verbose_name=_("clue that included it"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="targets",
    )
    included_on = models.DateField(_("included on"))
    included_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("included by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    eliminated_on = models.DateField(_("risk eliminated on"), null=True, blank=True)
    eliminated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("risk eliminated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    elimination_reason = models.TextField(_("why the risk is eliminated"), blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("monitoring target")
        verbose_name_plural = _("monitoring targets")
        ordering = ["-included_on", "-pk"]
        indexes = [
            models.Index(fields=["included_on"]),
            models.Index(fields=["eliminated_on"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(eliminated_on__isnull=True),
                name="monitoring_target_one_current_per_household",
            ),
            models.CheckConstraint(
                condition=models.Q(eliminated_on__isnull=True, elimination_reason="")
                | (
                    models.Q(eliminated_on__isnull=False)
                    & ~models.Q(elimination_reason="")
                    & models.Q(eliminated_on__gte=models.F("included_on"))
                ),
                name="monitoring_target_elimination_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.get_type_display()} {self.included_on}"

    @property
    def current(self) -> bool:
        return self.eliminated_on is None

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("monitoring targets are kept, never deleted")
