"""Work units (单位) that buy for their canteens, and the people who buy or pay for them.

The first slice of work-unit accounts: enough for checkout to offer pay after
delivery (先货后款) to members of an approved unit, on the unit's terms.
Invoice details, yearly plans and bulk ordering build on these models.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WorkUnit(models.Model):
    """A work unit (单位): a government office, institution, company or school with a canteen."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government or Party office")
        PUBLIC_INSTITUTION = "public_institution", _("Public institution")
        STATE_COMPANY = "state_company", _("State-owned company")
        SCHOOL = "school", _("School")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied, awaiting review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    has_canteen = models.BooleanField(_("has a canteen"), default=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.APPLIED
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"),
        default=30,
        validators=[MinValueValidator(1)],
        help_text=_("An order paid after delivery is due this many days after it ships."),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("work unit")
        verbose_name_plural = _("work units")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(payment_terms_days__gte=1), name="work_unit_terms_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="approved") | models.Q(approved_at__isnull=False),
                name="work_unit_approval_dated",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


class WorkUnitStep(models.Model):
    """One step of a unit's review: registered, approved or rejected; who, when, why. Kept for ever."""

    unit = models.ForeignKey(WorkUnit, on_delete=models.PROTECT, related_name="steps")
    status = models.CharField(_("status"), max_length=12, choices=WorkUnit.Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, null=True
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("work unit review step")
        verbose_name_plural = _("work unit review steps")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.status}"


class WorkUnitMember(models.Model):
    """A person who acts for a unit; a user belongs to at most one unit."""

    class Role(models.TextChoices):
        BUYER = "buyer", _("Buyer")
        FINANCE = "finance", _("Finance")
        ADMINISTRATOR = "administrator", _("Administrator")

    unit = models.ForeignKey(
        WorkUnit, verbose_name=_("work unit"), on_delete=models.PROTECT, related_name="members"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="work_unit_membership",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("work unit member")
        verbose_name_plural = _("work unit members")
        ordering = ["unit", "role", "pk"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.unit})"
