"""Public and producer-facing pages: apply, the producer's public page, its linked households;
the downloads of a producer's private documents (licence, certificate scans)."""

import logging
from typing import NoReturn

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from common.uploads import content_type_of
from config.http import AuthenticatedHttpRequest
from impact.models import AuditEvent, Region
from shop.selectors import product_card_queryset

from . import services
from .forms import ProducerApplicationForm
from .models import BenefitLink, Certificate, Producer
from .selectors import producer_documents_readable

logger = logging.getLogger("yixiang.producers")


@login_required
@require_http_methods(["GET", "POST"])
def producer_apply(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ProducerApplicationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        township, _ = Region.objects.get_or_create(
            parent=data["county"],
            name=data["township"].strip(),
            defaults={"level": Region.Level.TOWNSHIP},
        )
        try:
            producer = services.producer_apply(
                user=request.user,
                name=data["name"],
                kind=data["kind"],
                region=township,
                credit_code=data["credit_code"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                linkage=data["linkage"],
                story=data["story"],
                licence=data["licence"],  # stored privately, named by what it is
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return render(request, "producers/apply_done.html", {"producer": producer})
    status = 400 if request.method == "POST" else 200
    return render(request, "producers/apply.html", {"form": form}, status=status)


def producer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    producer = get_object_or_404(
        Producer.objects.select_related("region__parent__parent", "partner"),
        pk=pk,
        status=Producer.Status.APPROVED,
    )
    products = product_card_queryset().filter(stockrecords__partner=producer.partner).distinct()
    return render(
        request,
        "producers/producer_detail.html",
        {
            "producer": producer,
            "products": products,
            "households_reached": services.producer_households_reached(producer=producer),
        },
    )


def producer_list(request: HttpRequest) -> HttpResponse:
    producers = Producer.objects.filter(status=Producer.Status.APPROVED).select_related(
        "region__parent__parent"
    )
    return render(request, "producers/producer_list.html", {"producers": producers})


@login_required
def my_households(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A producer's linked households: by code and masked name only."""
    producer = Producer.objects.filter(partner__users=request.user).first()
    if producer is None:
        raise PermissionDenied
    if not producer.is_approved:
        raise Http404
    links = BenefitLink.objects.filter(producer=producer).select_related("household", "product")
    return render(request, "producers/my_households.html", {"producer": producer, "links": links})


# ---------------------------------------------------------------------- private documents


def _document_refuse(
    request: AuthenticatedHttpRequest, *, what: str, producer: Producer
) -> NoReturn:
    """404 (the document's existence is not revealed), logged and audited like a refused
    look outside one's county."""
    AuditEvent.objects.create(
        kind=AuditEvent.Kind.DENIED, user=request.user, path=request.path[:255]
    )
    logger.warning(
        "Refused: user %s asked for the %s of producer %s",
        request.user.pk,
        what,
        producer.pk,
    )
    raise Http404


def _document_response(document: FieldFile, *, stem: str) -> FileResponse:
    """The stored file as a download, typed by what it is (its name came from its content)."""
    name = document.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else "bin"
    try:
        handle = document.storage.open(name, "rb")
    except FileNotFoundError:
        logger.error("Document %s is missing from the private storage", name)
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{stem}.{extension}",
        content_type=content_type_of(name),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def licence_file(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """A producer's licence: for its users, its reviewers and its county's staff; 404 else."""
    producer = (
        Producer.objects.select_related("region__parent__parent", "partner").filter(pk=pk).first()
    )
    if producer is None or not producer.licence:
        raise Http404
    if not producer_documents_readable(user=request.user, producer=producer):
        _document_refuse(request, what="licence", producer=producer)
    return _document_response(producer.licence, stem=f"licence-{producer.pk}")


@login_required
def certificate_file(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """A certificate's scan (certification, licence, test report): as the licence."""
    certificate = (
        Certificate.objects.select_related("producer__region__parent__parent", "producer__partner")
        .filter(pk=pk)
        .first()
    )
    if certificate is None or not certificate.document:
        raise Http404
    if not producer_documents_readable(user=request.user, producer=certificate.producer):
        _document_refuse(
            request, what=f"certificate {certificate.pk}", producer=certificate.producer
        )
    return _document_response(
        certificate.document, stem=f"{certificate.kind}-{certificate.pk}".replace("_", "-")
    )
