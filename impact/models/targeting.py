"""Targeting figures (issue #21): the lift of ¥1,000 of sales and the gap to the line, stored.

Both tables are projections computed by ``impact.targeting`` from the benefit links in force,
the current prices and the households' current figures; they hold aggregates only (counts and
sums, never a household). Rebuilt by ``targeting_refresh_all`` and kept current for the
households a change touches by ``targeting_refresh_households``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LiftFigure(models.Model):
    """预计: what ¥1,000 of sales of a product, a producer's or a county's products would pay out."""

    class Scope(models.TextChoices):
        PRODUCT = "product", _("product")
        PRODUCER = "producer", _("producer")
        COUNTY = "county", _("county")

    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    scope_id = models.PositiveIntegerField(_("scope id"))
    # The producer's county (product and producer scopes; the county itself for a county):
    # lets a county's products be ranked in one query, and its rows be replaced together.
    county_id = models.PositiveIntegerField(_("county"), null=True, blank=True)
    to_warning = models.DecimalField(
        _("projected to households in warning"), max_digits=14, decimal_places=2
    )
    to_all = models.DecimalField(
        _("projected to all linked households"), max_digits=14, decimal_places=2
    )
    households_reached = models.PositiveIntegerField(_("households reached"))
    households_in_warning = models.PositiveIntegerField(_("households in warning reached"))
    crossing = models.PositiveIntegerField(_("households it would take over the line"))
    by_level = models.JSONField(_("households reached by warning level"), default=dict)
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("lift per ¥1,000 (projected)")
        verbose_name_plural = _("lifts per ¥1,000 (projected)")
        constraints = [
            models.UniqueConstraint(fields=["scope", "scope_id"], name="lift_figure_scope"),
        ]
        indexes = [
            models.Index(
                fields=["scope", "county_id", "-to_warning"], name="lift_figure_county_rank"
            ),
            models.Index(fields=["scope", "-to_warning"], name="lift_figure_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.scope_id}: {self.to_warning}"


class GapFigure(models.Model):
    """How far the households in warning of an area, or reached by a product's links, are from the line."""

    class Scope(models.TextChoices):
        VILLAGE = "village", _("village")
        TOWNSHIP = "township", _("township")
        COUNTY = "county", _("county")
        PRODUCT = "product", _("product")
        PRODUCER = "producer", _("producer")

    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    scope_id = models.PositiveIntegerField(_("scope id"))
    # The county the scope is in (areas: their county; products and producers: the producer's).
    county_id = models.PositiveIntegerField(_("county"), null=True, blank=True)
    households_in_warning = models.PositiveIntegerField(_("households in warning"))
    within_200 = models.PositiveIntegerField(_("within ¥200 per person"))
    within_500 = models.PositiveIntegerField(_("within ¥500 per person"))
    within_1000 = models.PositiveIntegerField(_("within ¥1,000 per person"))
    within_2000 = models.PositiveIntegerField(_("within ¥2,000 per person"))
    total_needed = models.DecimalField(_("total still needed"), max_digits=14, decimal_places=2)
    unreachable = models.PositiveIntegerField(_("unreachable by sales"))
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("gap to the line")
        verbose_name_plural = _("gaps to the line")
        constraints = [
            models.UniqueConstraint(fields=["scope", "scope_id"], name="gap_figure_scope"),
        ]
        indexes = [models.Index(fields=["scope", "county_id"], name="gap_figure_county")]

    def __str__(self) -> str:
        return f"{self.scope} {self.scope_id}: {self.households_in_warning}"
