"""Producers in the back office (/cms/producers/): onboarding review and benefit links."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.backoffice import forbidden_as_403, require_monitoring, require_staff
from common.filters import filter_choice
from common.forms import form_add_errors, messages_add_errors
from config.http import AuthenticatedHttpRequest
from impact.monitoring.access import counties_visible_to
from impact.reporting.producer import producer_payout_todo

from . import services
from .forms import BenefitLinkForm, ReviewForm
from .models import BenefitLink, Producer


def _visible(request: HttpRequest) -> QuerySet[Producer]:
    """Every producer for platform operations (producers.view_producer: they approve them);
    the producers of their area for monitoring staff, who recommend them."""
    user = require_staff(request.user)
    if user.has_perm("producers.view_producer"):
        return Producer.objects.all()
    require_monitoring(user)
    counties = counties_visible_to(user=request.user)
    return Producer.objects.filter(region__parent__in=counties) | Producer.objects.filter(
        region__in=counties
    )


def _can_approve(user: User | AnonymousUser) -> bool:
    return user.is_superuser or user.has_perm("producers.change_producer")


@forbidden_as_403
def producer_list(request: HttpRequest) -> HttpResponse:
    producers = _visible(request).select_related("region__parent").order_by("status", "name")
    status = filter_choice(request.GET, "status", Producer.Status.values)
    if status:
        producers = producers.filter(status=status)
    return render(
        request,
        "producers/admin/producer_list.html",
        {"producers": producers, "statuses": Producer.Status.choices, "status": status},
    )


def _detail_context(request: HttpRequest, producer: Producer, **extra: Any) -> dict[str, Any]:
    return {
        "producer": producer,
        "steps": producer.onboarding_steps.select_related("by"),
        "certificates": producer.certificates.select_related("product"),
        "links": BenefitLink.objects.filter(producer=producer).select_related(
            "household", "product"
        ),
        "review_form": ReviewForm(),
        "link_form": BenefitLinkForm(producer=producer),
        "can_approve": _can_approve(request.user),
        # Payouts to households (issue #16): overdue dues and disputed payouts.
        "payout_todo": producer_payout_todo(producer=producer, today=timezone.localdate()),
        **extra,
    }


@forbidden_as_403
def producer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    producer = get_object_or_404(_visible(request), pk=pk)
    return render(
        request, "producers/admin/producer_detail.html", _detail_context(request, producer)
    )


@forbidden_as_403
@require_POST
def producer_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    producer = get_object_or_404(_visible(request), pk=pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        action, note = form.cleaned_data["action"], form.cleaned_data["note"]
        if action in ("approve",) and not _can_approve(request.user):
            raise PermissionDenied
        try:
            if action == "recommend":
                services.producer_recommend(producer=producer, by=request.user, note=note)
            elif action == "approve":
                services.producer_approve(producer=producer, by=request.user, note=note)
            else:
                services.producer_reject(producer=producer, by=request.user, reason=note)
        except ValidationError as exc:
            messages_add_errors(request, exc)
        else:
            messages.success(request, _("Application updated."))
    return redirect("producers_admin_detail", pk=producer.pk)


@forbidden_as_403
@require_POST
def producer_add_link(request: HttpRequest, pk: int) -> HttpResponse:
    producer = get_object_or_404(_visible(request), pk=pk)
    form = BenefitLinkForm(request.POST, producer=producer)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.benefit_link_create(
                producer=producer,
                household=data["household_code"],
                kind=data["kind"],
                product=data["product"],
                per_unit=data["per_unit"],
                share=data["share"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Benefit link saved."))
            return redirect("producers_admin_detail", pk=producer.pk)
    context = _detail_context(request, producer, link_form=form)
    return render(request, "producers/admin/producer_detail.html", context, status=400)
