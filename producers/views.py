"""Public and producer-facing pages: apply, the producer's public page, its linked households."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from config.http import AuthenticatedHttpRequest
from impact.models import Region
from shop.selectors import product_card_queryset

from . import services
from .forms import ProducerApplicationForm
from .models import BenefitLink, Producer


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
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            producer.licence.save(data["licence"].name, data["licence"], save=True)
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
