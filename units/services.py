"""Writes of the units app: registration, review and membership of work units."""

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from producers.services import credit_code_clean

from .models import WorkUnit, WorkUnitMember, WorkUnitStep

if TYPE_CHECKING:
    from django.contrib.auth.models import User


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
