"""Impact reports in the back office (/cms/impact/reports/…), scoped to the staff member's county.

Each view reads one report, turns it into tables and charts
(``report_tables``), and either renders them or, with ``?format=csv|xlsx``,
sends the same tables as a file.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from config.backoffice import forbidden_as_403

from . import report_tables, reports, services
from .exports import Table, tables_export
from .models import Region

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _export(tables: list[Table], *, fmt: str, name: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404
    response = HttpResponse(tables_export(tables=tables, fmt=fmt), content_type=CONTENT_TYPES[fmt])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    return response


def _context(request: HttpRequest, scope: reports.Scope, **extra) -> dict:  # type: ignore[no-untyped-def]
    counties = services.counties_visible_to(user=request.user).order_by("code")
    periods = reports.period_choices()
    period = extra.get("period")
    if period is not None and period.key not in {choice.key for choice in periods}:
        periods.insert(0, period)  # an older period asked for by URL stays selectable
    return {
        "counties": counties,
        "county": request.GET.get("county", ""),
        "city_wide": scope.county_ids is None or len(counties) > 1,
        "periods": periods,
        "breakdowns": list(reports.BREAKDOWNS.items()),
        "query": request.GET.urlencode(),
        **extra,
    }


def _period(request: HttpRequest) -> tuple[reports.Period, str | None]:
    """The period asked for; this year, with the reason, when the one asked for is not valid."""
    try:
        return reports.period_parse(request.GET.get("period")), None
    except ValidationError as error:
        return reports.period_parse(None), error.messages[0]


@forbidden_as_403
def report_overview(request: HttpRequest) -> HttpResponse:
    scope = reports.report_scope(user=request.user, county=request.GET.get("county"))
    region = None
    if request.GET.get("region", "").isdigit():
        region = Region.objects.filter(pk=request.GET["region"]).exclude(level="village").first()
        if region is None:
            raise Http404
        if scope.county_ids is not None and region.county.pk not in scope.county_ids:
            raise PermissionDenied
    overview = reports.report_overview(scope=scope, region=region)
    tables = report_tables.overview_tables(overview)
    if request.GET.get("format"):
        return _export(tables, fmt=request.GET["format"], name="impact-overview")
    return render(
        request,
        "impact/admin/report.html",
        _context(
            request,
            scope,
            report="overview",
            title=_("Impact overview"),
            region=region,
            overview=overview,
            tables=tables,
            charts=report_tables.overview_charts(overview),
        ),
    )


@forbidden_as_403
def report_platform(request: HttpRequest) -> HttpResponse:
    scope = reports.report_scope(user=request.user, county=request.GET.get("county"))
    period, period_error = _period(request)
    impact = reports.report_platform(scope=scope, period=period)
    tables = report_tables.platform_tables(impact)
    if request.GET.get("format"):
        return _export(tables, fmt=request.GET["format"], name=f"impact-platform-{period.key}")
    return render(
        request,
        "impact/admin/report.html",
        _context(
            request,
            scope,
            report="platform",
            title=_("Platform impact"),
            period=period,
            period_error=period_error,
            impact=impact,
            tables=tables,
            charts=report_tables.platform_charts(impact),
        ),
    )


@forbidden_as_403
def report_breakdown(request: HttpRequest) -> HttpResponse:
    scope = reports.report_scope(user=request.user, county=request.GET.get("county"))
    period, period_error = _period(request)
    by = request.GET.get("by") or "product"
    if by not in reports.BREAKDOWNS:
        raise Http404
    rows = reports.report_breakdown(scope=scope, period=period, by=by)
    tables = report_tables.breakdown_tables(rows, by=by, period_label=period.label)
    if request.GET.get("format"):
        return _export(tables, fmt=request.GET["format"], name=f"impact-by-{by}-{period.key}")
    return render(
        request,
        "impact/admin/report.html",
        _context(
            request,
            scope,
            report="breakdown",
            title=_("Breakdowns"),
            by=by,
            period=period,
            period_error=period_error,
            tables=tables,
            charts=report_tables.breakdown_charts(rows, by=by),
        ),
    )
