"""The campaign report as CSV or XLSX: the same rows as the report page."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from .selectors import CampaignReport


def report_rows(report: CampaignReport) -> list[tuple[str, list[str], list[list[Any]]]]:
    """(sheet title, header, rows) for each section of the report."""
    return [
        (
            _("Campaign totals"),
            [_("Number of orders"), _("Number of buyers"), _("Units sold"), _("Sales (yuan)")],
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
            [_("Product code"), _("Product name"), _("Units sold"), _("Sales (yuan)")],
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
                _("Sales (yuan)"),
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
            [_("Hour of order"), _("Number of orders"), _("Sales (yuan)")],
            [
                [row["hour"].strftime("%Y-%m-%d %H:00"), row["orders"], row["sales"]]
                for row in report.by_hour
            ],
        ),
    ]


def _text(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def report_csv(report: CampaignReport) -> bytes:
    """One CSV, its sections one after another, each with its own header row (UTF-8 with BOM for Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for number, (title, header, rows) in enumerate(report_rows(report)):
        if number:
            writer.writerow([])
        writer.writerow([title])
        writer.writerow(header)
        for row in rows:
            writer.writerow([_text(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def report_xlsx(report: CampaignReport) -> bytes:
    """One sheet per section; money as numbers with two decimals."""
    from openpyxl import Workbook  # lazy import for start-up cost: only XLSX downloads need it
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in report_rows(report):
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(list(_cells(row)))
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, Decimal):
                    cell.number_format = "0.00"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cells(row: Iterable[Any]) -> Iterable[Any]:
    for value in row:
        yield value if isinstance(value, int | Decimal) else str(value)
