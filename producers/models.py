from django.db import models
from django.utils.translation import gettext_lazy as _


class Producer(models.Model):
    """A producer (生产主体) selling on the platform; one Oscar partner each."""

    class Kind(models.TextChoices):
        COOPERATIVE = "cooperative", _("Cooperative (合作社)")
        ENTERPRISE = "enterprise", _("Leading enterprise (龙头企业)")
        HOUSEHOLD = "household", _("Household selling directly (农户)")

    partner = models.OneToOneField(
        "partner.Partner",
        verbose_name=_("shop partner"),
        on_delete=models.PROTECT,
        related_name="producer",
    )
    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(
        "impact.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="producers",
    )
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    contact_name = models.CharField(_("contact"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    story = models.TextField(_("story"), blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("producer")
        verbose_name_plural = _("producers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def county(self):  # type: ignore[no-untyped-def]
        return self.region.county
