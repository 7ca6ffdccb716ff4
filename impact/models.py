from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .fields import EncryptedTextField
from .pii import mask_id_number, mask_name, pii_hash


class Region(models.Model):
    """An administrative division: county/district → township → village."""

    class Level(models.TextChoices):
        COUNTY = "county", _("County or district")
        TOWNSHIP = "township", _("Township")
        VILLAGE = "village", _("Village or community")

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(
        _("division code"),
        max_length=12,
        blank=True,
        help_text=_("The official administrative division code, where known."),
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~models.Q(code=""), name="region_code_unique"
            ),
            models.UniqueConstraint(fields=["parent", "name"], name="region_name_unique_in_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def county(self) -> "Region":
        region = self
        while region.level != self.Level.COUNTY and region.parent is not None:
            region = region.parent
        return region

    @property
    def full_name(self) -> str:
        names = []
        region: Region | None = self
        while region is not None:
            names.append(region.name)
            region = region.parent
        return "".join(reversed(names))


class Household(models.Model):
    """A registered rural household (农户)."""

    class Kind(models.TextChoices):
        EXITED = "exited", _("Exited poverty (脱贫户)")
        MARGINAL = "marginal", _("Marginal, prone to poverty (边缘易致贫户)")
        ORDINARY = "ordinary", _("Ordinary rural household (一般农户)")
        SUDDEN_HARDSHIP = "sudden", _("Sudden severe hardship (突发严重困难户)")

    code = models.CharField(_("household code"), max_length=32, unique=True)
    head_name = EncryptedTextField(_("head of household"))
    id_number = EncryptedTextField(_("ID number of the head"))
    id_number_hash = models.CharField(max_length=64, db_index=True, editable=False)
    region = models.ForeignKey(
        Region,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="households",
    )
    county = models.ForeignKey(
        Region,
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="county_households",
        editable=False,
    )
    members = models.PositiveSmallIntegerField(_("resident members"))
    labour = models.PositiveSmallIntegerField(_("members able to work"))
    kind = models.CharField(_("household type"), max_length=10, choices=Kind.choices)
    subsistence = models.BooleanField(
        _("enrolled in subsistence allowance or destitute support (低保/特困)"), default=False
    )
    basic_needs_met = models.BooleanField(
        _("two assurances and three guarantees met (两不愁三保障)"), default=True
    )
    safe_water = models.BooleanField(_("safe drinking water"), default=True)
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible cadre"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="households",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(members__gt=0), name="household_members_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(labour__lte=models.F("members")),
                name="household_labour_within_members",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.id_number_hash = pii_hash(self.id_number)
        self.county = self.region.county
        super().save(*args, **kwargs)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def head_name_masked(self) -> str:
        return mask_name(self.head_name)
