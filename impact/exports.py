"""Exports staff open in Excel: CSV (UTF-8 with BOM) or XLSX. ID numbers are always masked.

Rows are read with ``iterator(chunk_size=…)`` in one query and written out as
they come, so neither the ORM nor the writer holds the whole table as objects:
CSV goes through the csv module, XLSX through openpyxl's write-only workbook
(which spools rows to a temporary file rather than keeping every cell).
"""

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from .models import Household, Region
from .pii import mask_id_number
from .rules import Level

CHUNK_SIZE = 2000
SHANGHAI = ZoneInfo("Asia/Shanghai")
FORMATS = ("csv", "xlsx")

WARNING_COLUMNS = (
    "户编号",
    "县区代码",
    "乡镇",
    "村",
    "身份证号",
    "年度",
    "人均可支配收入",
    "平台带动收入",
    "预警级别",
    "预警颜色",
    "触发规则",
    "评估时间",
)
# Text a spreadsheet would otherwise run as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def _places(region: Region) -> tuple[str, str]:
    """(township, village) of a household's region, whichever level it was registered at."""
    if region.level == Region.Level.VILLAGE:
        township = region.parent.name if region.parent is not None else ""
        return township, region.name
    if region.level == Region.Level.TOWNSHIP:
        return region.name, ""
    return "", ""


def _warning_rows(households: QuerySet | None) -> Iterator[list[Any]]:
    queryset = households if households is not None else Household.objects.all()
    queryset = (
        queryset.select_related("county", "region", "region__parent", "status__assessment")
        .defer("head_name", "status__assessment__figures")
        .order_by("code")
    )
    for household in queryset.iterator(chunk_size=CHUNK_SIZE):
        township, village = _places(household.region)
        assessment = household.current_assessment
        row: list[Any] = [
            _safe_text(household.code),
            household.county.code,
            _safe_text(township),
            _safe_text(village),
            mask_id_number(household.id_number),
        ]
        if assessment is None or household.current_level is None:
            row += [None] * 7
        else:
            level = Level(household.current_level)
            row += [
                assessment.year,
                assessment.per_capita,
                assessment.attributed,
                level.numeral,
                level.colour,
                "；".join(hit["reason"] for hit in assessment.rules_fired),
                assessment.assessed_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
            ]
        yield row


def _csv(columns: Iterable[str], rows: Iterable[list[Any]]) -> bytes:
    buffer = io.BytesIO()
    # utf-8-sig writes the BOM Excel needs to read the file as UTF-8.
    text = io.TextIOWrapper(buffer, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    text.flush()
    text.detach()
    return buffer.getvalue()


def _xlsx(columns: Iterable[str], rows: Iterable[list[Any]], *, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells: list[Any] = []
        for value in row:
            if isinstance(value, Decimal):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "0.00"  # money shows to the fen
                cells.append(cell)
            elif isinstance(value, str):
                # Strings stay strings (codes keep their form); control characters are not allowed.
                cells.append(ILLEGAL_CHARACTERS_RE.sub("", value))
            else:
                cells.append(value)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def impact_export(*, kind: str, fmt: str, households: QuerySet | None = None) -> bytes:
    """The export of one kind as file bytes.

    ``warnings``: one row per household (never-assessed ones with the
    assessment columns blank). ``households`` restricts the rows, e.g. to a
    staff member's county.
    """
    if kind != "warnings":
        raise ValueError("未知的导出类型")
    if fmt not in FORMATS:
        raise ValueError("未知的导出格式：应为 csv 或 xlsx")
    rows = _warning_rows(households)
    if fmt == "csv":
        return _csv(WARNING_COLUMNS, rows)
    return _xlsx(WARNING_COLUMNS, rows, title="预警")
