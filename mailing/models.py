"""The e-mail outbox: every message the site sends, written in the transaction that sent it."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutgoingEmail(models.Model):
    """One message to deliver (the outbox, like attribution's ``AttributionJob``).

    Written in the same transaction as whatever sent it (an order, a payment),
    so a broker that is down at that moment loses nothing: the catch-up task on
    the beat schedule delivers what is still pending. A delivery first claims
    the row (a conditional UPDATE with a lease), so two workers never send it
    twice; a sent message is marked and never picked again.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed (gave up)")

    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    subject = models.CharField(_("subject"), max_length=998)
    recipients = models.TextField(_("recipients"))
    payload = models.JSONField(_("message"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_until = models.DateTimeField(_("being sent until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outgoing_email_due")]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipients} ({self.status})"
