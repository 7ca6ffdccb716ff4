"""A producer's own impact figures, in the shop dashboard.

Mounted by the dashboard fork (``shop/dashboard/apps.py``) at
``/shop/dashboard/orders/producer-impact/`` as ``dashboard:producer-impact``, open to
``order.view_order`` (staff) or ``partner.dashboard_access`` (a producer's users).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.generic import TemplateView

from common.filters import filter_int
from config.http import AuthenticatedHttpRequest
from producers.models import Producer

from . import tables as report_tables
from .exports import Table
from .producer import ProducerImpact, producer_impact, producer_payout_todo
from .staff import period_choices
from .views import export_response, period_from_request


def producer_for(request: AuthenticatedHttpRequest) -> Producer | None:
    """A producer's user's own producer (PermissionDenied if none); staff choose with ``?partner=``."""
    producers = Producer.objects.select_related("partner")
    if not request.user.is_staff:
        producer = producers.filter(partner__users=request.user).first()
        if producer is None:
            raise PermissionDenied
        return producer
    partner = filter_int(request.GET, "partner")
    chosen = producers.filter(partner_id=partner).first() if partner is not None else None
    return chosen or producers.order_by("partner__name").first()


class ProducerImpactView(TemplateView):
    """A producer's own impact figures: its sales and what reached its linked households.

    A producer's user sees its own producer only; staff choose one with ``?partner=``.
    ``?format=csv|xlsx`` exports the same table as the page.
    """

    template_name = "oscar/dashboard/orders/producer_impact.html"
    request: AuthenticatedHttpRequest  # Oscar's dashboard lets only logged-in users in

    producer_obj: Producer | None
    impact: ProducerImpact | None
    period_error: str | None
    tables: list[Table]
    charts: list[dict[str, Any]]

    def producer(self) -> Producer | None:
        return producer_for(self.request)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        producer = self.producer()
        period, self.period_error = period_from_request(request)
        self.producer_obj = producer
        self.impact = producer_impact(producer=producer, period=period) if producer else None
        self.tables, self.charts = [], []
        if self.impact is not None:
            self.tables = report_tables.breakdown_tables(
                self.impact.products, by="product", period_label=period.label
            )
            self.charts = report_tables.breakdown_charts(self.impact.products, by="product")
            if request.GET.get("format"):
                return export_response(
                    self.tables, fmt=request.GET["format"], name=f"producer-impact-{period.key}"
                )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            producer=self.producer_obj,
            impact=self.impact,
            tables=self.tables,
            charts=self.charts,
            periods=period_choices(),
            period_error=self.period_error,
            query=self.request.GET.urlencode(),
            producers=Producer.objects.select_related("partner").order_by("partner__name")
            if self.request.user.is_staff
            else [],
        )
        return ctx


class ProducerArrearsView(TemplateView):
    """A producer's households owed past due (code and masked name), and its disputed payouts.

    Mounted by the dashboard fork at ``/shop/dashboard/orders/producer-arrears/``
    (``dashboard:producer-arrears``), open as the producer-impact page. A producer's
    user sees its own producer only; staff choose one with ``?partner=``.
    """

    template_name = "oscar/dashboard/orders/producer_arrears.html"
    request: AuthenticatedHttpRequest

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        producer = producer_for(self.request)
        ctx.update(
            producer=producer,
            todo=producer_payout_todo(producer=producer, today=timezone.localdate())
            if producer
            else None,
            producers=Producer.objects.select_related("partner").order_by("partner__name")
            if self.request.user.is_staff
            else [],
        )
        return ctx
