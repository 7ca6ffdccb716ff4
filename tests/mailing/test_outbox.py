"""The e-mail outbox: written with the order, delivered once, retried, given up and shown."""

import datetime
import io
import logging

import pytest
from django.core import mail
from django.core.mail import send_mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from mailing.models import OutgoingEmail
from mailing.services import (
    outgoing_email_catch_up,
    outgoing_email_deliver,
)

pytestmark = pytest.mark.django_db


def queue_one(subject: str = "订单确认") -> OutgoingEmail:
    send_mail(subject, "您的订单已提交。", "noreply@yixiang.example", ["buyer@example.com"])
    return OutgoingEmail.objects.get(subject=subject)


def test_a_message_is_written_to_the_outbox_in_the_senders_transaction():
    with pytest.raises(RuntimeError), transaction.atomic():
        send_mail("回滚", "正文", "noreply@yixiang.example", ["buyer@example.com"])
        assert OutgoingEmail.objects.filter(subject="回滚").count() == 1
        raise RuntimeError("the order failed")
    assert not OutgoingEmail.objects.filter(subject="回滚").exists()
    assert mail.outbox == []


def test_the_task_queued_on_commit_delivers_it_and_marks_it_sent(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        outgoing = queue_one()
    outgoing.refresh_from_db()
    assert (outgoing.status, outgoing.attempts, outgoing.recipients) == (
        "sent",
        1,
        "buyer@example.com",
    )
    assert outgoing.sent_at is not None
    assert [(m.subject, m.to) for m in mail.outbox] == [("订单确认", ["buyer@example.com"])]


def test_a_message_delivered_twice_is_sent_once():
    outgoing = queue_one()  # on-commit never runs here: as if the broker were down
    assert outgoing.status == "pending"
    assert outgoing_email_deliver(outgoing_email_id=outgoing.pk) == "sent"
    assert outgoing_email_deliver(outgoing_email_id=outgoing.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_a_message_another_worker_is_sending_is_left_to_it():
    outgoing = queue_one()
    OutgoingEmail.objects.filter(pk=outgoing.pk).update(
        claimed_until=timezone.now() + datetime.timedelta(minutes=5), attempts=1
    )
    assert outgoing_email_deliver(outgoing_email_id=outgoing.pk) == "skipped"
    assert mail.outbox == []
    # The lease runs out (that worker died before marking it): it is tried again.
    OutgoingEmail.objects.filter(pk=outgoing.pk).update(
        claimed_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert outgoing_email_deliver(outgoing_email_id=outgoing.pk) == "sent"
    assert len(mail.outbox) == 1


def test_the_catch_up_sends_what_the_broker_never_delivered_and_leaves_new_mail_to_its_task():
    old = queue_one("旧邮件")
    OutgoingEmail.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=5),
        next_attempt_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    queue_one("新邮件")
    assert outgoing_email_catch_up() == {"sent": 1, "retry": 0, "failed": 0, "skipped": 0}
    assert [m.subject for m in mail.outbox] == ["旧邮件"]
    assert OutgoingEmail.objects.get(subject="新邮件").status == "pending"


def test_a_failing_mail_server_is_retried_later_then_given_up_and_shown(settings, caplog):
    settings.EMAIL_DELIVERY_BACKEND = "tests.shop.failing_email.FailingBackend"
    settings.EMAIL_OUTBOX_MAX_ATTEMPTS = 3
    outgoing = queue_one()
    before = timezone.now()
    assert outgoing_email_deliver(outgoing_email_id=outgoing.pk) == "retry"
    after = timezone.now()
    outgoing.refresh_from_db()
    assert (outgoing.status, outgoing.attempts) == ("pending", 1)
    assert outgoing.last_error == "ConnectionRefusedError: mail server down"
    # A minute after the attempt (which took place between `before` and `after`).
    minute = datetime.timedelta(seconds=60)
    assert before + minute <= outgoing.next_attempt_at <= after + minute
    # Not due yet: a second delivery does nothing.
    assert outgoing_email_deliver(outgoing_email_id=outgoing.pk) == "skipped"

    OutgoingEmail.objects.filter(pk=outgoing.pk).update(next_attempt_at=timezone.now())
    before = timezone.now()
    assert outgoing_email_deliver(outgoing_email_id=outgoing.pk) == "retry"
    after = timezone.now()
    outgoing.refresh_from_db()
    # Then two minutes.
    assert before + 2 * minute <= outgoing.next_attempt_at <= after + 2 * minute

    OutgoingEmail.objects.filter(pk=outgoing.pk).update(next_attempt_at=timezone.now())
    with caplog.at_level(logging.ERROR, logger="yixiang.email"):
        assert outgoing_email_deliver(outgoing_email_id=outgoing.pk) == "failed"
    outgoing.refresh_from_db()
    assert (outgoing.status, outgoing.attempts) == ("failed", 3)
    assert f"e-mail {outgoing.pk} to buyer@example.com given up after 3 attempts" in caplog.text
    assert mail.outbox == []

    call_command("email_outbox", stdout=(report := io.StringIO()))
    assert "failed: 1" in report.getvalue()
    assert f"#{outgoing.pk} failed attempts=3" in report.getvalue()

    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("email_outbox", "--retry", str(outgoing.pk), stdout=(report := io.StringIO()))
    assert "queued again: 1" in report.getvalue()
    assert outgoing_email_deliver(outgoing_email_id=outgoing.pk) == "sent"
    assert len(mail.outbox) == 1
