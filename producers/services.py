"""Writes of the producers app: onboarding, certificates, benefit links, shipments."""

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from oscar.core.loading import get_model
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength

from shop.payments.services import order_shipping_check

from .models import BenefitLink, Certificate, OnboardingStep, Producer, Shipment

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from oscar.apps.catalogue.models import Product
    from oscar.apps.order.models import Order

    from impact.models import Household, Region

Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")


def credit_code_clean(value: str) -> str:
    """A unified social credit code (GB 32100) in canonical form, or ValidationError saying what is wrong."""
    try:
        return uscc.validate(value or "")
    except InvalidLength as exc:
        raise ValidationError(_("A unified social credit code has 18 characters.")) from exc
    except InvalidFormat as exc:
        raise ValidationError(
            _("The unified social credit code contains characters it cannot have.")
        ) from exc
    except InvalidChecksum as exc:
        raise ValidationError(
            _("The unified social credit code's check character is wrong.")
        ) from exc


# ---------------------------------------------------------------------- onboarding


@transaction.atomic
def producer_apply(
    *, user: "User", name: str, kind: str, region: "Region", credit_code: str, **details: Any
) -> Producer:
    """A producer applies online: it gets a shop partner, but no dashboard until approved."""
    code = credit_code_clean(credit_code)
    if Producer.objects.filter(credit_code=code).exists():
        raise ValidationError(_("A producer with this credit code has already applied."))
    partner = Partner.objects.create(
        name=name, code=f"{slugify(name, allow_unicode=True)[:100]}-{code[-6:]}"
    )
    partner.users.add(user)
    producer = Producer(
        partner=partner, name=name, kind=kind, region=region, credit_code=code, **details
    )
    producer.full_clean()
    producer.save()
    OnboardingStep.objects.create(producer=producer, status=Producer.Status.APPLIED, by=user)
    return producer


def _step(
    producer: Producer, *, to: str, allowed_from: list[str], by: "User", note: str
) -> Producer:
    producer = Producer.objects.select_for_update().get(pk=producer.pk)
    if producer.status not in allowed_from:
        raise ValidationError(
            _("A producer that is “%(status)s” cannot be moved to “%(to)s”.")
            % {"status": producer.get_status_display(), "to": Producer.Status(to).label}
        )
    producer.status = to
    producer.save(update_fields=["status"])
    OnboardingStep.objects.create(producer=producer, status=to, by=by, note=note)
    return producer


@transaction.atomic
def producer_recommend(*, producer: Producer, by: "User", note: str = "") -> Producer:
    """The county department recommends the application to the platform."""
    return _step(
        producer,
        to=Producer.Status.RECOMMENDED,
        allowed_from=[Producer.Status.APPLIED],
        by=by,
        note=note,
    )


@transaction.atomic
def producer_approve(*, producer: Producer, by: "User", note: str = "") -> Producer:
    """The platform approves: the producer's users may now use the shop dashboard."""
    producer = _step(
        producer,
        to=Producer.Status.APPROVED,
        allowed_from=[Producer.Status.RECOMMENDED],
        by=by,
        note=note,
    )
    access = Permission.objects.get(codename="dashboard_access", content_type__app_label="partner")
    for user in producer.partner.users.all():
        user.user_permissions.add(access)
    return producer


@transaction.atomic
def producer_reject(*, producer: Producer, by: "User", reason: str) -> Producer:
    """The county or the platform rejects, and says why."""
    if not (reason or "").strip():
        raise ValidationError(_("Say why the application is rejected."))
    return _step(
        producer,
        to=Producer.Status.REJECTED,
        allowed_from=[Producer.Status.APPLIED, Producer.Status.RECOMMENDED],
        by=by,
        note=reason.strip(),
    )


def producer_can_list(*, producer: Producer) -> bool:
    return producer.status == Producer.Status.APPROVED


# ---------------------------------------------------------------------- certificates


def certificate_save(*, certificate: Certificate) -> Certificate:
    certificate.full_clean()
    certificate.save()
    return certificate


def certificate_renew(
    *,
    certificate: Certificate,
    number: str,
    issuer: str,
    valid_from: datetime.date,
    valid_to: datetime.date,
    document: Any,
    by: "User",
) -> Certificate:
    """The producer uploads the renewal of one of its certificates: a new certificate of the
    same kind and product, awaiting platform finance's review (``certificate_review``).

    Until approved it counts for nothing: the old certificate stays the one in force, its
    reminders go on, and a product whose certification ran out stays off sale.
    """
    if not certificate.producer.partner.users.filter(pk=by.pk).exists():
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if not number.strip():
        errors.setdefault("number", []).append(_("Enter the new certificate's number."))
    if not issuer.strip():
        errors.setdefault("issuer", []).append(_("Enter the issuing body."))
    if valid_to < valid_from:
        errors.setdefault("valid_to", []).append(_("A certificate cannot end before it starts."))
    elif valid_to <= certificate.valid_to:
        errors.setdefault("valid_to", []).append(
            _("A renewal must be valid after %(date)s, when the current one ends.")
            % {"date": certificate.valid_to.isoformat()}
        )
    if not document:
        errors.setdefault("document", []).append(_("Upload the new certificate (PDF or picture)."))
    if errors:
        raise ValidationError(errors)
    renewal = Certificate(
        producer=certificate.producer,
        product=certificate.product,
        kind=certificate.kind,
        number=number.strip(),
        issuer=issuer.strip(),
        valid_from=valid_from,
        valid_to=valid_to,
        status=Certificate.Status.PENDING,
        renews=certificate,
        submitted_by=by,
    )
    renewal.full_clean(exclude=["document"])
    with transaction.atomic():
        # One renewal awaiting review at a time: two uploads at once queue on this row.
        current = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if current.status != Certificate.Status.APPROVED:
            raise ValidationError(_("Only an approved certificate can be renewed."))
        if current.renewals.filter(status=Certificate.Status.PENDING).exists():
            raise ValidationError(_("A renewal of this certificate is already awaiting review."))
        renewal.document.save("upload", document, save=False)  # checked and named by content
        renewal.save()
    return renewal


def certificate_review(
    *, certificate: Certificate, approve: bool, by: "User", note: str = ""
) -> Certificate:
    """Platform finance approves a certificate awaiting review, or rejects it with a reason.

    An approved renewal counts from its first valid day: the product stays (or goes back)
    on sale, and the old certificate's reminders stop.
    """
    from common.roles import is_platform_finance

    if not is_platform_finance(by):
        raise PermissionDenied
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.status != Certificate.Status.PENDING:
            raise ValidationError(_("This certificate is not awaiting review."))
        if not approve and not note.strip():
            raise ValidationError({"note": [_("Give the reason for the rejection.")]})
        locked.status = Certificate.Status.APPROVED if approve else Certificate.Status.REJECTED
        locked.reviewed_by = by
        locked.reviewed_at = timezone.now()
        locked.review_note = note.strip()
        locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    return locked


def product_certification(
    *, product: "Product", on: datetime.date | None = None
) -> Certificate | None:
    """The product's certification current on a date, read from prefetched certificates when there are."""
    on = on or timezone.localdate()
    for certificate in product.certificates.all():
        if certificate.kind == Certificate.Kind.CERTIFICATION and certificate.is_current(on):
            return certificate
    return None


# ---------------------------------------------------------------------- benefit links


def _unit_prices(producer: Producer, product: "Product | None") -> list[Decimal]:
    records = StockRecord.objects.filter(partner=producer.partner)
    if product is not None:
        records = records.filter(product=product)
    return [price for price in records.values_list("price", flat=True) if price is not None]


def _overlapping(
    queryset: QuerySet[BenefitLink], valid_from: datetime.date, valid_to: datetime.date | None
) -> QuerySet[BenefitLink]:
    queryset = queryset.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
    if valid_to is not None:
        queryset = queryset.filter(valid_from__lte=valid_to)
    return queryset


@transaction.atomic
def benefit_link_create(
    *,
    producer: Producer,
    household: "Household",
    kind: str,
    valid_from: datetime.date,
    product: "Product | None" = None,
    per_unit: Decimal | None = None,
    share: Decimal | None = None,
    valid_to: datetime.date | None = None,
    reason: str = "",
) -> BenefitLink:
    """Link a household to a producer's sales, checking that the rules can be honoured.

    The shares on one product never exceed 100% of a line's net amount while
    they overlap in time, and an amount per unit never exceeds the unit price.
    """
    errors: dict[str, list[str]] = {}
    if (per_unit is None) == (share is None):
        errors.setdefault("share", []).append(
            _("Give either an amount per unit or a share, not both.")
        )
    if (
        product is not None
        and not StockRecord.objects.filter(partner=producer.partner, product=product).exists()
    ):
        errors.setdefault("product", []).append(_("The product is not this producer's."))
    if household.county_id != producer.region.county.pk and not reason.strip():
        errors.setdefault("reason", []).append(
            _("The household is outside the producer's county: say why it is linked.")
        )
    if share is not None:
        if not Decimal("0") < share <= Decimal("100"):
            errors.setdefault("share", []).append(_("A share is more than 0% and at most 100%."))
        else:
            # Links on this product, or on all the producer's products, that overlap in time.
            Producer.objects.select_for_update().get(
                pk=producer.pk
            )  # serialise concurrent link changes
            same = BenefitLink.objects.filter(producer=producer, share__isnull=False)
            same = (
                same.filter(Q(product__isnull=True) | Q(product=product))
                if product is not None
                else same
            )
            taken = _overlapping(same, valid_from, valid_to).aggregate(total=Sum("share"))[
                "total"
            ] or Decimal("0")
            if taken + share > Decimal("100"):
                errors.setdefault("share", []).append(
                    _("Shares on this product would reach %(total)s%%, more than 100%%.")
                    % {"total": taken + share}
                )
    if per_unit is not None:
        prices = _unit_prices(producer, product)
        if per_unit <= 0:
            errors.setdefault("per_unit", []).append(_("The amount per unit must be more than 0."))
        elif prices and per_unit > min(prices):
            errors.setdefault("per_unit", []).append(
                _("The amount per unit (%(amount)s) is more than the unit price (%(price)s).")
                % {"amount": per_unit, "price": min(prices)}
            )
    if valid_to is not None and valid_to < valid_from:
        errors.setdefault("valid_to", []).append(_("A link cannot end before it starts."))
    if errors:
        raise ValidationError(errors)
    link = BenefitLink(
        producer=producer,
        product=product,
        household=household,
        kind=kind,
        per_unit=per_unit,
        share=share,
        valid_from=valid_from,
        valid_to=valid_to,
        reason=reason.strip(),
    )
    link.full_clean()
    link.save()
    return link


def producer_households_reached(*, producer: Producer, on: datetime.date | None = None) -> int:
    """How many households the producer's sales reach today (a count, never names)."""
    on = on or timezone.localdate()
    links = BenefitLink.objects.filter(producer=producer, valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )
    return links.values("household").distinct().count()


# ---------------------------------------------------------------------- fulfilment


@transaction.atomic
def order_ship(
    *, order: "Order", producer: Producer, carrier: str, tracking_number: str, by: "User"
) -> Shipment:
    """The producer ships its lines of an order; the buyer sees carrier and tracking number."""
    if not order.lines.filter(partner=producer.partner).exists():
        raise ValidationError(_("This order has no lines of this producer."))
    # Ship once paid (as the payments services say, not the status), or at once for a
    # unit that pays after delivery; never a cancelled order.
    order_shipping_check(order=order)
    if not carrier.strip() or not tracking_number.strip():
        raise ValidationError(_("Enter the carrier and the tracking number."))
    shipment = Shipment.objects.create(
        order=order,
        producer=producer,
        carrier=carrier.strip(),
        tracking_number=tracking_number.strip(),
        by=by,
    )
    return shipment
