"""The attribution ledger's models: its entries, the outbox of jobs, and the levels sales moved."""

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .monitoring import WARNING_LEVELS, Assessment, Household


class AttributionEntry(models.Model):
    """One part of a paid order line reaching one household through one benefit link.

    Append-only: a refund writes a reversing entry (negative amount), never an
    update; the database refuses UPDATE and DELETE on this table (PostgreSQL
    triggers; on SQLite, UPDATE). One entry per (payment event, line, link).
    """

    class Kind(models.TextChoices):
        ATTRIBUTION = "attribution", _("Attribution")
        REVERSAL = "reversal", _("Reversal by refund")

    line = models.ForeignKey(
        "order.Line",
        verbose_name=_("order line"),
        on_delete=models.PROTECT,
        related_name="attributions",
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="attributions",
    )
    link = models.ForeignKey(
        "producers.BenefitLink",
        verbose_name=_("benefit link"),
        on_delete=models.PROTECT,
        related_name="attributions",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    income_source = models.CharField(_("income source"), max_length=16)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    year = models.PositiveSmallIntegerField(_("year"))
    payment_event = models.ForeignKey(
        "payments.PaymentEvent",
        verbose_name=_("payment event"),
        on_delete=models.PROTECT,
        related_name="attributions",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("attribution entry")
        verbose_name_plural = _("attribution entries")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment_event", "line", "link"],
                name="attribution_once_per_event_line_link",
            ),
            models.CheckConstraint(
                condition=(models.Q(kind="attribution") & models.Q(amount__gt=0))
                | (models.Q(kind="reversal") & models.Q(amount__lt=0)),
                name="attribution_sign_matches_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["household", "year"], name="attribution_household_year"),
            models.Index(fields=["line", "link"], name="attribution_line_link"),
        ]

    def __str__(self) -> str:
        return f"{self.line_id} → {self.household_id}: {self.amount}"


class AttributionJob(models.Model):
    """The outbox: a payment event whose attribution is still to be written.

    Written in the same transaction as the payment event, so a broker that is
    down when the payment is confirmed loses nothing: the catch-up task on the
    beat schedule finds the job and runs it. A job is *ready* while neither done
    nor quarantined; workers claim ready jobs in batches (``SKIP LOCKED``). A job
    that fails is quarantined with its error, so it never stalls the others, and
    waits in the back office until platform operations retry it.
    """

    payment_event = models.OneToOneField(
        "payments.PaymentEvent", on_delete=models.PROTECT, related_name="attribution_job"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    outcome = models.JSONField(_("outcome"), default=dict, blank=True)
    quarantined_at = models.DateTimeField(_("quarantined at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    retries = models.PositiveIntegerField(_("retries"), default=0)

    class Meta:
        verbose_name = _("attribution job")
        verbose_name_plural = _("attribution jobs")
        indexes = [
            models.Index(fields=["done_at", "created_at"], name="attribution_job_todo"),
            # What workers claim, oldest event first.
            models.Index(
                fields=["payment_event"],
                condition=models.Q(done_at__isnull=True, quarantined_at__isnull=True),
                name="attribution_job_ready",
            ),
        ]

    def __str__(self) -> str:
        if self.done_at:
            state = "done"
        elif self.quarantined_at:
            state = "quarantined"
        else:
            state = "to do"
        return f"job {self.payment_event_id}: {state}"


class SalesLevelChange(models.Model):
    """A warning level that platform payouts moved, credited to sales.

    Recorded only where the payouts made the difference at that moment, on the
    same thresholds: for an improvement the level after differs from the level
    the household would have without any platform payouts (``level_without``);
    for a fall (a payout reversed or disputed) the level before did. Rows
    written before payouts existed came from a payment (``payment_event``,
    ``lines``) and have no ``level_without``: reports leave them out.
    """

    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="sales_level_changes",
    )
    payment_event = models.ForeignKey(
        "payments.PaymentEvent",
        on_delete=models.PROTECT,
        related_name="level_changes",
        null=True,
        blank=True,
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    level_before = models.PositiveSmallIntegerField(_("level before"), choices=WARNING_LEVELS)
    level_after = models.PositiveSmallIntegerField(_("level after"), choices=WARNING_LEVELS)
    # Without platform payouts: after the change for an improvement, before it for a fall.
    level_without = models.PositiveSmallIntegerField(
        _("level without platform payouts"), choices=WARNING_LEVELS, null=True, blank=True
    )
    platform_before = models.DecimalField(
        _("platform payouts counted before"), max_digits=14, decimal_places=2, null=True
    )
    platform_after = models.DecimalField(
        _("platform payouts counted after"), max_digits=14, decimal_places=2, null=True
    )
    # An improvement: the year's payouts counted after it. A fall: the year's payouts that no
    # longer count (reversed or disputed).
    payouts = models.ManyToManyField(
        "impact.Payout", verbose_name=_("payouts"), related_name="level_changes", blank=True
    )
    # Oscar's order.Line is untyped: the field's model is Any to mypy.
    lines: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "order.Line", verbose_name=_("order lines"), related_name="+", blank=True
    )
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("level change by sales")
        verbose_name_plural = _("level changes by sales")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "payment_event"], name="level_change_once_per_event"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}: {self.level_before} → {self.level_after}"

    @property
    def improved(self) -> bool:
        return self.level_after > self.level_before
