"""Impact reports and exports in the back office (/cms/impact/reports/…, /cms/impact/export/…),
scoped to the staff member's county, and the public impact pages (/impact/, /impact/mine/).

Each report view reads one report, turns it into tables and charts
(``impact.reporting.tables``), and either renders them or, with
``?format=csv|xlsx``, sends the same tables as a file (``export_response``).
"""

from __future__ import annotations

import tempfile
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from common.backoffice import forbidden_as_403, require_monitoring
from common.filters import filter_choice, filter_int
from common.spreadsheets import CONTENT_TYPES, FORMATS, spreadsheet_bytes, spreadsheet_response

from ..models import Region
from ..monitoring.access import Scope, counties_visible_to, households_visible_to, report_scope
from . import buyer, public, staff, tables
from .exports import Table, impact_export, impact_export_write


def _download_name(name: str, fmt: str) -> str:
    """``name-<local time>.<fmt>``; 404 for a format other than CSV or XLSX."""
    if fmt not in FORMATS:
        raise Http404
    return f"{name}-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"


def export_response(tables: list[Table], *, fmt: str, name: str) -> HttpResponse:
    """Report tables as a CSV or XLSX download named ``name-<time>.<fmt>``; 404 for another format.

    CSV: each table under its title; XLSX: a sheet per table.
    """
    filename = _download_name(name, fmt)
    content = spreadsheet_bytes(tables, fmt=fmt, titled=True)
    return spreadsheet_response(content, fmt=fmt, filename=filename)


def _context(request: HttpRequest, scope: Scope, **extra: Any) -> dict[str, Any]:
    counties = counties_visible_to(user=request.user).order_by("code")
    periods = staff.period_choices()
    period = extra.get("period")
    if period is not None and period.key not in {choice.key for choice in periods}:
        periods.insert(0, period)  # an older period asked for by URL stays selectable
    return {
        "counties": counties,
        "county": request.GET.get("county", ""),
        "city_wide": scope.county_ids is None or len(counties) > 1,
        "periods": periods,
        "breakdowns": list(staff.BREAKDOWNS.items()),
        "query": request.GET.urlencode(),
        **extra,
    }


def _scope(request: HttpRequest) -> Scope:
    """The staff member's report scope, narrowed to ``?county=`` (a county's id) if given."""
    return report_scope(user=request.user, county=filter_int(request.GET, "county"))


def period_from_request(request: HttpRequest) -> tuple[staff.Period, str | None]:
    """The period asked for; this year, with the reason, when the one asked for is not valid."""
    try:
        return staff.period_parse(request.GET.get("period")), None
    except ValidationError as error:
        return staff.period_parse(None), error.messages[0]


def _report_page(
    request: HttpRequest,
    scope: Scope,
    *,
    name: str,
    report_tables: list[Table],
    charts: list[dict[str, Any]],
    **context: Any,
) -> HttpResponse:
    """A report as its page, or with ``?format=csv|xlsx`` its tables as the file ``name-<time>``."""
    if request.GET.get("format"):
        return export_response(report_tables, fmt=request.GET["format"], name=name)
    return render(
        request,
        "impact/admin/report.html",
        _context(request, scope, tables=report_tables, charts=charts, **context),
    )


@forbidden_as_403
def report_overview(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    region = None
    region_id = filter_int(request.GET, "region")
    if region_id is not None:
        region = Region.objects.filter(pk=region_id).exclude(level="village").first()
        if region is None:
            raise Http404
        if not scope.covers(region.county.pk):
            raise PermissionDenied
    period, period_error = period_from_request(request)
    overview = staff.report_overview(scope=scope, region=region, period=period)
    return _report_page(
        request,
        scope,
        name=f"impact-overview-{period.key}",
        report_tables=tables.overview_tables(overview),
        charts=tables.overview_charts(overview),
        report="overview",
        title=_("Impact overview"),
        region=region,
        overview=overview,
        period=period,
        period_error=period_error,
    )


@forbidden_as_403
def report_platform(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    period, period_error = period_from_request(request)
    impact = staff.report_platform(scope=scope, period=period)
    return _report_page(
        request,
        scope,
        name=f"impact-platform-{period.key}",
        report_tables=tables.platform_tables(impact),
        charts=tables.platform_charts(impact),
        report="platform",
        title=_("Platform impact"),
        period=period,
        period_error=period_error,
        impact=impact,
    )


@forbidden_as_403
def report_breakdown(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    period, period_error = period_from_request(request)
    by = filter_choice(request.GET, "by", staff.BREAKDOWNS) or "product"
    rows = staff.report_breakdown(scope=scope, period=period, by=by)
    return _report_page(
        request,
        scope,
        name=f"impact-by-{by}-{period.key}",
        report_tables=tables.breakdown_tables(rows, by=by, period_label=period.label),
        charts=tables.breakdown_charts(rows, by=by),
        report="breakdown",
        title=_("Breakdowns"),
        by=by,
        period=period,
        period_error=period_error,
    )


@forbidden_as_403
def report_arrears(request: HttpRequest) -> HttpResponse:
    """Arrears to households by producer in the staff member's county (issue #16)."""
    scope = _scope(request)
    today = timezone.localdate()
    rows = staff.report_arrears(scope=scope, today=today)
    return _report_page(
        request,
        scope,
        name="impact-arrears",
        report_tables=tables.arrears_tables(rows, today=today),
        charts=[],
        report="arrears",
        title=_("Arrears to households"),
    )


@forbidden_as_403
def data_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The warnings export, limited to the staff member's county."""
    require_monitoring(request.user)
    filename = _download_name("warnings", fmt)
    content = impact_export(
        kind="warnings", fmt=fmt, households=households_visible_to(user=request.user)
    )
    return spreadsheet_response(content, fmt=fmt, filename=filename)


@forbidden_as_403
def attribution_export(request: HttpRequest, fmt: str) -> FileResponse:
    """The attribution ledger, one row per entry, limited to the staff member's county.

    Written row by row into a temporary file on disk and streamed from there.
    """
    require_monitoring(request.user)
    filename = _download_name("attribution", fmt)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
    impact_export_write(
        kind="attribution",
        fmt=fmt,
        out=handle,
        households=households_visible_to(user=request.user),
    )
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type=CONTENT_TYPES[fmt],
    )


def public_impact(request: HttpRequest) -> HttpResponse:
    """/impact/: the platform's aggregate figures; no group of fewer than five households."""
    return render(request, "impact/public.html", {"figures": public.public_figures_cached()})


@login_required
def my_impact(request: HttpRequest) -> HttpResponse:
    """A buyer's own impact: what their paid orders reached, month by month (never who)."""
    if not request.user.is_authenticated:  # login_required sends everyone else to log in first
        raise PermissionDenied
    impact = buyer.my_impact(user=request.user)
    return render(
        request,
        "impact/my_impact.html",
        {
            "impact": impact,
            "charts": [tables.my_impact_chart(impact)] if impact.months else [],
            "page_title": _("My impact"),
            "active_tab": "impact",
        },
    )
