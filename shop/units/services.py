"""Writes of the units app: registration, review and membership of work units, invoice
details, yearly plans, unit orders, saved order lists and delivery inspections."""

import datetime
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.money import whole_fen
from impact.models import Region
from producers.models import Producer
from producers.services import credit_code_clean

from .models import (
    Inspection,
    OrderList,
    OrderListLine,
    ProducerRating,
    UnitOrder,
    UnitPlan,
    WorkUnit,
    WorkUnitMember,
    WorkUnitStep,
)

#: ``unit_plan_file(paired_county=...)`` left out: the unit's pairing stays as it is.
UNCHANGED = object()

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from .bulk import BasketLine


def _duplicate_credit_code() -> ValidationError:
    return ValidationError(
        {
            "credit_code": _(
                "A work unit with this unified social credit code is already registered."
            )
        }
    )


def _checked(unit: WorkUnit) -> WorkUnit:
    """Run the model's own checks; a credit-code clash is reported in words, not as an IntegrityError."""
    try:
        unit.full_clean(validate_unique=False)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc
    if WorkUnit.objects.filter(credit_code=unit.credit_code).exclude(pk=unit.pk).exists():
        raise _duplicate_credit_code()
    return unit


def _save(unit: WorkUnit) -> None:
    # The unique index settles a race between two registrations of the same code.
    try:
        with transaction.atomic():
            unit.save()
    except IntegrityError as exc:
        if WorkUnit.objects.filter(credit_code=unit.credit_code).exclude(pk=unit.pk).exists():
            raise _duplicate_credit_code() from exc
        raise


def _credit_code(value: str) -> str:
    try:
        return credit_code_clean(value)
    except ValidationError as exc:
        raise ValidationError({"credit_code": exc.messages}) from exc


@transaction.atomic
def work_unit_register(
    *,
    name: str,
    kind: str,
    credit_code: str,
    has_canteen: bool,
    by: "User | None",
    payment_terms_days: int = 30,
) -> WorkUnit:
    """A unit registers (or staff register it): it waits for approval before unit terms apply."""
    unit = WorkUnit(
        name=(name or "").strip(),
        kind=kind,
        credit_code=_credit_code(credit_code),
        has_canteen=has_canteen,
        payment_terms_days=payment_terms_days,
        status=WorkUnit.Status.APPLIED,
    )
    _save(_checked(unit))
    WorkUnitStep.objects.create(unit=unit, status=WorkUnit.Status.APPLIED, by=by)
    return unit


@transaction.atomic
def work_unit_update(
    *,
    unit: WorkUnit,
    name: str,
    kind: str,
    credit_code: str,
    has_canteen: bool,
    payment_terms_days: int,
) -> WorkUnit:
    """Staff correct a unit's details or set its payment terms; its review status is untouched."""
    unit = WorkUnit.objects.select_for_update().get(pk=unit.pk)
    unit.name = (name or "").strip()
    unit.kind = kind
    unit.credit_code = _credit_code(credit_code)
    unit.has_canteen = has_canteen
    unit.payment_terms_days = payment_terms_days
    _save(_checked(unit))
    return unit


def _move(unit: WorkUnit, *, to: str, by: "User", note: str = "") -> WorkUnit:
    unit = WorkUnit.objects.select_for_update().get(pk=unit.pk)
    if unit.status != WorkUnit.Status.APPLIED:
        raise ValidationError(
            _("A work unit that is “%(status)s” cannot be moved to “%(to)s”.")
            % {"status": unit.get_status_display(), "to": WorkUnit.Status(to).label}
        )
    unit.status = to
    fields = ["status"]
    if to == WorkUnit.Status.APPROVED:
        unit.approved_at, unit.approved_by = timezone.now(), by
        fields += ["approved_at", "approved_by"]
    unit.save(update_fields=fields)
    WorkUnitStep.objects.create(unit=unit, status=to, by=by, note=note)
    return unit


@transaction.atomic
def work_unit_approve(*, unit: WorkUnit, by: "User") -> WorkUnit:
    """Staff approve a registered unit: its buyers may now pay after delivery, on its terms."""
    return _move(unit, to=WorkUnit.Status.APPROVED, by=by)


@transaction.atomic
def work_unit_reject(*, unit: WorkUnit, by: "User", reason: str) -> WorkUnit:
    """Staff reject a registered unit, and say why."""
    if not (reason or "").strip():
        raise ValidationError(_("Say why the work unit is rejected."))
    return _move(unit, to=WorkUnit.Status.REJECTED, by=by, note=reason.strip())


@transaction.atomic
def work_unit_member_add(*, unit: WorkUnit, user: "User", role: str) -> WorkUnitMember:
    """Make a user a buyer, finance officer or administrator of a unit; one unit per user."""
    if role not in WorkUnitMember.Role.values:
        raise ValidationError({"role": _("Choose a role: buyer, finance or administrator.")})
    existing = WorkUnitMember.objects.select_related("unit").filter(user=user).first()
    if existing is not None:
        raise ValidationError(
            {
                "user": _("%(user)s already belongs to the work unit “%(unit)s”.")
                % {"user": user.get_username(), "unit": existing.unit.name}
            }
        )
    try:
        with transaction.atomic():
            return WorkUnitMember.objects.create(unit=unit, user=user, role=role)
    except IntegrityError as exc:  # a concurrent add of the same user won
        raise ValidationError(
            {"user": _("%(user)s already belongs to a work unit.") % {"user": user.get_username()}}
        ) from exc


# ---------------------------------------------------------------------- a unit applies online

INVOICE_FIELDS = (
    "invoice_title",
    "tax_number",
    "invoice_address",
    "invoice_phone",
    "invoice_bank",
    "invoice_account",
)
TAX_NUMBER = re.compile(r"^[0-9A-Z]{15}$|^[0-9A-Z]{17,18}$|^[0-9A-Z]{20}$")


def _tax_number(value: str) -> str:
    """A taxpayer number: since 2015 a unit's is its credit code (18); older ones have 15, 17 or 20."""
    value = re.sub(r"[\s-]", "", value or "").upper()
    if not value:
        return ""
    if not TAX_NUMBER.match(value):
        raise ValidationError(
            {"tax_number": _("A taxpayer number has 15, 17, 18 or 20 letters and digits.")}
        )
    if len(value) == 18:
        try:
            credit_code_clean(value)
        except ValidationError as exc:
            raise ValidationError({"tax_number": exc.messages}) from exc
    return value


def _invoice_apply(unit: WorkUnit, details: Mapping[str, Any]) -> None:
    for field in INVOICE_FIELDS:
        value = (details.get(field) or "").strip()
        setattr(unit, field, _tax_number(value) if field == "tax_number" else value)


@transaction.atomic
def work_unit_apply(
    *, user: "User", name: str, kind: str, credit_code: str, has_canteen: bool, **invoice: str
) -> WorkUnit:
    """A user applies for their unit online: it awaits staff approval, and they administer it."""
    existing = WorkUnitMember.objects.select_related("unit").filter(user=user).first()
    if existing is not None:
        raise ValidationError(
            _("You already act for the work unit “%(unit)s”.") % {"unit": existing.unit.name}
        )
    unit = WorkUnit(
        name=(name or "").strip(),
        kind=kind,
        credit_code=_credit_code(credit_code),
        has_canteen=has_canteen,
        status=WorkUnit.Status.APPLIED,
    )
    _invoice_apply(unit, invoice)
    _save(_checked(unit))
    WorkUnitStep.objects.create(unit=unit, status=WorkUnit.Status.APPLIED, by=user)
    WorkUnitMember.objects.create(unit=unit, user=user, role=WorkUnitMember.Role.ADMINISTRATOR)
    return unit


@transaction.atomic
def work_unit_invoice_update(*, unit: WorkUnit, **invoice: str) -> WorkUnit:
    """The unit's finance officer or administrator (or staff) keeps its invoice details current."""
    unknown = set(invoice) - set(INVOICE_FIELDS)
    if unknown:
        raise TypeError(f"unknown invoice fields: {sorted(unknown)}")
    unit = WorkUnit.objects.select_for_update().get(pk=unit.pk)
    _invoice_apply(unit, invoice)
    _checked(unit)
    unit.save(update_fields=list(INVOICE_FIELDS))
    return unit


# ---------------------------------------------------------------------- yearly plans

SHARE_MAX = Decimal("100")
BUDGET_MAX = Decimal("999999999999.99")


def _decimal(value: Decimal | str | int | None, *, field: str, message: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "")) if value is not None else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValidationError({field: message})
    return number


def _yuan(
    value: Decimal | str | int | None,
    *,
    field: str,
    message: str,
    negative: str,
    too_large: str,
    errors: dict[str, list[str]],
) -> Decimal | None:
    """An amount in yuan to the fen, at most BUDGET_MAX: the number read (None when it is
    not one), with what is wrong with it put in ``errors`` under ``field``."""
    try:
        number = _decimal(value, field=field, message=message)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        return None
    if number < 0:
        errors[field] = [negative]
    elif number > BUDGET_MAX:
        errors[field] = [too_large]
    elif not whole_fen(number):
        errors[field] = [_("Amounts are in yuan to the fen: at most two decimals.")]
    return number


@transaction.atomic
def unit_plan_file(
    *,
    unit: WorkUnit,
    year: int,
    food_budget: Decimal | str,
    reserved_share: Decimal | str | None = None,
    paired_county: "Region | int | object | None" = UNCHANGED,
    paired_amount: Decimal | str | None = None,
    by: "User | None",
    today: datetime.date | None = None,
) -> UnitPlan:
    """File (or correct) a unit's plan for a year: budget and reserved share, default 10%.

    ``paired_county`` names the unit's paired county (结对帮扶, a county ``Region``; None
    ends the pairing; left out, it stays as it is), and ``paired_amount`` what the unit plans
    to buy from it that year (yuan, blank for no amount; only with a paired county).
    """
    today = today or timezone.localdate()
    unit = WorkUnit.objects.select_for_update().get(pk=unit.pk)
    errors: dict[str, list[str]] = {}
    county = unit.paired_county if paired_county is UNCHANGED else paired_county
    if county is not None:
        county_id = county if isinstance(county, int) else getattr(county, "pk", None)
        county = Region.objects.filter(
            pk=county_id if isinstance(county_id, int) else 0, level=Region.Level.COUNTY
        ).first()
        if county is None:
            errors["paired_county"] = [_("Choose a county or district as the paired county.")]
    amount = None
    if paired_amount not in (None, ""):
        amount = _yuan(
            paired_amount,
            field="paired_amount",
            message=_("Enter the planned purchases in yuan, such as 50000.00."),
            negative=_("The planned purchases cannot be negative."),
            too_large=_("The planned purchases are too large."),
            errors=errors,
        )
        if (
            amount is not None
            and "paired_amount" not in errors
            and county is None
            and "paired_county" not in errors
        ):
            errors["paired_amount"] = [_("Name the paired county to plan purchases from it.")]
    if not unit.has_canteen:
        raise ValidationError(
            _("This unit has no canteen, so it has no reserved share to plan for.")
        )
    if not isinstance(year, int) or not today.year - 1 <= year <= today.year + 1:
        errors["year"] = [
            _("Plan for last year, this year or next year (%(first)s–%(last)s).")
            % {"first": today.year - 1, "last": today.year + 1}
        ]
    share = None
    budget = _yuan(
        food_budget,
        field="food_budget",
        message=_("Enter the canteen food budget in yuan, such as 1200000.00."),
        negative=_("The canteen food budget cannot be negative."),
        too_large=_("The canteen food budget is too large."),
        errors=errors,
    )
    if reserved_share in (None, ""):
        share = Decimal("10.00")
    else:
        try:
            share = _decimal(
                reserved_share,
                field="reserved_share",
                message=_("Enter the reserved share as a percentage, such as 10."),
            )
            if not Decimal("0") <= share <= SHARE_MAX:
                errors["reserved_share"] = [_("The reserved share is a percentage from 0 to 100.")]
            elif share != share.quantize(Decimal("0.01")):
                errors["reserved_share"] = [_("Give the share with at most two decimals.")]
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    assert budget is not None and share is not None  # both are set when nothing was wrong
    plan, created = UnitPlan.objects.get_or_create(
        unit=unit,
        year=year,
        defaults={
            "food_budget": budget,
            "reserved_share": share,
            "paired_amount": amount,
            "filed_on": today,
            "filed_by": by,
        },
    )
    if not created:
        plan.food_budget, plan.reserved_share, plan.paired_amount = budget, share, amount
        plan.save(update_fields=["food_budget", "reserved_share", "paired_amount", "updated_at"])
    if unit.paired_county_id != (county.pk if county is not None else None):
        unit.paired_county = county
        unit.save(update_fields=["paired_county"])
    return plan


# ---------------------------------------------------------------------- unit orders


def ship_within_clean(value: object) -> int:
    """7, 15 or 30 days, from a form's text or a number; ValidationError otherwise."""
    try:
        days = int(str(value).strip())
    except (TypeError, ValueError):
        days = None
    if days not in UnitOrder.ShipWithin.values:
        raise ValidationError(
            {"ship_within_days": _("Choose a latest ship date: within 7, 15 or 30 days.")}
        )
    return days


def unit_order_record(
    *, order: Any, user: "User | AnonymousUser | None", ship_within_days: int | None = None
) -> UnitOrder | None:
    """Called as an order is placed: an order by a member of an approved unit is the unit's.

    Runs inside the transaction that places the order. Returns None for anyone else.
    """
    if user is None or not user.is_authenticated:
        return None
    membership = (
        WorkUnitMember.objects.select_related("unit")
        .filter(user=user, unit__status=WorkUnit.Status.APPROVED)
        .first()
    )
    if membership is None:
        return None
    days = ship_within_clean(
        UnitOrder.ShipWithin.MONTH if ship_within_days is None else ship_within_days
    )
    placed_on = timezone.localdate(order.date_placed) if order.date_placed else timezone.localdate()
    return UnitOrder.objects.create(
        order=order,
        unit=membership.unit,
        placed_by=user,
        ship_within_days=days,
        ship_by=placed_on + datetime.timedelta(days=days),
    )


@transaction.atomic
def unit_order_inspect(
    *, unit_order: UnitOrder, by: "User", ratings: Mapping[int, int], comment: str = ""
) -> Inspection:
    """The buyer confirms delivery of a shipped order and rates each of its producers (1–5), once."""
    unit_order = UnitOrder.objects.select_for_update().get(pk=unit_order.pk)
    if Inspection.objects.filter(unit_order=unit_order).exists():
        raise ValidationError(_("This order's delivery has already been confirmed."))
    order = unit_order.order
    producer_ids = set(
        Producer.objects.filter(partner__order_lines__order=order).values_list("pk", flat=True)
    )
    shipped_ids = set(order.shipments.values_list("producer_id", flat=True))
    if not producer_ids or not producer_ids <= shipped_ids:
        raise ValidationError(
            _("Confirm delivery once every producer of the order has shipped its lines.")
        )
    errors: dict[str, list[str]] = {}
    for producer_id in sorted(producer_ids):
        rating = ratings.get(producer_id)
        if rating not in (1, 2, 3, 4, 5):
            errors[f"rating_{producer_id}"] = [_("Rate the producer from 1 to 5 stars.")]
    unknown = set(ratings) - producer_ids
    if unknown:
        errors["__all__"] = [_("Rate only the producers of this order.")]
    if errors:
        raise ValidationError(errors)
    inspection = Inspection.objects.create(
        unit_order=unit_order, by=by, comment=(comment or "").strip()
    )
    ProducerRating.objects.bulk_create(
        ProducerRating(inspection=inspection, producer_id=producer_id, rating=ratings[producer_id])
        for producer_id in sorted(producer_ids)
    )
    return inspection


# ---------------------------------------------------------------------- saved order lists


@transaction.atomic
def order_list_save(
    *, unit: WorkUnit, name: str, lines: Sequence["BasketLine"], by: "User"
) -> OrderList:
    """Save checked lines under a name; a list of the same name is replaced."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"list_name": _("Give the list a name.")})
    if len(name) > 64:
        raise ValidationError({"list_name": _("A list's name has at most 64 characters.")})
    if not lines:
        raise ValidationError(_("An order list needs at least one line."))
    order_list, created = OrderList.objects.select_for_update().get_or_create(
        unit=unit, name=name, defaults={"created_by": by}
    )
    if not created:
        order_list.lines.all().delete()
    OrderListLine.objects.bulk_create(
        OrderListLine(
            order_list=order_list, product=line.product, quantity=line.quantity, position=position
        )
        for position, line in enumerate(lines)
    )
    return order_list


@transaction.atomic
def order_list_delete(*, order_list: OrderList) -> None:
    order_list.delete()
