"""Certificates running out: reminders to the producer before, and an off-sale notice after.

A product is on sale only while it has a certification current today (the
partner strategy, ``shop.partner.strategy``, asks ``product_certification``),
so nothing is flipped when a certification expires: the product simply stops
being purchasable the day after ``valid_to``, and a renewal (a new certificate
with later dates) puts it back on sale the day the renewal starts.

What this module adds is telling the producer in time. Once a day (Celery
beat, ``producers.tasks.producers_certificates_daily``) every certificate
that runs out within 90 days, or has run out within the last 30, is looked
at. Its reminder is due for the most urgent lead time that the days left
have reached; each (certificate, lead time) is sent at most once, ever,
which ``CertificateReminder``'s unique constraint guarantees even when two
workers run the task at the same moment.
"""

import datetime
import logging
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q

from .models import Certificate, CertificateReminder

if TYPE_CHECKING:
    from oscar.apps.catalogue.models import Product

logger = logging.getLogger("yixiang.producers")

#: Days before the end of a certificate's validity at which the producer is reminded.
LEAD_TIMES: tuple[int, ...] = (90, 30, 7)
#: ``CertificateReminder.days_before`` of the notice sent once a certificate has run out.
EXPIRED = 0
#: A run that was missed still sends the expiry notice if the certificate ran out this recently.
EXPIRED_NOTICE_WITHIN_DAYS = 30

KIND_NAMES: dict[str, str] = {
    Certificate.Kind.CERTIFICATION: "扶贫产品认定",
    Certificate.Kind.LICENCE: "营业执照/食品经营许可证",
    Certificate.Kind.TEST_REPORT: "产品检测报告",
}


# ---------------------------------------------------------------------- pure rules


def reminder_due(
    *, valid_to: datetime.date, today: datetime.date, lead_times: Iterable[int] = LEAD_TIMES
) -> int | None:
    """The lead time whose reminder is due today for a certificate valid to ``valid_to``.

    A certificate is valid up to and including ``valid_to``. From the day after,
    the expiry notice (``EXPIRED``, 0) is due. Before that, the most urgent lead
    time the days left have reached is due: 45 days left gives 90, 20 gives 30,
    7 or fewer gives 7. So a run that was missed (or a certificate entered late)
    sends one reminder, the most urgent, not every lead time it passed at once;
    the less urgent ones are then never sent. None while more than the longest
    lead time remains.
    """
    days_left = (valid_to - today).days
    if days_left < 0:
        return EXPIRED
    reached = [lead for lead in lead_times if days_left <= lead]
    return min(reached) if reached else None


def certification_expired_on(*, product: "Product", on: datetime.date) -> datetime.date | None:
    """The last day of the product's latest certification that ran out before ``on``, or None.

    Reads ``product.certificates.all()``, so it costs nothing when they were prefetched.
    """
    ended = [
        certificate.valid_to
        for certificate in product.certificates.all()
        if certificate.kind == Certificate.Kind.CERTIFICATION
        and certificate.status == Certificate.Status.APPROVED
        and certificate.valid_to < on
    ]
    return max(ended, default=None)


# ---------------------------------------------------------------------- service


def _renewed(certificate: Certificate) -> bool:
    """Another approved certificate of the same kind, for the same product, carries on where
    this one ends (a renewal still awaiting review does not: the reminders go on)."""
    same = Certificate.objects.filter(
        producer_id=certificate.producer_id,
        kind=certificate.kind,
        status=Certificate.Status.APPROVED,
    )
    same = (
        same.filter(product_id=certificate.product_id)
        if certificate.product_id is not None
        else same.filter(product__isnull=True)
    )
    return (
        same.filter(
            valid_from__lte=certificate.valid_to + datetime.timedelta(days=1),
            valid_to__gt=certificate.valid_to,
        )
        .exclude(pk=certificate.pk)
        .exists()
    )


def _recipients(certificate: Certificate) -> list[str]:
    users = certificate.producer.partner.users.exclude(email="").order_by("pk")
    return list(dict.fromkeys(users.values_list("email", flat=True)))


def _message(certificate: Certificate, *, lead: int, today: datetime.date) -> tuple[str, str]:
    """Subject and body, in Chinese, naming the certificate, the product and the date."""
    kind = KIND_NAMES.get(certificate.kind, certificate.kind)
    what = f"{kind}（编号 {certificate.number}，{certificate.issuer}颁发）"
    product = certificate.product.get_title() if certificate.product is not None else None
    product_line = f"相关商品：{product}\n" if product else ""
    valid_to = certificate.valid_to.isoformat()
    is_certification = certificate.kind == Certificate.Kind.CERTIFICATION and product is not None
    if lead == EXPIRED:
        if is_certification:
            subject = f"【益享】{product} 已停止销售：扶贫产品认定已于 {valid_to} 过期"
            consequence = (
                "该商品已自动停止销售。请尽快办理续期，并在平台登记新的扶贫产品认定；"
                "新认定生效当天起商品自动恢复销售。"
            )
        else:
            subject = f"【益享】{kind} {certificate.number} 已于 {valid_to} 过期"
            consequence = "请尽快办理续期，并在平台登记新的证书。"
        body = f"{certificate.producer.name}：\n\n您的{what}已于 {valid_to} 过期。\n{product_line}{consequence}\n"
    else:
        days_left = (certificate.valid_to - today).days
        subject = f"【益享】{kind} {certificate.number} 将于 {valid_to} 到期（还剩 {days_left} 天）"
        if is_certification:
            consequence = (
                "到期次日起该商品将自动停止销售。请在到期前办理续期，并在平台登记新的扶贫产品认定。"
            )
        else:
            consequence = "请在到期前办理续期，并在平台登记新的证书。"
        body = (
            f"{certificate.producer.name}：\n\n您的{what}将于 {valid_to} 到期，"
            f"还剩 {days_left} 天。\n{product_line}{consequence}\n"
        )
    return subject, body + "\n益享消费帮扶平台\n"


def _send(*, subject: str, body: str, recipients: list[str]) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


def certificates_remind_and_expire(*, today: datetime.date) -> dict:
    """Send the reminders and expiry notices due today; each at most once per certificate.

    Safe to run again, and safe to run in two workers at once: the reminder row
    is inserted first, in its own savepoint, and the mail is queued only when
    this run inserted it, after its transaction commits.

    Returns counts: ``{"reminded": …, "expired": …, "unreachable": …}`` where
    unreachable counts notices recorded for a producer with no user e-mail.
    """
    latest = today + datetime.timedelta(days=max(LEAD_TIMES))
    earliest = today - datetime.timedelta(days=EXPIRED_NOTICE_WITHIN_DAYS)
    candidates = (
        Certificate.objects.filter(
            valid_to__gte=earliest, valid_to__lte=latest, status=Certificate.Status.APPROVED
        )
        .exclude(Q(reminders__days_before=EXPIRED))
        .select_related("producer__partner", "product")
        .prefetch_related("reminders")
        .order_by("valid_to", "pk")
    )
    report = {"reminded": 0, "expired": 0, "unreachable": 0}
    for certificate in candidates:
        lead = reminder_due(valid_to=certificate.valid_to, today=today)
        if lead is None or any(r.days_before == lead for r in certificate.reminders.all()):
            continue
        if _renewed(certificate):
            continue
        with transaction.atomic():
            try:
                with transaction.atomic():
                    CertificateReminder.objects.create(certificate=certificate, days_before=lead)
            except IntegrityError:
                continue  # sent already, by an earlier run or by another worker just now
            recipients = _recipients(certificate)
            if recipients:
                subject, body = _message(certificate, lead=lead, today=today)
                transaction.on_commit(
                    partial(_send, subject=subject, body=body, recipients=recipients)
                )
            else:
                report["unreachable"] += 1
                logger.warning(
                    "certificate %s: producer %s has no user with an e-mail; notice not sent",
                    certificate.pk,
                    certificate.producer_id,
                )
        report["expired" if lead == EXPIRED else "reminded"] += 1
    return report
