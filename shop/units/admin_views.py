"""Work units in the back office (/cms/units/): listing, details, review and members."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.backoffice import forbidden_as_403, require_permission, require_staff
from common.filters import filter_choice
from common.forms import form_add_errors, form_save, messages_add_errors

from . import selectors, services
from .forms import (
    InvoiceDetailsForm,
    WorkUnitEditForm,
    WorkUnitForm,
    WorkUnitMemberForm,
    WorkUnitReviewForm,
)
from .models import WorkUnit

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def _can_change(user: "User | AnonymousUser") -> bool:
    return user.is_superuser or user.has_perm("units.change_workunit")


def _require_view(request: HttpRequest) -> "User":
    """Platform operations and finance (the units.view_workunit permission): units' invoice
    and bank details are theirs, not county monitoring staff's."""
    user = require_staff(request.user)
    require_permission(user, "units.view_workunit")
    return user


def _require_change(request: HttpRequest) -> "User":
    """Staff who may register, edit and review units (the units.change_workunit permission)."""
    user = require_staff(request.user)
    if not _can_change(user):
        raise PermissionDenied
    return user


@forbidden_as_403
def unit_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    status = filter_choice(request.GET, "status", WorkUnit.Status.values)
    return render(
        request,
        "units/admin/unit_list.html",
        {
            "units": selectors.work_unit_list(status=status),
            "statuses": WorkUnit.Status.choices,
            "status": status,
            "can_change": _can_change(request.user),
        },
    )


@forbidden_as_403
def unit_add(request: HttpRequest) -> HttpResponse:
    staff = _require_change(request)
    form = WorkUnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.work_unit_register(**form.cleaned_data, by=staff)
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Work unit registered; it awaits review."))
            return redirect("units_admin_detail", pk=unit.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "units/admin/unit_add.html", {"form": form}, status=status)


def _detail(
    request: HttpRequest, unit: WorkUnit, *, status: int = 200, **overrides: BaseForm
) -> HttpResponse:
    context = {
        "unit": unit,
        "members": selectors.work_unit_members(unit=unit),
        "steps": selectors.work_unit_steps(unit=unit),
        "can_change": _can_change(request.user),
        "edit_form": overrides.get("edit_form") or WorkUnitEditForm.for_unit(unit),
        "review_form": WorkUnitReviewForm(),
        "member_form": overrides.get("member_form") or WorkUnitMemberForm(),
        "invoice_form": overrides.get("invoice_form") or InvoiceDetailsForm.for_unit(unit),
        "progress": selectors.unit_progress(unit=unit),
        "plans": selectors.unit_plans(unit=unit),
    }
    return render(request, "units/admin/unit_detail.html", context, status=status)


def _detail_form_saved(
    request: HttpRequest,
    unit: WorkUnit,
    form_name: str,
    form: BaseForm,
    save: Callable[[dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """A form of the unit's page, posted: once saved, back to the page; else the page again, 400."""
    if form_save(request, form, save, done):
        return redirect("units_admin_detail", pk=unit.pk)
    return _detail(request, unit, status=400, **{form_name: form})


@forbidden_as_403
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows the unit; POST saves its edited details."""
    _require_view(request)
    unit = get_object_or_404(WorkUnit, pk=pk)
    if request.method != "POST":
        return _detail(request, unit)
    _require_change(request)
    return _detail_form_saved(
        request,
        unit,
        "edit_form",
        WorkUnitEditForm(request.POST),
        lambda data: services.work_unit_update(unit=unit, **data),
        _("Work unit saved."),
    )


@forbidden_as_403
@require_POST
def unit_review(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _require_change(request)
    unit = get_object_or_404(WorkUnit, pk=pk)
    form = WorkUnitReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect("units_admin_detail", pk=unit.pk)
    try:
        if form.cleaned_data["action"] == "approve":
            services.work_unit_approve(unit=unit, by=staff)
            messages.success(request, _("Work unit approved."))
        else:
            services.work_unit_reject(unit=unit, by=staff, reason=form.cleaned_data["reason"])
            messages.success(request, _("Work unit rejected."))
    except ValidationError as exc:
        messages_add_errors(request, exc)
    return redirect("units_admin_detail", pk=unit.pk)


@forbidden_as_403
@require_POST
def unit_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    _require_change(request)
    unit = get_object_or_404(WorkUnit, pk=pk)
    return _detail_form_saved(
        request,
        unit,
        "member_form",
        WorkUnitMemberForm(request.POST),
        lambda data: services.work_unit_member_add(unit=unit, **data),
        _("Member added."),
    )


@forbidden_as_403
@require_POST
def unit_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    _require_change(request)
    unit = get_object_or_404(WorkUnit, pk=pk)
    return _detail_form_saved(
        request,
        unit,
        "invoice_form",
        InvoiceDetailsForm(request.POST),
        lambda data: services.work_unit_invoice_update(unit=unit, **data),
        _("Invoice details saved."),
    )
