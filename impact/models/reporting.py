"""Summary tables for the reports.

Kept current by the ledger, in the same transaction as the entries they sum
(``impact.ledger.rollups``), and rebuilt from the ledger by ``impact_rollup --rebuild``.
Keys are plain ids (0 for "none") so that one upsert can add to a row whatever its key.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .monitoring import WARNING_LEVELS, Region

# The columns that make a row of the monthly sales (and attributed income) summaries one row.
SALES_MONTH_KEY = ("month", "county_id", "partner_id", "product_id", "campaign_id", "buyer")
ATTRIBUTION_MONTH_KEY = (*SALES_MONTH_KEY, "income_source")


class BuyerType(models.TextChoices):
    CONSUMER = "consumer", _("Consumer")
    UNIT = "unit", _("Work unit")


class SalesMonth(models.Model):
    """Paid sales of one product in one month, net of refunds (a refund counts in its own month)."""

    month = models.DateField(_("month"))
    county_id = models.IntegerField(_("producer's county"))
    partner_id = models.IntegerField(_("producer (partner)"))
    product_id = models.IntegerField(_("product"))
    campaign_id = models.IntegerField(_("campaign"), default=0)
    buyer = models.CharField(_("buyer type"), max_length=8, choices=BuyerType.choices)
    amount = models.DecimalField(_("sales"), max_digits=14, decimal_places=2)
    quantity = models.IntegerField(_("quantity"))

    class Meta:
        verbose_name = _("monthly sales")
        verbose_name_plural = _("monthly sales")
        constraints = [models.UniqueConstraint(fields=SALES_MONTH_KEY, name="sales_month_key")]
        indexes = [models.Index(fields=["county_id", "month"], name="sales_month_county")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} product {self.product_id}: {self.amount}"


class AttributionMonth(models.Model):
    """Attributed income in one month, net of reversals, by the households' county and the sale."""

    month = models.DateField(_("month"))
    county_id = models.IntegerField(_("households' county"))
    partner_id = models.IntegerField(_("producer (partner)"))
    product_id = models.IntegerField(_("product"))
    campaign_id = models.IntegerField(_("campaign"), default=0)
    buyer = models.CharField(_("buyer type"), max_length=8, choices=BuyerType.choices)
    income_source = models.CharField(_("income source"), max_length=16)
    amount = models.DecimalField(_("attributed income"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("monthly attributed income")
        verbose_name_plural = _("monthly attributed income")
        constraints = [
            models.UniqueConstraint(fields=ATTRIBUTION_MONTH_KEY, name="attribution_month_key")
        ]
        indexes = [models.Index(fields=["county_id", "month"], name="attribution_month_county")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} product {self.product_id}: {self.amount}"


class HouseholdPeriodIncome(models.Model):
    """One household's attributed income in one period: a year ("2026"), a quarter ("2026Q2"),
    a month ("2026-05") or all time ("all"). What "households reached" and the median read."""

    period = models.CharField(_("period"), max_length=7)
    household_id = models.IntegerField(_("household"))
    county_id = models.IntegerField(_("county"))
    amount = models.DecimalField(_("attributed income"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("household income by period")
        verbose_name_plural = _("household income by period")
        constraints = [
            models.UniqueConstraint(fields=["period", "household_id"], name="household_period_key")
        ]
        indexes = [
            models.Index(fields=["period", "county_id", "amount"], name="household_period_county")
        ]

    def __str__(self) -> str:
        return f"{self.period} household {self.household_id}: {self.amount}"


class LevelSnapshot(models.Model):
    """How many households of a village stood at each warning level at the end of a month."""

    month = models.DateField(_("month"))
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", null=True)
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(_("warning level"), choices=WARNING_LEVELS)
    households = models.PositiveIntegerField(_("households"))

    class Meta:
        verbose_name = _("warning levels at month end")
        verbose_name_plural = _("warning levels at month end")
        constraints = [
            models.UniqueConstraint(fields=["month", "village", "level"], name="level_snapshot_key")
        ]
        indexes = [models.Index(fields=["month", "county"], name="level_snapshot_county")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} village {self.village_id} level {self.level}: {self.households}"


class ReachPeriod(models.Model):
    """What one buyer's orders ("user", all time) or one producer's sales ("partner", by year,
    quarter, month and all time) brought one household: "my impact" and a producer's figures."""

    class Owner(models.TextChoices):
        USER = "user", _("Buyer")
        PARTNER = "partner", _("Producer")

    owner = models.CharField(_("whose"), max_length=8, choices=Owner.choices)
    owner_id = models.IntegerField(_("buyer or producer (partner)"))
    period = models.CharField(_("period"), max_length=7)
    household_id = models.IntegerField(_("household"))
    county_id = models.IntegerField(_("county"))
    amount = models.DecimalField(_("attributed income"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("income reached by a buyer or producer")
        verbose_name_plural = _("income reached by buyers and producers")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "owner_id", "period", "household_id"], name="reach_period_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.owner_id} {self.period} household {self.household_id}"


class BuyerMonth(models.Model):
    """What one buyer's paid orders brought households in one month, net of refunds."""

    user_id = models.IntegerField(_("buyer"))
    month = models.DateField(_("month"))
    amount = models.DecimalField(_("attributed income"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("a buyer's monthly impact")
        verbose_name_plural = _("buyers' monthly impact")
        constraints = [models.UniqueConstraint(fields=["user_id", "month"], name="buyer_month_key")]

    def __str__(self) -> str:
        return f"buyer {self.user_id} {self.month:%Y-%m}: {self.amount}"
