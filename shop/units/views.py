"""A work unit's pages in the storefront (/shop/unit/): its account, plan, bulk ordering,
orders, payment-request certificates and delivery inspections.

Every page is for the members of one unit. A member of another unit, or a user
of none, who asks for a unit's order, list or certificate gets 403, and the
refusal is logged (logger ``yixiang.units``) with the user and the object.
"""

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.filters import filter_year
from common.forms import form_add_errors, form_save, messages_add_errors
from common.spreadsheets import Sheet, spreadsheet_bytes, spreadsheet_response
from config.http import AuthenticatedHttpRequest

from . import bulk, selectors, services
from .forms import (
    InspectionForm,
    InvoiceDetailsForm,
    OrderListUploadForm,
    QuickOrderForm,
    UnitPlanForm,
    WorkUnitApplyForm,
)
from .models import OrderList, UnitOrder, WorkUnit, WorkUnitMember

logger = logging.getLogger("yixiang.units")

Role = WorkUnitMember.Role
ORDERING = (Role.BUYER, Role.ADMINISTRATOR)
MANAGING = (Role.ADMINISTRATOR, Role.FINANCE)


class MemberRequest(AuthenticatedHttpRequest):
    """For type checking: a logged-in user's storefront request (``login_required``).

    ``basket`` is the one Oscar's ``BasketMiddleware`` puts on every storefront
    request (Oscar is untyped).
    """

    basket: Any


# ---------------------------------------------------------------------- who may see what


def _refuse(request: HttpRequest, *, what: str, pk: object, owner: WorkUnit | None) -> None:
    membership = selectors.work_unit_membership(user=request.user)
    logger.warning(
        "Refused: user %s (%s) asked for %s %s of work unit %s",
        request.user.get_username(),
        f"unit {membership.unit_id}" if membership else "no unit",
        what,
        pk,
        owner.pk if owner else "-",
    )
    raise PermissionDenied


def _member(request: HttpRequest, roles: Iterable[str] | None = None) -> WorkUnitMember:
    """The user's membership; 403 (logged) for a user of no unit or of the wrong role."""
    membership = selectors.work_unit_membership(user=request.user)
    if membership is None:
        _refuse(request, what="unit pages", pk=request.path, owner=None)
    assert membership is not None
    if roles is not None and membership.role not in roles:
        logger.warning(
            "Refused: user %s (%s of unit %s) asked for %s",
            request.user.get_username(),
            membership.role,
            membership.unit_id,
            request.path,
        )
        raise PermissionDenied
    return membership


def _ordering_member(request: HttpRequest) -> WorkUnitMember:
    membership = _member(request, ORDERING)
    _may_order(request, membership)
    return membership


def _may_order(request: HttpRequest, membership: WorkUnitMember) -> None:
    """A buyer or administrator of an approved unit; 403 (logged) otherwise."""
    if membership.role not in ORDERING or not membership.unit.is_approved:
        logger.warning(
            "Refused: user %s (%s of unit %s, %s) may not order for it: %s",
            request.user.get_username(),
            membership.role,
            membership.unit_id,
            membership.unit.status,
            request.path,
        )
        raise PermissionDenied


def _unit_order(request: HttpRequest, number: str, membership: WorkUnitMember) -> UnitOrder:
    unit_order = selectors.unit_order_by_number(number=number)
    if unit_order is None:
        raise Http404
    if unit_order.unit_id != membership.unit_id:
        _refuse(request, what="order", pk=number, owner=unit_order.unit)
    return unit_order


def _order_list(request: HttpRequest, pk: int) -> tuple[WorkUnitMember, OrderList]:
    """The member and one of their unit's saved lists, which they may order from; 403 (logged) else."""
    membership = _member(request)
    order_list = get_object_or_404(OrderList.objects.select_related("unit"), pk=pk)
    if order_list.unit_id != membership.unit_id:
        _refuse(request, what="order list", pk=pk, owner=order_list.unit)
    _may_order(request, membership)
    return membership, order_list


# ---------------------------------------------------------------------- the unit's account


@login_required
def unit_home(request: MemberRequest) -> HttpResponse:
    membership = selectors.work_unit_membership(user=request.user)
    if membership is None:
        return redirect("units:apply")
    unit = membership.unit
    today = timezone.localdate()
    progress = selectors.unit_progress(unit=unit, today=today)
    return render(
        request,
        "units/home.html",
        {
            "unit": unit,
            "membership": membership,
            "progress": progress,
            "reach": selectors.unit_warning_reach(unit=unit, year=progress.year),
            "paired": selectors.unit_paired_purchases(
                unit=unit, year=progress.year, plan=progress.plan
            ),
            "plan_due": unit.is_approved and selectors.unit_plan_due(unit=unit, today=today),
            "plan_deadline_passed": (today.month, today.day) > (3, 31),
            "orders": selectors.unit_orders(unit=unit)[:10],
            "order_lists": selectors.unit_order_lists(unit=unit),
            "members": selectors.work_unit_members(unit=unit),
            "can_order": unit.is_approved and membership.role in ORDERING,
            "can_manage": membership.role in MANAGING,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_apply(request: MemberRequest) -> HttpResponse:
    if selectors.work_unit_membership(user=request.user) is not None:
        return redirect("units:home")
    form = WorkUnitApplyForm(request.POST or None)
    if request.method == "POST" and form_save(
        request,
        form,
        lambda data: services.work_unit_apply(user=request.user, **data),
        _("Your unit is registered; the platform reviews it before it can order."),
    ):
        return redirect("units:home")
    status = 400 if request.method == "POST" else 200
    return render(request, "units/apply.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def unit_invoice(request: MemberRequest) -> HttpResponse:
    membership = _member(request, MANAGING)
    unit = membership.unit
    form = InvoiceDetailsForm.for_unit(unit, request.POST or None)
    if request.method == "POST" and form_save(
        request,
        form,
        lambda data: services.work_unit_invoice_update(unit=unit, **data),
        _("Invoice details saved."),
    ):
        return redirect("units:home")
    status = 400 if request.method == "POST" else 200
    return render(request, "units/invoice.html", {"form": form, "unit": unit}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def unit_plan(request: MemberRequest) -> HttpResponse:
    membership = _member(request, MANAGING)
    unit = membership.unit
    today = timezone.localdate()
    year = today.year
    if request.method == "GET":
        year = filter_year(request.GET) or year
    plan = selectors.unit_plans(unit=unit).filter(year=year).first()
    initial: dict[str, Any] = {
        "year": year,
        "reserved_share": "10",
        "paired_county": unit.paired_county_id,
    }
    if plan is not None:
        initial.update(
            food_budget=plan.food_budget,
            reserved_share=plan.reserved_share,
            paired_amount=plan.paired_amount if plan.paired_amount is not None else "",
        )
    counties = selectors.counties_with_producers(also=unit.paired_county)
    form = UnitPlanForm(request.POST or None, initial=initial, counties=counties)
    if request.method == "POST" and form_save(
        request,
        form,
        lambda data: services.unit_plan_file(unit=unit, by=request.user, today=today, **data),
        _("The yearly plan is saved."),
    ):
        return redirect("units:home")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "unit": unit, "plans": selectors.unit_plans(unit=unit)}
    return render(request, "units/plan.html", context, status=status)


# ---------------------------------------------------------------------- bulk ordering


def _into_basket(
    request: MemberRequest, membership: WorkUnitMember, lines: list[bulk.BasketLine], list_name: str
) -> HttpResponse:
    """Checked lines into the basket (and a saved list, when named); then the basket."""
    with transaction.atomic():
        if list_name:
            services.order_list_save(
                unit=membership.unit, name=list_name, lines=lines, by=request.user
            )
        added = bulk.basket_lines_add(basket=request.basket, lines=lines)
    messages.success(
        request,
        _("%(lines)s lines (%(items)s items) were added to your basket.")
        % {"lines": len(lines), "items": added},
    )
    if list_name:
        messages.info(request, _("Saved as the list “%(name)s”.") % {"name": list_name})
    return redirect("basket:summary")


def _quick_order_page(
    request: HttpRequest,
    membership: WorkUnitMember,
    *,
    form: QuickOrderForm | None = None,
    upload_form: OrderListUploadForm | None = None,
    problems: list[bulk.RowProblem] | None = None,
    problem_source: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "units/quick_order.html",
        {
            "unit": membership.unit,
            "form": form or QuickOrderForm(),
            "upload_form": upload_form or OrderListUploadForm(),
            "problems": problems or [],
            "problem_source": problem_source,
            "max_rows": bulk.MAX_ROWS,
            "help_first": selectors.unit_help_first(unit=membership.unit, request=request),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def quick_order(request: MemberRequest) -> HttpResponse:
    membership = _ordering_member(request)
    if request.method == "GET":
        return _quick_order_page(request, membership)
    form = QuickOrderForm(request.POST)
    if not form.is_valid():
        return _quick_order_page(request, membership, form=form, status=400)
    checked = bulk.order_lines_check(wanted=form.wanted(), basket=request.basket)
    if not checked.ok:
        return _quick_order_page(
            request,
            membership,
            form=form,
            problems=checked.problems,
            problem_source="form",
            status=400,
        )
    try:
        return _into_basket(request, membership, checked.lines, form.cleaned_data["list_name"])
    except ValidationError as exc:
        form_add_errors(form, exc)
        return _quick_order_page(request, membership, form=form, status=400)


@login_required
@require_POST
def order_list_upload(request: MemberRequest) -> HttpResponse:
    membership = _ordering_member(request)
    upload_form = OrderListUploadForm(request.POST, request.FILES)
    if not upload_form.is_valid():
        return _quick_order_page(request, membership, upload_form=upload_form, status=400)
    try:
        wanted = bulk.order_list_read(upload=upload_form.cleaned_data["file"])
    except bulk.OrderListFileError as exc:
        upload_form.add_error("file", str(exc))
        return _quick_order_page(request, membership, upload_form=upload_form, status=400)
    checked = bulk.order_lines_check(wanted=wanted, basket=request.basket)
    if not checked.ok:
        return _quick_order_page(
            request,
            membership,
            upload_form=upload_form,
            problems=checked.problems,
            problem_source="file",
            status=400,
        )
    try:
        return _into_basket(
            request, membership, checked.lines, upload_form.cleaned_data["list_name"]
        )
    except ValidationError as exc:
        form_add_errors(upload_form, exc)
        return _quick_order_page(request, membership, upload_form=upload_form, status=400)


@login_required
def order_list_template(request: MemberRequest) -> HttpResponse:
    """A CSV to fill in, UTF-8 with a BOM so that Excel opens it in Chinese."""
    _member(request)
    header, *examples = bulk.order_list_template_rows()
    content = spreadsheet_bytes([Sheet("order-list", header, examples)], fmt="csv")
    return spreadsheet_response(content, fmt="csv", filename="order-list.csv")


@login_required
def order_lists(request: MemberRequest) -> HttpResponse:
    membership = _member(request)
    return render(
        request,
        "units/order_lists.html",
        {
            "unit": membership.unit,
            "order_lists": selectors.unit_order_lists(unit=membership.unit),
            "can_order": membership.unit.is_approved and membership.role in ORDERING,
        },
    )


@login_required
@require_POST
def order_list_reorder(request: MemberRequest, pk: int) -> HttpResponse:
    """A saved list into the basket in one click, checked again against today's stock and rules."""
    membership, order_list = _order_list(request, pk)
    wanted = [
        bulk.WantedLine(row=number, code=line.product.upc or "", quantity=str(line.quantity))
        for number, line in enumerate(order_list.lines.select_related("product"), start=1)
    ]
    checked = bulk.order_lines_check(wanted=wanted, basket=request.basket)
    if not checked.ok:
        for problem in checked.problems:
            messages.error(request, str(problem))
        messages.error(
            request,
            _("Nothing from the list “%(name)s” was added to the basket.")
            % {"name": order_list.name},
        )
        return redirect("units:lists")
    return _into_basket(request, membership, checked.lines, "")


@login_required
@require_POST
def order_list_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _membership, order_list = _order_list(request, pk)
    services.order_list_delete(order_list=order_list)
    messages.success(request, _("The list “%(name)s” is deleted.") % {"name": order_list.name})
    return redirect("units:lists")


# ---------------------------------------------------------------------- the unit's orders


@login_required
def unit_order_list(request: MemberRequest) -> HttpResponse:
    membership = _member(request)
    return render(
        request,
        "units/orders.html",
        {"unit": membership.unit, "unit_orders": selectors.unit_orders(unit=membership.unit)},
    )


def _order_page(
    request: HttpRequest,
    membership: WorkUnitMember,
    unit_order: UnitOrder,
    *,
    form: InspectionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    producers = selectors.unit_order_producers(unit_order=unit_order)
    all_shipped = bool(producers) and all(row["shipped"] for row in producers)
    inspected = hasattr(unit_order, "inspection")
    can_inspect = membership.role in ORDERING and all_shipped and not inspected
    if can_inspect and form is None:
        form = InspectionForm(producers=[row["producer"] for row in producers])
    return render(
        request,
        "units/order_detail.html",
        {
            "unit": membership.unit,
            "unit_order": unit_order,
            "order": unit_order.order,
            "lines": unit_order.order.lines.select_related("partner__producer", "product"),
            "producers": producers,
            "all_shipped": all_shipped,
            "inspection": unit_order.inspection if inspected else None,
            "form": form if can_inspect else None,
        },
        status=status,
    )


@login_required
def unit_order_detail(request: MemberRequest, number: str) -> HttpResponse:
    membership = _member(request)
    unit_order = _unit_order(request, number, membership)
    return _order_page(request, membership, unit_order)


@login_required
@require_POST
def unit_order_inspect(request: MemberRequest, number: str) -> HttpResponse:
    membership = _member(request)
    unit_order = _unit_order(request, number, membership)
    _member(request, ORDERING)
    producers = [row["producer"] for row in selectors.unit_order_producers(unit_order=unit_order)]
    form = InspectionForm(request.POST, producers=producers)
    if form.is_valid():
        try:
            services.unit_order_inspect(
                unit_order=unit_order,
                by=request.user,
                ratings=form.ratings(),
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            if hasattr(unit_order, "inspection") or not hasattr(exc, "error_dict"):
                messages_add_errors(request, exc)
                return redirect("units:order", number=number)
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Delivery confirmed. Thank you for rating the producers."))
            return redirect("units:order", number=number)
    return _order_page(request, membership, unit_order, form=form, status=400)


@login_required
def unit_order_certificate(request: MemberRequest, number: str) -> HttpResponse:
    """订单请款证明: a print-ready page for the unit's finance office."""
    membership = _member(request)
    unit_order = _unit_order(request, number, membership)
    order = unit_order.order
    payment = getattr(order, "payment", None)
    return render(
        request,
        "units/certificate.html",
        {
            "unit": unit_order.unit,
            "unit_order": unit_order,
            "order": order,
            "payment": payment,
            "net_paid": (payment.amount_received - payment.amount_refunded) if payment else None,
            "lines": order.lines.select_related("partner__producer").order_by("pk"),
            "bank": settings.PLATFORM_BANK_ACCOUNT,
            "issued_at": timezone.localtime(),
            "certificate_number": f"QK-{order.number}",
            "home_url": reverse("units:order", kwargs={"number": order.number}),
        },
    )
