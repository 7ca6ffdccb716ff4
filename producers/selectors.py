"""Reads of the producers app: who may read a producer's private documents, a producer's
certificates and its dashboard home's to-do figures."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from oscar.core.loading import get_model

from impact.monitoring.access import staff_scope

from .models import Certificate, Producer, Shipment

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from impact.reporting.producer import ProducerPayoutTodo


def producer_documents_readable(*, user: User | AnonymousUser, producer: Producer) -> bool:
    """Whether the user may download the producer's licence and certificate scans.

    The producer's own users; superusers and the platform staff who review producers
    (staff with ``producers.change_producer``, who may approve them); and monitoring
    staff whose area (``staff_scope``) covers the producer's county, as the back
    office's producer pages do. Nobody else: not other producers, not visitors.
    """
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if producer.partner.users.filter(pk=user.pk).exists():
        return True
    if user.is_staff and user.has_perm("producers.change_producer"):
        return True
    scope = staff_scope(user)
    return scope is not None and scope.covers(producer.county.pk)


# ---------------------------------------------------------------------- certificates

#: Certificates the dashboard's to-do list shows: running out within this many days...
EXPIRING_WITHIN_DAYS = 90
#: ... or run out this recently, and not renewed by an approved certificate.
EXPIRED_SHOWN_DAYS = 30


@dataclass(frozen=True)
class CertificateState:
    """One of a producer's certificates as its pages show it."""

    certificate: Certificate
    days_left: int
    #: "current", "expiring" (within EXPIRING_WITHIN_DAYS), "expired", "not_started",
    #: "pending" (awaiting review) or "rejected"
    state: str
    #: Its renewal awaiting review, if any (only an approved certificate has one).
    pending_renewal: Certificate | None = None
    renewed: bool = False  # an approved certificate carries on where this one ends

    @property
    def days_ago(self) -> int:
        """Days since it ran out (for one that has)."""
        return -self.days_left

    @property
    def renewable(self) -> bool:
        return (
            self.certificate.status == Certificate.Status.APPROVED
            and self.pending_renewal is None
            and not self.renewed
        )


def _renewed_by(certificate: Certificate, approved: list[Certificate]) -> bool:
    return any(
        other.pk != certificate.pk
        and other.kind == certificate.kind
        and other.product_id == certificate.product_id
        and other.valid_from <= certificate.valid_to + datetime.timedelta(days=1)
        and other.valid_to > certificate.valid_to
        for other in approved
    )


def producer_certificates(*, producer: Producer, today: datetime.date) -> list[CertificateState]:
    """Every certificate of the producer, soonest to run out first, with its days left. Two queries."""
    certificates = list(
        Certificate.objects.filter(producer=producer)
        .select_related("product", "renews", "reviewed_by")
        .order_by("valid_to", "pk")
    )
    approved = [c for c in certificates if c.status == Certificate.Status.APPROVED]
    pending = {
        c.renews_id: c
        for c in certificates
        if c.status == Certificate.Status.PENDING and c.renews_id is not None
    }
    rows = []
    for certificate in certificates:
        days_left = certificate.days_left(today)
        renewed = certificate.status == Certificate.Status.APPROVED and _renewed_by(
            certificate, approved
        )
        if certificate.status == Certificate.Status.PENDING:
            state = "pending"
        elif certificate.status == Certificate.Status.REJECTED:
            state = "rejected"
        elif days_left < 0:
            state = "expired"
        elif certificate.valid_from > today:
            state = "not_started"
        elif days_left <= EXPIRING_WITHIN_DAYS and not renewed:
            state = "expiring"
        else:
            state = "current"
        rows.append(
            CertificateState(
                certificate=certificate,
                days_left=days_left,
                state=state,
                pending_renewal=pending.get(certificate.pk),
                renewed=renewed,
            )
        )
    return rows


def producer_certificates_expiring(
    *, producer: Producer, today: datetime.date
) -> list[CertificateState]:
    """The producer's approved certificates running out within EXPIRING_WITHIN_DAYS, or run
    out within EXPIRED_SHOWN_DAYS, that no approved certificate renews: its to-do."""
    return _expiring(producer_certificates(producer=producer, today=today))


def _expiring(rows: list[CertificateState]) -> list[CertificateState]:
    return [
        row
        for row in rows
        if row.certificate.status == Certificate.Status.APPROVED
        and not row.renewed
        and -EXPIRED_SHOWN_DAYS <= row.days_left <= EXPIRING_WITHIN_DAYS
    ]


def certificates_awaiting_review() -> QuerySet[Certificate]:
    """Every certificate awaiting platform finance's review, oldest submission first."""
    return (
        Certificate.objects.filter(status=Certificate.Status.PENDING)
        .select_related("producer", "product", "renews", "submitted_by")
        .order_by("created", "pk")
    )


# ---------------------------------------------------------------------- the dashboard's home


def producer_lines_to_ship(*, producer: Producer) -> QuerySet[Any]:
    """The producer's order lines that may ship and have not: the order is paid (or a unit's
    order that pays after delivery), not cancelled, and the producer has recorded no
    shipment for it (``producers.services.order_ship`` ships a producer's lines of an
    order together)."""
    from shop.payments.models import OrderPayment

    Line = get_model("order", "Line")
    shipped = Shipment.objects.filter(order=OuterRef("order"), producer=producer)
    return (
        Line.objects.filter(partner=producer.partner)
        .exclude(order__status="Cancelled")
        .exclude(order__payment__state=OrderPayment.State.CANCELLED)
        .filter(
            Q(order__payment__confirmed_at__isnull=False)
            | Q(order__payment__method=OrderPayment.Method.PAY_LATER)
        )
        .exclude(Exists(shipped))
    )


@dataclass(frozen=True)
class ProducerHome:
    """What the producer's dashboard home counts: its to-do list."""

    producer: Producer
    lines_to_ship: int
    orders_to_ship: int
    certificates_expiring: list[CertificateState]
    renewals_pending: int
    #: What its links say it owes its households and has not paid (due, not yet overdue
    #: included), and how many households it owes.
    payouts_outstanding: Decimal
    payouts_households: int
    payout_todo: ProducerPayoutTodo


def producer_home(*, producer: Producer, today: datetime.date) -> ProducerHome:
    """The producer's to-do figures for its dashboard home."""
    from impact.ledger.payouts import producer_payout_households, producer_payout_totals
    from impact.reporting.producer import producer_payout_todo

    lines = producer_lines_to_ship(producer=producer)
    households = producer_payout_households(producer=producer)
    certificates = producer_certificates(producer=producer, today=today)
    return ProducerHome(
        producer=producer,
        lines_to_ship=lines.count(),
        orders_to_ship=lines.values("order").distinct().count(),
        certificates_expiring=_expiring(certificates),
        renewals_pending=sum(1 for row in certificates if row.state == "pending"),
        payouts_outstanding=producer_payout_totals(rows=households).outstanding,
        payouts_households=sum(1 for row in households if row.balance.outstanding > 0),
        payout_todo=producer_payout_todo(producer=producer, today=today),
    )
