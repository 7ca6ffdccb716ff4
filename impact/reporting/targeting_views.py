"""The gap to the line and the what-if in the back office (/cms/impact/reports/gap/,
/cms/impact/reports/what-if/), next to the impact reports (issue #21).

Monitoring staff see their own area (``impact.monitoring.access``); platform operations
and administrators every county. The gap report exports the same tables (folded alike) as
CSV or XLSX with ``?format=csv|xlsx``. The what-if reads its input from the query string
and saves nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from common.backoffice import forbidden_as_403, is_monitoring
from common.filters import filter_int
from common.roles import is_platform_operations

from ..models import Region
from ..monitoring.access import Scope, staff_scope
from ..targeting import FOLD_BELOW, GAP_BANDS, IN_WARNING
from . import targeting
from .tables import level_label
from .views import export_response


def targeting_scope(request: HttpRequest) -> Scope:
    """Who sees what: platform operations and administrators every county; monitoring staff
    their own area; everyone else nothing (PermissionDenied)."""
    if is_platform_operations(request.user):
        return Scope(None)
    scope = staff_scope(request.user)
    if scope is None:
        raise PermissionDenied
    return scope


def county_asked(request: HttpRequest, scope: Scope) -> Region | None:
    """The county of ``?county=`` (404 if none such; 403 outside the scope), else the scope's
    one county, else None (several visible, none chosen)."""
    wanted = filter_int(request.GET, "county")
    if wanted is None:
        if scope.county_ids is not None and len(scope.county_ids) == 1:
            return Region.objects.get(pk=scope.county_ids[0])
        return None
    county = Region.objects.filter(pk=wanted, level=Region.Level.COUNTY).first()
    if county is None:
        raise Http404
    if not scope.covers(county.pk):
        raise PermissionDenied
    return county


def _counties(scope: Scope) -> list[Region]:
    return list(
        scope.filter(Region.objects.filter(level=Region.Level.COUNTY), "pk").order_by(
            "code", "name"
        )
    )


def _context(
    request: HttpRequest, scope: Scope, county: Region | None, **extra: Any
) -> dict[str, Any]:
    counties = _counties(scope) if scope.county_ids is None or len(scope.county_ids) > 1 else []
    return {
        "counties": counties,
        "county": county,
        "city_wide": bool(counties),
        "fold_below": FOLD_BELOW,
        "bands": GAP_BANDS,
        # platform operations hold no area: the other reports are monitoring staff's
        "platform_only": not is_monitoring(request.user),
        **extra,
    }


@forbidden_as_403
def report_gap(request: HttpRequest) -> HttpResponse:
    """Households in warning and how far each is from the line, by area, product, producer."""
    scope = targeting_scope(request)
    county = county_asked(request, scope)
    report = targeting.gap_report(scope=scope, county=county)
    tables = targeting.gap_tables(report)
    if request.GET.get("format"):
        name = f"gap-to-line-{county.code or county.pk}" if county else "gap-to-line"
        return export_response(tables, fmt=request.GET["format"], name=name)
    return render(
        request,
        "impact/admin/targeting_gap.html",
        _context(
            request,
            scope,
            county,
            title=_("Gap to the line"),
            report=report,
            total=tables[0] if county is not None else None,
            total_within=[
                (f"{band:,}", report.total.gap.within.get(band, 0))
                for band in GAP_BANDS
                if report.total is not None and report.total.gap is not None
            ],
            tables=tables,
            assumptions=targeting.gap_assumptions(),
            unreachable_reasons=targeting.unreachable_reasons(),
            fold=targeting.fold_label(),
            query=request.GET.urlencode(),
        ),
    )


@forbidden_as_403
def report_whatif(request: HttpRequest) -> HttpResponse:
    """If sales of these products grew by ¥N this year: who would cross the line. Pure."""
    scope = targeting_scope(request)
    county = county_asked(request, scope)
    candidates = targeting.whatif_candidates(county_id=county.pk) if county else []
    errors: list[str] = []
    whatif = None
    chosen_ids = set(request.GET.getlist("product"))
    amount = request.GET.get("amount", "")
    if county is not None and ("amount" in request.GET or "product" in request.GET):
        try:
            value, chosen = targeting.whatif_parse(
                amount=amount, product_ids=request.GET.getlist("product"), candidates=candidates
            )
        except ValidationError as error:
            errors = error.messages
        else:
            whatif = targeting.whatif_run(amount=value, products=chosen)
    listed = targeting.whatif_listed(candidates, chosen_ids)
    return render(
        request,
        "impact/admin/targeting_whatif.html",
        _context(
            request,
            scope,
            county,
            title=_("What-if: more sales"),
            candidates=listed,
            candidates_hidden=len(candidates) - len(listed),
            candidates_best=targeting.PAGE_ROWS,
            chosen_ids=chosen_ids,
            amount=amount,
            errors=errors,
            whatif=whatif,
            whatif_levels=[
                (level_label(level), whatif.projection.crossing.get(level.value, 0))
                for level in IN_WARNING
            ]
            if whatif
            else [],
            whatif_products=[
                (product, whatif.amounts[product.product_id]) for product in whatif.products
            ]
            if whatif
            else [],
            fold=targeting.fold_label(),
        ),
    )
