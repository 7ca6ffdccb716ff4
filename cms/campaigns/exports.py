"""The campaign report as CSV or XLSX: the same rows as the report page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from common.spreadsheets import Sheet, spreadsheet_bytes

from .selectors import CampaignReport


def report_rows(report: CampaignReport) -> list[tuple[str, list[str], list[list[Any]]]]:
    """(sheet title, header, rows) for each section of the report."""
    return [
        (
            _("Campaign totals"),
            [
                _("Number of orders"),
                _("Number of buyers"),
                _("Units sold"),
                _("Sales, paid, net of refunds (yuan)"),
            ],
            [
                [
                    report.totals["orders"],
                    report.totals["buyers"],
                    report.totals["quantity"],
                    report.totals["sales"],
                ]
            ],
        ),
        (
            _("Sales by product"),
            [
                _("Product code"),
                _("Product name"),
                _("Units sold"),
                _("Sales, paid, net of refunds (yuan)"),
            ],
            [
                [row["upc"], row["title"], row["quantity"], row["sales"]]
                for row in report.by_product
            ],
        ),
        (
            _("Sales by sharer"),
            [
                _("Sharer code"),
                _("Sharer name"),
                _("Number of orders"),
                _("Number of buyers"),
                _("Sales, paid, net of refunds (yuan)"),
            ],
            [
                [
                    row["code"],
                    row["name"] or _("Campaign code"),
                    row["orders"],
                    row["buyers"],
                    row["sales"],
                ]
                for row in report.by_sharer
            ],
        ),
        (
            _("Sales by hour"),
            [_("Hour of order"), _("Number of orders"), _("Sales, paid, net of refunds (yuan)")],
            [
                [row["hour"].strftime("%Y-%m-%d %H:00"), row["orders"], row["sales"]]
                for row in report.by_hour
            ],
        ),
    ]


def _cells(row: list[Any]) -> list[Any]:
    """Counts and money as numbers, everything else as its text."""
    return [value if isinstance(value, int | Decimal) else str(value) for value in row]


def report_export(report: CampaignReport, *, fmt: str) -> bytes:
    """The report as a file: CSV with its sections one after another, each under its title and
    with its own header row (UTF-8 with BOM for Excel); XLSX with a sheet per section, money as
    numbers with two decimals."""
    sheets = [
        Sheet(title, header, [_cells(row) for row in rows])
        for title, header, rows in report_rows(report)
    ]
    return spreadsheet_bytes(sheets, fmt=fmt, titled=True)
