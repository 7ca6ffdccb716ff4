"""Platform finance's pages in the shop dashboard: transfers to record, overdue pay-later orders, refunds."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from oscar.core.loading import get_model
from oscar.templatetags.currency_filters import currency

from common.forms import form_add_errors
from config.http import AuthenticatedHttpRequest

from . import selectors, services
from .forms import RefundForm, TransferForm
from .models import OrderPayment

Order = get_model("order", "Order")
View = Callable[..., HttpResponse]


def finance_only(permission: str) -> Callable[[View], View]:
    """Platform finance (and superusers) only: ``is_staff`` and ``permission`` on payments.

    Anonymous users go to the login page; anyone else signed in gets 403, county,
    township and village monitoring staff included (they are staff for monitoring only).
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.is_staff or not request.user.has_perm(permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


@finance_only("payments.view_orderpayment")
def payment_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "payments/dashboard/payment_list.html",
        {
            "awaiting_transfer": selectors.payments_awaiting_transfer()[:200],
            "pay_later": selectors.payments_pay_later_outstanding()[:200],
            "overdue_count": selectors.payments_overdue(today=today).count(),
            "today": today,
        },
    )


def _payment(number: str) -> OrderPayment:
    return get_object_or_404(OrderPayment.objects.select_related("order"), order__number=number)


def _detail(request: HttpRequest, payment: OrderPayment, **forms: Any) -> HttpResponse:
    lines = list(payment.order.lines.order_by("pk"))
    context = {
        "payment": payment,
        "order": payment.order,
        "transfers": payment.transfers.all(),
        "refunds": payment.refunds.prefetch_related("lines__line"),
        "events": payment.events.all(),
        "transfer_form": forms.get("transfer_form")
        or TransferForm(initial={"amount": payment.balance_due}),
        "refund_form": forms.get("refund_form") or RefundForm(lines=lines),
        "today": timezone.localdate(),
    }
    return render(
        request, "payments/dashboard/payment_detail.html", context, status=forms.get("status", 200)
    )


@finance_only("payments.view_orderpayment")
def payment_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _detail(request, _payment(number))


@finance_only("payments.record_transfer")
@require_POST
def transfer_record(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    payment = _payment(number)
    form = TransferForm(request.POST)
    if form.is_valid():
        try:
            services.order_transfer_record(
                order=payment.order, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            payment.refresh_from_db()
            if payment.is_paid:
                messages.success(request, _("Transfer recorded: the order is paid."))
            else:
                messages.success(
                    request,
                    _("Transfer recorded: %(balance)s is still due.")
                    % {"balance": currency(payment.balance_due)},
                )
            return redirect("payments-dashboard:detail", number=number)
    return _detail(request, payment, transfer_form=form, status=400)


@finance_only("payments.refund_payment")
@require_POST
def refund_create(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    payment = _payment(number)
    form = RefundForm(request.POST, lines=payment.order.lines.order_by("pk"))
    if form.is_valid():
        try:
            refund = services.order_refund_request(
                order=payment.order,
                lines=form.requests(),
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            if refund.state == refund.State.SUCCEEDED:
                messages.success(
                    request,
                    _("Refund of %(amount)s recorded.") % {"amount": currency(refund.amount)},
                )
            else:
                messages.success(
                    request,
                    _("Refund of %(amount)s sent to Stripe.") % {"amount": currency(refund.amount)},
                )
            return redirect("payments-dashboard:detail", number=number)
    return _detail(request, payment, refund_form=form, status=400)
