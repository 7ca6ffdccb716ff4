"""What producers actually paid households (已兑付), and how each payment was checked.

The ledger (``impact.models.ledger``) holds what sales make *due* to a
household (应兑付). A ``Payout`` is money a producer says it paid one
household; its ``PayoutAllocation`` rows set it against that household's
oldest due amounts from the same producer, one (order line, benefit link) at a
time. A ``PayoutFollowUp`` is a village or township worker's call or visit to
the household to confirm it (回访核实). Only payouts that are not reversed and
not disputed count in the warning figures.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from .monitoring import Household


class Payout(models.Model):
    """One payment a producer made to one household."""

    class Method(models.TextChoices):
        BANK = "bank", _("Bank transfer (银行转账)")
        CASH = "cash", _("Cash (现金)")
        WECHAT = "wechat", _("WeChat Pay (微信)")
        ALIPAY = "alipay", _("Alipay (支付宝)")
        OFFSET = "offset", _("Offset against a debt (抵扣)")

    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", _("Not yet followed up")
        CONFIRMED = "confirmed", _("Confirmed by the household")
        DISPUTED = "disputed", _("Disputed by the household")
        NOT_REACHED = "not_reached", _("Household not reached")

    producer = models.ForeignKey(
        "producers.Producer",
        verbose_name=_("producer"),
        on_delete=models.PROTECT,
        related_name="payouts",
    )
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="payouts"
    )
    amount = models.DecimalField(
        _("amount (yuan)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    paid_on = models.DateField(_("paid on"))
    method = models.CharField(_("method"), max_length=8, choices=Method.choices)
    reference = models.CharField(
        _("reference (transfer number, receipt number)"), max_length=64, blank=True
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    # A sheet upload's payouts share one batch id; a payout recorded one by one has none.
    batch = models.CharField(_("upload batch"), max_length=32, blank=True, db_index=True)
    verification = models.CharField(
        _("follow-up"),
        max_length=12,
        choices=Verification.choices,
        default=Verification.UNVERIFIED,
        db_index=True,
    )
    # A payout recorded in error is reversed, never deleted: it then counts nowhere.
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reversed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reversal_reason = models.CharField(_("why reversed"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("payout to a household")
        verbose_name_plural = _("payouts to households")
        ordering = ["-paid_on", "-pk"]
        indexes = [
            models.Index(fields=["household", "paid_on"], name="payout_household_paid_on"),
            models.Index(fields=["producer", "paid_on"], name="payout_producer_paid_on"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payout_positive"),
            # The same transfer cannot be recorded twice for one household.
            models.UniqueConstraint(
                fields=["producer", "household", "reference"],
                condition=~models.Q(reference=""),
                name="payout_reference_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.producer_id} → {self.household_id}: {self.amount} ({self.paid_on})"

    @property
    def counts(self) -> bool:
        """Whether the payout counts as income received: not reversed and not disputed."""
        return self.reversed_at is None and self.verification != self.Verification.DISPUTED


class PayoutAllocation(models.Model):
    """The part of a payout set against what one paid order line made due through one link."""

    payout = models.ForeignKey(
        Payout, verbose_name=_("payout"), on_delete=models.PROTECT, related_name="allocations"
    )
    line = models.ForeignKey(
        "order.Line", verbose_name=_("order line"), on_delete=models.PROTECT, related_name="+"
    )
    link = models.ForeignKey(
        "producers.BenefitLink",
        verbose_name=_("benefit link"),
        on_delete=models.PROTECT,
        related_name="payout_allocations",
    )
    income_source = models.CharField(_("income source"), max_length=16)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("payout allocation")
        verbose_name_plural = _("payout allocations")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="allocation_positive"),
            models.UniqueConstraint(
                fields=["payout", "line", "link"], name="allocation_once_per_line_link"
            ),
        ]
        indexes = [models.Index(fields=["line", "link"], name="allocation_line_link")]

    def __str__(self) -> str:
        return f"{self.payout_id}: {self.line_id}/{self.link_id} {self.amount}"


class PayoutFollowUp(models.Model):
    """A village or township worker's check with the household that a payout arrived (回访核实)."""

    class Result(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed (已核实)")
        DISPUTED = "disputed", _("Disputed (有异议)")
        NOT_REACHED = "not_reached", _("Not reached (未联系上)")

    payout = models.ForeignKey(
        Payout, verbose_name=_("payout"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    result = models.CharField(_("result"), max_length=12, choices=Result.choices)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("payout follow-up")
        verbose_name_plural = _("payout follow-ups")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.payout_id}: {self.result}"


@register_setting(icon="cog")
class PayoutSettings(BaseGenericSetting):
    """How long producers have to pay households what sales made due, by kind of link."""

    monthly_days = models.PositiveSmallIntegerField(
        _("days to pay wages and purchase premiums (务工, 收购, 自产自销)"), default=31
    )
    yearly_days = models.PositiveSmallIntegerField(
        _("days to pay dividends and land rent (分红, 土地流转)"), default=366
    )
    suspend_above = models.DecimalField(
        _("suspend a producer's listings while it owes households more than this (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Leave empty never to suspend."),
    )

    class Meta:
        verbose_name = _("payouts to households")
