"""A producer's certificates in the shop dashboard (/shop/dashboard/certificates/).

Mounted by the dashboard fork (``shop/dashboard/apps.py``) in the ``dashboard`` URL
namespace. A producer's users see their own producer's certificates and upload a
renewal of one (it waits for review); platform finance reviews the renewals awaiting
review (DESIGN.md roles: finance handles certificates); platform operations may read
the page. Everyone else is refused (Oscar's dashboard permissions, then these checks).
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from common.filters import filter_int
from common.forms import form_add_errors, messages_add_errors
from common.roles import is_platform_finance, is_platform_operations
from config.http import AuthenticatedHttpRequest

from . import selectors, services
from .forms import CertificateRenewalForm, CertificateReviewForm
from .models import Certificate, Producer

TEMPLATE = "oscar/dashboard/certificates/producer_certificates.html"


def _own_producer(request: AuthenticatedHttpRequest) -> Producer | None:
    """The producer whose user is asking (None for platform finance and operations, who see
    the review page); 403 for every other role (common.roles)."""
    if is_platform_finance(request.user) or is_platform_operations(request.user):
        return None
    producer = (
        Producer.objects.filter(partner__users=request.user).select_related("partner").first()
    )
    if producer is not None:  # Role.PRODUCER: one of its producer's users
        return producer
    raise PermissionDenied


def _page(
    request: AuthenticatedHttpRequest,
    *,
    producer: Producer | None,
    renewal_forms: dict[int, CertificateRenewalForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    staff_view = producer is None
    shown = producer
    if staff_view:  # the platform's staff may look at one producer's with ?partner=
        partner = filter_int(request.GET, "partner")
        shown = Producer.objects.filter(partner_id=partner).first() if partner else None
    rows = selectors.producer_certificates(producer=shown, today=today) if shown else []
    forms = renewal_forms or {}
    for row in rows:
        if not staff_view and row.renewable and row.certificate.pk not in forms:
            forms[row.certificate.pk] = CertificateRenewalForm(
                prefix=f"renew-{row.certificate.pk}",
                initial={
                    "issuer": row.certificate.issuer,
                    "valid_from": row.certificate.valid_to + datetime.timedelta(days=1),
                },
            )
    return render(
        request,
        TEMPLATE,
        {
            "producer": shown,
            "staff_view": staff_view,
            "rows": [(row, forms.get(row.certificate.pk)) for row in rows],
            "awaiting_review": list(selectors.certificates_awaiting_review()) if staff_view else [],
            "can_review": staff_view and is_platform_finance(request.user),
            "review_form": CertificateReviewForm(),
            "producers": Producer.objects.order_by("name") if staff_view else [],
            "today": today,
        },
        status=status,
    )


@require_GET
def producer_certificates(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _page(request, producer=_own_producer(request))


@require_POST
def producer_certificate_renew(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    producer = _own_producer(request)
    if producer is None:
        raise PermissionDenied  # the platform's staff review renewals; they do not upload them
    certificate = get_object_or_404(Certificate, pk=pk, producer=producer)
    form = CertificateRenewalForm(request.POST, request.FILES, prefix=f"renew-{certificate.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.certificate_renew(
                certificate=certificate,
                number=data["number"],
                issuer=data["issuer"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                document=data["document"],
                by=request.user,
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Renewal uploaded: it counts once the platform's finance staff approve it."),
            )
            return redirect("dashboard:producer-certificates")
    return _page(request, producer=producer, renewal_forms={certificate.pk: form}, status=400)


@require_POST
def producer_certificate_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if not is_platform_finance(request.user):
        raise PermissionDenied
    certificate = get_object_or_404(Certificate, pk=pk)
    form = CertificateReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to approve or reject the certificate."))
        return redirect("dashboard:producer-certificates")
    try:
        services.certificate_review(
            certificate=certificate,
            approve=form.cleaned_data["action"] == "approve",
            by=request.user,
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        messages_add_errors(request, exc)
    else:
        done = (
            _("Certificate %(number)s approved.")
            if form.cleaned_data["action"] == "approve"
            else _("Certificate %(number)s rejected.")
        )
        messages.success(request, done % {"number": certificate.number})
    return redirect("dashboard:producer-certificates")
