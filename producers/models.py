import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.uploads import DocumentField

if TYPE_CHECKING:
    from impact.models import Region


# Wagtail is untyped: django-stubs finds no manager on the page models pointing here (cms).
class Producer(models.Model):  # type: ignore[django-manager-missing]
    """A producer (生产主体) selling on the platform; one Oscar partner each."""

    class Kind(models.TextChoices):
        COOPERATIVE = "cooperative", _("Cooperative (合作社)")
        ENTERPRISE = "enterprise", _("Leading enterprise (龙头企业)")
        HOUSEHOLD = "household", _("Household selling directly (农户)")

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied, awaiting the county's recommendation")
        RECOMMENDED = "recommended", _("Recommended by the county, awaiting platform review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

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
    status = models.CharField(
        _("onboarding status"), max_length=12, choices=Status.choices, default=Status.APPLIED
    )
    linkage = models.TextField(_("how the producer's income reaches farmers"), blank=True)
    # A PDF or picture checked by its content, under a generated name, in the private
    # storage: downloaded only through producers.views.licence_file (common/uploads.py).
    licence = DocumentField(
        _("business licence (scan)"), upload_to="producers/licences/", blank=True
    )
    photo = models.ImageField(_("photo"), upload_to="producers/photos/", blank=True)
    contact_name = models.CharField(_("contact"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    story = models.TextField(_("story"), blank=True)
    # Kept by impact.ledger.arrears.arrears_suspension_refresh: its arrears to households exceed
    # PayoutSettings.suspend_above, so its products cannot be bought (shop.partner.strategy).
    arrears_suspended = models.BooleanField(
        _("sales suspended for unpaid dues to households"), default=False, editable=False
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("producer")
        verbose_name_plural = _("producers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def county(self) -> "Region":
        return self.region.county

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


class OnboardingStep(models.Model):
    """One step of a producer's onboarding, as the 832 platform runs it: who, when, why."""

    producer = models.ForeignKey(
        Producer, on_delete=models.PROTECT, related_name="onboarding_steps"
    )
    status = models.CharField(_("status"), max_length=12, choices=Producer.Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("onboarding step")
        verbose_name_plural = _("onboarding steps")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.producer_id} {self.status}"


class Certificate(models.Model):
    """A product's poverty-relief certification (扶贫产品认定), or a producer's licence or test report."""

    class Kind(models.TextChoices):
        CERTIFICATION = "certification", _("Poverty-relief product certification (扶贫产品认定)")
        LICENCE = "licence", _("Business or food licence")
        TEST_REPORT = "test_report", _("Product test report")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="certificates")
    product = models.ForeignKey(
        "catalogue.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    number = models.CharField(_("certificate number"), max_length=64)
    issuer = models.CharField(_("issuing body"), max_length=128)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    # Its scan (a PDF or picture), private like the licence: producers.views.certificate_file.
    document = DocumentField(_("scan or document"), upload_to="producers/certificates/", blank=True)
    created = models.DateTimeField(auto_now_add=True)
    # A renewal the producer uploads waits for platform finance (producers.services.
    # certificate_renew / certificate_review); only an approved certificate counts.
    status = models.CharField(
        _("review status"), max_length=12, choices=Status.choices, default=Status.APPROVED
    )
    renews = models.ForeignKey(
        "self",
        verbose_name=_("renews"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewals",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["valid_to"]
        indexes = [models.Index(fields=["product", "kind", "valid_from", "valid_to"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__gte=models.F("valid_from")),
                name="certificate_dates_in_order",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="certification") | models.Q(product__isnull=False),
                name="certification_names_a_product",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def clean(self) -> None:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("A certificate cannot end before it starts.")})
        if self.kind == self.Kind.CERTIFICATION and self.product_id is None:
            raise ValidationError({"product": _("A certification names the product it certifies.")})

    def is_current(self, on: datetime.date) -> bool:
        """Approved and valid on the day: a renewal awaiting review does not count yet."""
        return self.status == self.Status.APPROVED and self.valid_from <= on <= self.valid_to

    def days_left(self, on: datetime.date) -> int:
        """Days from ``on`` to the last valid day (0 on that day, negative once run out)."""
        return (self.valid_to - on).days


class CertificateReminder(models.Model):
    """A reminder sent before a certificate expires; one per certificate and lead time, ever."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "days_before"], name="reminder_once_per_lead_time"
            )
        ]

    def __str__(self) -> str:
        return f"{self.certificate_id} -{self.days_before}d"


class BenefitLink(models.Model):
    """How a producer's income reaches a household (利益联结)."""

    class Kind(models.TextChoices):
        PURCHASE = "purchase", _("Buys the household's produce (收购)")
        EMPLOYMENT = "employment", _("Employs household members (务工)")
        DIVIDEND = "dividend", _("Pays dividends (分红)")
        LAND_RENT = "land_rent", _("Rents the household's land (土地流转)")
        DIRECT = "direct", _("The household sells its own product (自产自销)")

    # Which income record column each kind of link adds to.
    INCOME_SOURCE = {
        Kind.PURCHASE: "operating",
        Kind.DIRECT: "operating",
        Kind.EMPLOYMENT: "wages",
        Kind.DIVIDEND: "property_income",
        Kind.LAND_RENT: "property_income",
    }

    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="benefit_links")
    product = models.ForeignKey(
        "catalogue.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Leave empty for all the producer's products."),
        related_name="benefit_links",
    )
    household = models.ForeignKey(
        "impact.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="benefit_links",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    per_unit = models.DecimalField(
        _("amount per unit sold (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    share = models.DecimalField(
        _("share of the line's net amount (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    reason = models.CharField(
        _("reason (required for a household outside the producer's county)"),
        max_length=255,
        blank=True,
    )
    created = models.DateTimeField(auto_now_add=True)
    # Who changed the link, when, from what to what (shown on the household's page).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("benefit link")
        verbose_name_plural = _("benefit links")
        ordering = ["producer", "household"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(per_unit__isnull=False) & models.Q(share__isnull=True))
                | (models.Q(per_unit__isnull=True) & models.Q(share__isnull=False)),
                name="link_one_rule",
            ),
            models.CheckConstraint(
                condition=models.Q(share__isnull=True)
                | (models.Q(share__gt=0) & models.Q(share__lte=100)),
                name="link_share_within_100",
            ),
            models.CheckConstraint(
                condition=models.Q(per_unit__isnull=True) | models.Q(per_unit__gt=0),
                name="link_per_unit_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="link_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.producer_id} → {self.household_id} ({self.kind})"

    @property
    def income_source(self) -> str:
        return self.INCOME_SOURCE[self.Kind(self.kind)]

    def applies_on(self, on: datetime.date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


class Shipment(models.Model):
    """A producer's shipment of its lines of an order: carrier and tracking number."""

    order = models.ForeignKey("order.Order", on_delete=models.PROTECT, related_name="shipments")
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="shipments")
    carrier = models.CharField(_("carrier"), max_length=64)
    tracking_number = models.CharField(_("tracking number"), max_length=64)
    shipped_at = models.DateTimeField(_("shipped at"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["shipped_at"]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"
