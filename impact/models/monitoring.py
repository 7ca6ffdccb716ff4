"""The monitoring models: regions, households, their income and rigid expenditure, thresholds,
assessments and current levels, clues and their steps, help measures, self-declarations,
staff scopes and the audit log."""

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from ..fields import EncryptedTextField
from ..monitoring.pii import mask_id_number, mask_name, pii_hash
from ..monitoring.rules import Level

WARNING_LEVELS = [(level.value, f"{level.numeral} {level.colour}") for level in Level]


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
    notice_contact = models.CharField(
        _("contact for objections to the village notice"),
        max_length=64,
        blank=True,
        help_text=_("A village official named on the printed notice list (公示名单)."),
    )
    notice_phone = models.CharField(
        _("phone for objections to the village notice"), max_length=20, blank=True
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
    # Who changed what, when (修改记录); the copies of the name and ID number stay encrypted.
    history = HistoricalRecords(excluded_fields=["id_number_hash", "updated"])

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

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.id_number_hash = pii_hash(self.id_number)
        self.county = self.region.county
        super().save(*args, **kwargs)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def current_assessment(self) -> "Assessment | None":
        status = getattr(self, "status", None)
        return status.assessment if status is not None else None

    @property
    def current_level(self) -> int | None:
        status = getattr(self, "status", None)
        return status.level if status is not None else None

    @property
    def head_name_masked(self) -> str:
        return mask_name(self.head_name)


NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class Threshold(models.Model):
    """One year's national poverty standard and monitoring multiplier."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    national_standard = models.DecimalField(
        _("national poverty standard (yuan per person per year)"),
        validators=NON_NEGATIVE,
        max_digits=14,
        decimal_places=2,
    )
    multiplier = models.DecimalField(
        _("monitoring multiplier"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.50"),
        validators=[MinValueValidator(Decimal("1"))],
    )

    class Meta:
        verbose_name = _("threshold")
        verbose_name_plural = _("thresholds")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}"

    @property
    def line(self) -> Decimal:
        return self.national_standard * self.multiplier


class IncomeRecord(models.Model):
    """A household's income for one year, by source (yuan)."""

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="incomes"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    wages = models.DecimalField(
        _("wage income"), default=0, validators=NON_NEGATIVE, max_digits=14, decimal_places=2
    )
    operating = models.DecimalField(
        _("operating income"), default=0, validators=NON_NEGATIVE, max_digits=14, decimal_places=2
    )
    property_income = models.DecimalField(
        _("property income"), default=0, validators=NON_NEGATIVE, max_digits=14, decimal_places=2
    )
    transfers = models.DecimalField(
        _("transfer income"), default=0, validators=NON_NEGATIVE, max_digits=14, decimal_places=2
    )
    platform_included = models.DecimalField(
        _("of which platform payouts (其中平台兑付收入)"),
        default=0,
        validators=NON_NEGATIVE,
        max_digits=14,
        decimal_places=2,
        help_text=_(
            "How much of the income above the household already received as payouts recorded "
            "on the platform, so that it is not counted twice."
        ),
    )
    updated = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated"])

    class Meta:
        verbose_name = _("income record")
        verbose_name_plural = _("income records")
        ordering = ["household", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="income_one_per_year"),
            models.CheckConstraint(
                condition=models.Q(
                    wages__gte=0, operating__gte=0, property_income__gte=0, transfers__gte=0
                ),
                name="income_non_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(platform_included__gte=0),
                name="income_platform_included_non_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    platform_included__lte=models.F("wages")
                    + models.F("operating")
                    + models.F("property_income")
                    + models.F("transfers")
                ),
                name="income_platform_included_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}"

    @property
    def total(self) -> Decimal:
        return self.wages + self.operating + self.property_income + self.transfers

    def clean(self) -> None:
        amounts = (self.wages, self.operating, self.property_income, self.transfers)
        if self.platform_included is None or any(amount is None for amount in amounts):
            return  # the fields' own errors say what is missing
        if self.platform_included > self.total:
            raise ValidationError(
                {
                    "platform_included": _(
                        "The platform payouts included cannot be more than the year's total "
                        "income (%(total)s yuan)."
                    )
                    % {"total": self.total}
                }
            )


class RigidExpenditure(models.Model):
    """A large unavoidable outlay (刚性支出)."""

    class Cause(models.TextChoices):
        ILLNESS = "illness", _("Illness (因病)")
        DISABILITY = "disability", _("Disability (因残)")
        DISASTER = "disaster", _("Disaster (因灾)")
        SCHOOLING = "schooling", _("Schooling (因学)")
        EPIDEMIC = "epidemic", _("Epidemic (因疫)")
        OTHER = "other", _("Other (其他)")

    SPECIAL_CAUSES = [
        Cause.ILLNESS,
        Cause.DISABILITY,
        Cause.DISASTER,
        Cause.SCHOOLING,
        Cause.EPIDEMIC,
    ]

    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="expenditures",
    )
    date = models.DateField(_("date"))
    cause = models.CharField(_("cause"), max_length=12, choices=Cause.choices)
    amount = models.DecimalField(
        _("amount"), validators=NON_NEGATIVE, max_digits=14, decimal_places=2
    )
    resolved = models.BooleanField(_("resolved"), default=False)
    unable_to_work = models.PositiveSmallIntegerField(
        _("members temporarily unable to work"), default=0
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rigid expenditure")
        verbose_name_plural = _("rigid expenditures")
        ordering = ["household", "-date"]
        indexes = [models.Index(fields=["household", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="expenditure_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.date} {self.get_cause_display()}"


class Assessment(models.Model):
    """One run of the warning rules for one household: level, figures and every rule that fired."""

    class Channel(models.TextChoices):
        SCREENING = "screening", _("System screening (系统筛查比对)")
        DECLARATION = "declaration", _("Household self-declaration (农户申报)")
        PERIODIC = "periodic", _("Periodic comprehensive evaluation (定期综合评价)")

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="assessments"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    level = models.PositiveSmallIntegerField(
        _("warning level"),
        choices=WARNING_LEVELS,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    per_capita = models.DecimalField(
        _("per-capita disposable income"), max_digits=14, decimal_places=2
    )
    # Platform payouts counted in the income (not reversed, not disputed, not already in the
    # recorded income). Assessments written before payouts were recorded held the due ledger's
    # attributed amount here; their figures say so (``attributed_income``).
    platform_income = models.DecimalField(
        _("platform payouts counted"), max_digits=14, decimal_places=2
    )
    figures = models.JSONField(_("figures"))
    rules_fired = models.JSONField(_("rules fired"))
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    assessed_at = models.DateTimeField(_("assessed at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-assessed_at", "-pk"]
        indexes = [models.Index(fields=["household", "-assessed_at"])]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year} {self.level}"


class StaffScope(models.Model):
    """The area a monitoring staff member works in, and so their level in the review.

    ``region`` is a county, township or village: the staff member sees that area's
    households and clues and performs the review steps of that level (village:
    verification and the public notice; township: township review; county:
    approval). ``county`` is the county of ``region``, kept for the county-level
    reads (reports). Neither set: city staff, who see everything and act at no level.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="impact_scope"
    )
    county = models.ForeignKey(
        Region,
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"level": Region.Level.COUNTY},
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("area (county, township or village)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: the whole city, with no review level."),
    )

    class Meta:
        verbose_name = _("staff scope")
        verbose_name_plural = _("staff scopes")

    def __str__(self) -> str:
        return f"{self.user} → {self.region or self.county or '全市'}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.region is not None:
            self.county = self.region.county
        elif self.county is not None:
            self.region = self.county
        super().save(*args, **kwargs)

    @property
    def level(self) -> str | None:
        """The review level: "county", "township", "village", or None for city staff."""
        return self.region.level if self.region is not None else None


class Clue(models.Model):
    """A warning clue (预警线索) in the review queue: verified by staff in stages."""

    class Stage(models.TextChoices):
        OPEN = "open", _("Awaiting verification")
        VERIFIED = "verified", _("Verified (home visit and data cross-check)")
        NOTICE = "notice", _("Village review, public notice")
        TOWNSHIP = "township", _("Township review")
        APPROVED = "approved", _("County approval: monitored")
        ASSISTING = "assisting", _("Being assisted")
        ELIMINATED = "eliminated", _("Risk eliminated")
        DISMISSED = "dismissed", _("Not confirmed")

    CLOSED = [Stage.APPROVED, Stage.ASSISTING, Stage.ELIMINATED, Stage.DISMISSED]
    IN_REVIEW = [Stage.OPEN, Stage.VERIFIED, Stage.NOTICE, Stage.TOWNSHIP]

    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="clues",
        null=True,
        blank=True,
    )
    county = models.ForeignKey(
        Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.PROTECT, null=True, blank=True
    )
    declaration = models.OneToOneField(
        "Declaration",
        verbose_name=_("self-declaration"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clue",
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Assessment.Channel.choices)
    level = models.PositiveSmallIntegerField(
        _("warning level"), choices=WARNING_LEVELS, null=True, blank=True
    )
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices, default=Stage.OPEN)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    due_at = models.DateTimeField(_("review due"))
    notice_from = models.DateField(_("public notice from"), null=True, blank=True)
    notice_to = models.DateField(_("public notice to"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("warning clue")
        verbose_name_plural = _("warning clues")
        ordering = ["due_at"]
        indexes = [models.Index(fields=["county", "stage", "due_at"])]
        constraints = [
            # Evaluations never open a second clue for a household while one from the same
            # channel is in review (two runs at once used to); each self-declaration keeps its own.
            models.UniqueConstraint(
                fields=["household", "channel"],
                condition=models.Q(
                    stage__in=["open", "verified", "notice", "township"],
                    declaration__isnull=True,
                ),
                name="clue_one_in_review_per_household_channel",
            )
        ]

    def __str__(self) -> str:
        return f"{self.household_id or '-'} {self.get_stage_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.due_at is None:
            review_days = MonitoringSettings.load().review_days
            self.due_at = self.opened_at + datetime.timedelta(days=review_days)
        super().save(*args, **kwargs)

    @property
    def in_review(self) -> bool:
        return self.stage not in self.CLOSED

    @property
    def overdue(self) -> bool:
        return (
            self.stage
            in (self.Stage.OPEN, self.Stage.VERIFIED, self.Stage.NOTICE, self.Stage.TOWNSHIP)
            and timezone.now() > self.due_at
        )


class ClueStep(models.Model):
    """Who moved a clue to which stage, when and why. Never edited, never deleted."""

    clue = models.ForeignKey(Clue, on_delete=models.PROTECT, related_name="steps")
    stage = models.CharField(_("stage"), max_length=12, choices=Clue.Stage.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("clue step")
        verbose_name_plural = _("clue steps")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.clue_id} → {self.stage}"


class HelpMeasure(models.Model):
    """What was done for a household (帮扶措施)."""

    class Mode(models.TextChoices):
        SUPPORT = "扶", _("扶 policy support")
        LEAD = "带", _("带 a cadre leads")
        HELP = "帮", _("帮 targeted assistance")
        GUIDE = "引", _("引 skills, jobs, cooperatives")
        RAISE = "提", _("提 raise further")

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="measures"
    )
    clue = models.ForeignKey(
        Clue,
        verbose_name=_("clue"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="measures",
    )
    mode = models.CharField(_("help mode"), max_length=1, choices=Mode.choices)
    description = models.TextField(_("description"))
    cadre = models.CharField(_("responsible cadre"), max_length=64)
    started = models.DateField(_("started"))
    ended = models.DateField(_("ended"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("help measure")
        verbose_name_plural = _("help measures")
        ordering = ["-started", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended__isnull=True) | models.Q(ended__gte=models.F("started")),
                name="measure_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.mode} {self.started}"


class Declaration(models.Model):
    """A household's self-declaration from /declare/ (农户申报). Personal data encrypted."""

    name = EncryptedTextField(_("name"))
    id_number = EncryptedTextField(_("ID number"))
    id_number_hash = models.CharField(max_length=64, db_index=True, editable=False)
    phone = EncryptedTextField(_("phone"))
    village = models.ForeignKey(Region, verbose_name=_("village"), on_delete=models.PROTECT)
    cause = models.CharField(_("cause"), max_length=12, choices=RigidExpenditure.Cause.choices)
    amount = models.DecimalField(
        _("amount"), validators=NON_NEGATIVE, max_digits=14, decimal_places=2
    )
    date = models.DateField(_("date of the expenditure"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="declarations"
    )
    expenditure = models.OneToOneField(
        RigidExpenditure,
        verbose_name=_("rigid expenditure recorded"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="declaration",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("self-declaration")
        verbose_name_plural = _("self-declarations")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.pk} {self.created:%Y-%m-%d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.id_number_hash = pii_hash(self.id_number)
        super().save(*args, **kwargs)


class AuditEvent(models.Model):
    """A logged access: a revealed ID number, or a refused look outside one's county."""

    class Kind(models.TextChoices):
        REVEAL = "reveal", _("Unmasked personal data")
        DENIED = "denied", _("Access refused outside scope")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    path = models.CharField(_("path"), max_length=255, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at"]
        permissions = [("reveal_personal_data", "Can reveal households' unmasked ID numbers")]

    def __str__(self) -> str:
        return f"{self.kind} {self.user_id} {self.household_id} {self.at:%Y-%m-%d %H:%M}"


class HouseholdStatus(models.Model):
    """A household's current warning level: its latest assessment.

    Kept in its own narrow table so that the monthly evaluation rewrites a
    few small rows per household instead of the household record itself.
    """

    household = models.OneToOneField(
        Household, primary_key=True, on_delete=models.PROTECT, related_name="status"
    )
    level = models.PositiveSmallIntegerField(
        _("current warning level"), choices=WARNING_LEVELS, db_index=True
    )
    assessment = models.ForeignKey(
        Assessment,
        verbose_name=_("current assessment"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    assessed_at = models.DateTimeField(_("assessed at"))
    # The level the same assessment gives without platform payouts (same moment, same
    # thresholds); empty for levels assessed before it was kept. Platform payouts make the
    # difference now where it is lower than ``level``.
    level_without = models.PositiveSmallIntegerField(
        _("level without platform payouts"), choices=WARNING_LEVELS, null=True, blank=True
    )

    class Meta:
        verbose_name = _("current warning level")
        verbose_name_plural = _("current warning levels")

    def __str__(self) -> str:
        return f"{self.household_id}: {self.level}"


@register_setting(icon="cog")
class MonitoringSettings(BaseGenericSetting):
    """The monitoring rules' periods, editable by staff in the back office (Settings)."""

    rigid_window_days = models.PositiveSmallIntegerField(
        _("rigid expenditure counts for (days before the assessment)"), default=365
    )
    review_days = models.PositiveSmallIntegerField(_("days to verify a clue"), default=15)
    notice_days = models.PositiveSmallIntegerField(
        _("minimum days of village public notice"), default=5
    )
    stable_months = models.PositiveSmallIntegerField(
        _("months above the line before risk is eliminated"), default=6
    )

    class Meta:
        verbose_name = _("monitoring rules")


class EvaluationLock(models.Model):
    """The lock that lets one whole-population evaluation write at a time (a lease on one row).

    Taken by a conditional UPDATE (free, or its holder silent for too long), so it works the
    same on PostgreSQL and SQLite and spans the evaluation's many batch transactions; the
    holder renews ``heartbeat_at`` after every batch and frees it when done.
    """

    name = models.CharField(max_length=40, primary_key=True)
    holder = models.CharField(max_length=64, blank=True)
    what = models.CharField(max_length=200, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation lock")
        verbose_name_plural = _("evaluation locks")

    def __str__(self) -> str:
        return f"{self.name}: {self.holder or '-'}"


class ReassessmentRun(models.Model):
    """One whole evaluation, for the back office: why it ran, on which year, how far it got."""

    class Why(models.TextChoices):
        PERIODIC = "periodic", _("Monthly periodic evaluation")
        MANUAL = "manual", _("Re-assessment started by command")
        THRESHOLDS = "thresholds", _("Thresholds changed")
        SETTINGS = "settings", _("Monitoring rules changed")

    why = models.CharField(_("why"), max_length=12, choices=Why.choices)
    year = models.PositiveSmallIntegerField(_("year evaluated"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    total = models.PositiveIntegerField(_("households to evaluate"), default=0)
    done = models.PositiveIntegerField(_("households evaluated"), default=0)
    skipped = models.PositiveIntegerField(_("households without an income record"), default=0)
    clues_opened = models.PositiveIntegerField(_("clues opened"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("re-assessment run")
        verbose_name_plural = _("re-assessment runs")
        ordering = ["-queued_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_why_display()} {self.year or '-'} {self.queued_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        if self.finished_at is not None and not self.error:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def running(self) -> bool:
        return self.finished_at is None
