"""The payouts pages: a producer's own in the shop dashboard, and county staff's on its behalf.

Both show one producer's linked households (code and masked name only) with due,
paid out, outstanding and paid ahead; a form to record one payout; a sheet upload
(with a template to download); and the producer's payouts, each reversible.

- ``/shop/dashboard/payouts/…`` (mounted by ``shop/dashboard/apps.py``): a producer's
  user, for its own producer only.
- ``/cms/impact/payouts/…`` (``impact/wagtail_hooks.py``): staff holding
  ``impact.add_payout``, for the producers of their county.

Whoever asks for another producer's page or payout gets 403: the producer is always
looked up through ``payouts.producers_payable_by``, and the services check it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.backoffice import forbidden_as_403, require_monitoring, require_permission
from common.forms import form_add_errors, messages_add_errors
from common.money import ZERO
from common.spreadsheets import FORMATS, ImportFileError, spreadsheet_bytes, spreadsheet_response
from config.http import AuthenticatedHttpRequest
from producers.models import Producer

from ..models import Payout
from . import payouts
from .payout_forms import PayoutForm, PayoutReverseForm, PayoutUploadForm


@dataclass(frozen=True)
class PageKind:
    """Where a payouts page lives: its template and how its URLs are named."""

    template: str
    url: Callable[[str, Producer, tuple[Any, ...]], str]
    with_producer_column: bool = False


def _dashboard_url(name: str, producer: Producer, args: tuple[Any, ...]) -> str:
    return reverse(f"dashboard:producer-payouts{name}", args=args)


def _backoffice_url(name: str, producer: Producer, args: tuple[Any, ...]) -> str:
    return reverse(f"impact_payouts_producer{name}", args=(producer.pk, *args))


DASHBOARD = PageKind("oscar/dashboard/payouts/producer_payouts.html", _dashboard_url)
BACKOFFICE = PageKind("impact/admin/payouts.html", _backoffice_url)


def _page(
    request: HttpRequest,
    producer: Producer,
    kind: PageKind,
    *,
    form: PayoutForm | None = None,
    upload: PayoutUploadForm | None = None,
    result: payouts.PayoutImportResult | None = None,
    status: int = 200,
) -> HttpResponse:
    rows = payouts.producer_payout_households(producer=producer)
    return render(
        request,
        kind.template,
        {
            "producer": producer,
            "households": rows,
            "totals": payouts.producer_payout_totals(rows=rows),
            "payouts": [
                (payout, kind.url("-reverse", producer, (payout.pk,)))
                for payout in payouts.producer_payouts(producer=producer)[:200]
            ],
            "form": form or PayoutForm(producer=producer),
            "upload": upload or PayoutUploadForm(),
            "reverse_form": PayoutReverseForm(),
            "result": result,
            "columns": payouts.TEMPLATE_COLUMNS,
            "urls": {
                "page": kind.url("", producer, ()),
                "record": kind.url("-record", producer, ()),
                "upload": kind.url("-upload", producer, ()),
                "template_csv": kind.url("-template", producer, ("csv",)),
                "template_xlsx": kind.url("-template", producer, ("xlsx",)),
            },
        },
        status=status,
    )


def _record(request: AuthenticatedHttpRequest, producer: Producer, kind: PageKind) -> HttpResponse:
    form = PayoutForm(request.POST, producer=producer)
    if form.is_valid():
        data = form.cleaned_data
        try:
            payout = payouts.payout_record(
                producer=producer,
                household=data["household"],
                amount=data["amount"],
                paid_on=data["paid_on"],
                method=data["method"],
                reference=data["reference"],
                note=data["note"],
                by=request.user,
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Recorded: ¥%(amount)s paid to household %(code)s.")
                % {"amount": payout.amount, "code": payout.household.code},
            )
            return redirect(kind.url("", producer, ()))
    return _page(request, producer, kind, form=form, status=400)


def _upload(request: AuthenticatedHttpRequest, producer: Producer, kind: PageKind) -> HttpResponse:
    upload = PayoutUploadForm(request.POST, request.FILES)
    result = None
    if upload.is_valid():
        try:
            result = payouts.payouts_import(
                file=upload.cleaned_data["file"],
                by=request.user,
                producer=producer,
                dry_run=upload.cleaned_data["dry_run"],
            )
        except ImportFileError as exc:
            upload.add_error("file", str(exc))
    ok = result is not None and result.ok
    if ok and result is not None and not result.dry_run:
        messages.success(
            request,
            _("Recorded %(count)s payouts, ¥%(total)s in all.")
            % {"count": result.created, "total": result.total},
        )
    return _page(request, producer, kind, upload=upload, result=result, status=200 if ok else 400)


def _template(fmt: str, *, with_producer: bool = False) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404
    sheet = payouts.payouts_template(with_producer=with_producer)
    return spreadsheet_response(
        spreadsheet_bytes([sheet], fmt=fmt), fmt=fmt, filename=f"payouts-template.{fmt}"
    )


def _reverse(
    request: AuthenticatedHttpRequest, producer: Producer, kind: PageKind, pk: int
) -> HttpResponse:
    payout = Payout.objects.filter(pk=pk, producer=producer).select_related("producer").first()
    if payout is None:
        raise PermissionDenied  # another producer's payout, or none at all: the same answer
    form = PayoutReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the payout is reversed."))
    else:
        try:
            payouts.payout_reverse(
                payout=payout, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages_add_errors(request, exc)
        else:
            messages.success(request, _("The payout is reversed; it no longer counts."))
    return redirect(kind.url("", producer, ()))


# ---------------------------------------------------------------------- the producer's own


def _own_producer(request: AuthenticatedHttpRequest) -> Producer:
    """The producer whose user is asking; PermissionDenied for anyone else (staff use /cms/)."""
    producer = payouts.producers_payable_by(user=request.user).filter(
        partner__users=request.user, status=Producer.Status.APPROVED
    )
    found = producer.select_related("partner").first()
    if found is None:
        raise PermissionDenied
    return found


@require_http_methods(["GET"])
def producer_payouts(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _page(request, _own_producer(request), DASHBOARD)


@require_POST
def producer_payout_record(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _record(request, _own_producer(request), DASHBOARD)


@require_POST
def producer_payouts_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _upload(request, _own_producer(request), DASHBOARD)


@require_http_methods(["GET"])
def producer_payouts_template(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponse:
    _own_producer(request)
    return _template(fmt)


@require_POST
def producer_payout_reverse(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _reverse(request, _own_producer(request), DASHBOARD, pk)


# ---------------------------------------------------------------------- staff on its behalf


def _staff_producer(request: HttpRequest, pk: int) -> Producer:
    """A producer of the staff member's county; PermissionDenied for any other."""
    require_monitoring(request.user)
    require_permission(request.user, "impact.add_payout")
    producer = (
        payouts.producers_payable_by(user=request.user)
        .filter(pk=pk)
        .select_related("partner", "region")
        .first()
    )
    if producer is None:
        raise PermissionDenied
    return producer


def _staff_payout_producers(
    request: HttpRequest,
    *,
    upload: PayoutUploadForm | None = None,
    result: payouts.PayoutImportResult | None = None,
    status: int = 200,
) -> HttpResponse:
    producers = list(
        payouts.producers_payable_by(user=request.user)
        .select_related("region__parent")
        .order_by("name")
    )
    balances = payouts.payout_balances(producer_ids=[p.pk for p in producers])
    totals: dict[int, dict[str, Any]] = {
        p.pk: {"due": ZERO, "paid_out": ZERO, "outstanding": ZERO, "paid_ahead": ZERO}
        for p in producers
    }
    for (producer_id, _household_id), balance in balances.items():
        each = totals[producer_id]
        each["due"] += balance.due
        each["paid_out"] += balance.paid_out
        each["outstanding"] += balance.outstanding
        each["paid_ahead"] += balance.paid_ahead
    rows = [(producer, totals[producer.pk]) for producer in producers]
    return render(
        request,
        "impact/admin/payout_producers.html",
        {
            "rows": rows,
            "upload": upload or PayoutUploadForm(),
            "result": result,
            "columns": (*payouts.TEMPLATE_COLUMNS, payouts.PRODUCER_COLUMN),
        },
        status=status,
    )


def _staff_may_record(request: HttpRequest) -> None:
    if not payouts.staff_record_payouts(request.user):
        raise PermissionDenied


@forbidden_as_403
@require_http_methods(["GET"])
def staff_payout_producers(request: HttpRequest) -> HttpResponse:
    """The producers a staff member may record payouts for, with what each owes in all."""
    _staff_may_record(request)
    return _staff_payout_producers(request)


@forbidden_as_403
@require_POST
def staff_payouts_upload_many(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A sheet for several producers of the staff member's county: its 生产主体 column says whose."""
    _staff_may_record(request)
    upload = PayoutUploadForm(request.POST, request.FILES)
    result = None
    if upload.is_valid():
        try:
            result = payouts.payouts_import(
                file=upload.cleaned_data["file"],
                by=request.user,
                dry_run=upload.cleaned_data["dry_run"],
            )
        except ImportFileError as exc:
            upload.add_error("file", str(exc))
    ok = result is not None and result.ok
    if ok and result is not None and not result.dry_run:
        messages.success(
            request,
            _("Recorded %(count)s payouts, ¥%(total)s in all.")
            % {"count": result.created, "total": result.total},
        )
    return _staff_payout_producers(request, upload=upload, result=result, status=200 if ok else 400)


@forbidden_as_403
@require_http_methods(["GET"])
def staff_payouts_template_many(request: HttpRequest, fmt: str) -> HttpResponse:
    _staff_may_record(request)
    return _template(fmt, with_producer=True)


@forbidden_as_403
@require_http_methods(["GET"])
def staff_producer_payouts(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _page(request, _staff_producer(request, pk), BACKOFFICE)


@forbidden_as_403
@require_POST
def staff_payout_record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _record(request, _staff_producer(request, pk), BACKOFFICE)


@forbidden_as_403
@require_POST
def staff_payouts_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _upload(request, _staff_producer(request, pk), BACKOFFICE)


@forbidden_as_403
@require_http_methods(["GET"])
def staff_payouts_template(request: AuthenticatedHttpRequest, pk: int, fmt: str) -> HttpResponse:
    _staff_producer(request, pk)
    return _template(fmt)


@forbidden_as_403
@require_POST
def staff_payout_reverse(
    request: AuthenticatedHttpRequest, pk: int, payout_pk: int
) -> HttpResponse:
    return _reverse(request, _staff_producer(request, pk), BACKOFFICE, payout_pk)
