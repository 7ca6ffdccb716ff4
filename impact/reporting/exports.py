"""Exports staff open in Excel: CSV (UTF-8 with BOM) or XLSX. ID numbers are always masked.

Rows are read with ``iterator(chunk_size=…)`` and written out as they come,
so neither the ORM nor the writer holds the whole table as objects: CSV goes
through the csv module straight into the output stream, XLSX through
openpyxl's write-only workbook (which spools rows to a temporary file rather
than keeping every cell). ``impact_export_write`` writes into a file or
stdout; ``impact_export`` returns the bytes, for small exports and tests.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from ..models import AttributionEntry, Household, Region
from ..monitoring.pii import mask_id_number
from ..monitoring.rules import Level

CHUNK_SIZE = 2000
SHANGHAI = ZoneInfo("Asia/Shanghai")
FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
KINDS = ("warnings", "attribution")

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
# One row per ledger entry (DESIGN.md, `impact_export attribution`).
ATTRIBUTION_COLUMNS = (
    "订单号",
    "订单行",
    "商品编码",
    "商品",
    "生产主体",
    "户编号",
    "县区代码",
    "身份证号",
    "联结方式",
    "收入类型",
    "类型",
    "金额",
    "年度",
    "付款事件",
    "时间",
)
LINK_KINDS = {
    "purchase": "收购",
    "employment": "务工",
    "dividend": "分红",
    "land_rent": "土地流转",
    "direct": "自产自销",
}
INCOME_SOURCES = {
    "wages": "工资性收入",
    "operating": "经营性收入",
    "property_income": "财产性收入",
    "transfers": "转移性收入",
}
ENTRY_KINDS: dict[str, str] = {
    AttributionEntry.Kind.ATTRIBUTION.value: "带动",
    AttributionEntry.Kind.REVERSAL.value: "冲回",
}
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


def _warning_rows(households: QuerySet[Household] | None) -> Iterator[list[Any]]:
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


def _attribution_rows(households: QuerySet[Household] | None) -> Iterator[list[Any]]:
    """One row per ledger entry, oldest first: two queries, whatever the number of entries."""
    entries = AttributionEntry.objects.all()
    if households is not None:
        entries = entries.filter(household__in=households)
    # Each household's ID number is decrypted and masked once, not once per entry.
    masked = {
        pk: mask_id_number(id_number)
        for pk, id_number in Household.objects.filter(
            pk__in=entries.values("household_id")
        ).values_list("pk", "id_number")
    }
    rows = entries.order_by("pk").values_list(
        "line__order__number",
        "line_id",
        "line__upc",
        "line__title",
        "link__producer__name",
        "household__code",
        "household__county__code",
        "household_id",
        "link__kind",
        "income_source",
        "kind",
        "amount",
        "year",
        "payment_event_id",
        "created_at",
    )
    for (
        order_number,
        line_id,
        upc,
        title,
        producer,
        code,
        county_code,
        household_id,
        link_kind,
        income_source,
        kind,
        amount,
        year,
        event_id,
        created_at,
    ) in rows.iterator(chunk_size=CHUNK_SIZE):
        yield [
            _safe_text(order_number),
            line_id,
            _safe_text(upc or ""),
            _safe_text(title),
            _safe_text(producer),
            _safe_text(code),
            county_code,
            masked[household_id],
            LINK_KINDS.get(link_kind, link_kind),
            INCOME_SOURCES.get(income_source, income_source),
            ENTRY_KINDS.get(kind, kind),
            amount,
            year,
            event_id,
            created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
        ]


def _csv(columns: Iterable[str], rows: Iterable[list[Any]], out: IO[bytes]) -> None:
    # utf-8-sig writes the BOM Excel needs to read the file as UTF-8.
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    try:
        writer = csv.writer(text)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if value is None else value for value in row])
        text.flush()
    finally:
        text.detach()  # leave the caller's stream open


def _xlsx_sheet(
    workbook: Any, columns: Iterable[str], rows: Iterable[list[Any]], *, title: str
) -> None:
    # openpyxl is imported when a workbook is written, not at start-up (its import is slow).
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    sheet = workbook.create_sheet(title[:31])  # Excel's limit on a sheet's name
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


def _xlsx(columns: Iterable[str], rows: Iterable[list[Any]], out: IO[bytes], *, title: str) -> None:
    from openpyxl import Workbook  # start-up cost: see _xlsx_sheet

    workbook = Workbook(write_only=True)
    _xlsx_sheet(workbook, columns, rows, title=title)
    workbook.save(out)


def impact_export_write(
    *, kind: str, fmt: str, out: IO[bytes], households: QuerySet[Household] | None = None
) -> None:
    """Write the export of one kind into ``out`` (a binary file or stream), row by row.

    ``warnings``: one row per household (never-assessed ones with the
    assessment columns blank). ``attribution``: one row per ledger entry,
    reversals included. ``households`` restricts the rows, e.g. to a staff
    member's county.
    """
    if kind not in KINDS:
        raise ValueError("未知的导出类型")
    if fmt not in FORMATS:
        raise ValueError("未知的导出格式：应为 csv 或 xlsx")
    columns: tuple[str, ...]
    if kind == "warnings":
        columns, rows, title = WARNING_COLUMNS, _warning_rows(households), "预警"
    else:
        columns, rows, title = ATTRIBUTION_COLUMNS, _attribution_rows(households), "带动收入"
    if fmt == "csv":
        _csv(columns, rows, out)
    else:
        _xlsx(columns, rows, out, title=title)


def impact_export(*, kind: str, fmt: str, households: QuerySet[Household] | None = None) -> bytes:
    """The export of one kind as file bytes (see ``impact_export_write``)."""
    buffer = io.BytesIO()
    impact_export_write(kind=kind, fmt=fmt, out=buffer, households=households)
    return buffer.getvalue()


@dataclass
class Table:
    """A report's table: what the page shows and what its CSV and XLSX files hold, the same rows."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    drill: list[Any] | None = None  # per row, the region id the first cell links to (page only)

    @property
    def page_rows(self) -> list[tuple[Any, list[Any]]]:
        drill = self.drill or [None] * len(self.rows)
        return list(zip(drill, self.rows, strict=True))


def tables_export(*, tables: list[Table], fmt: str) -> bytes:
    """Tables as one file: CSV with each table under its title, or XLSX with a sheet per table."""
    if fmt not in FORMATS:
        raise ValueError("未知的导出格式：应为 csv 或 xlsx")
    buffer = io.BytesIO()
    if fmt == "csv":
        text = io.TextIOWrapper(buffer, encoding="utf-8-sig", newline="", write_through=True)
        writer = csv.writer(text)
        for number, table in enumerate(tables):
            if number:
                writer.writerow([])
            writer.writerow([table.title])
            writer.writerow(table.columns)
            for row in table.rows:
                writer.writerow(["" if value is None else value for value in row])
        text.flush()
        text.detach()
        return buffer.getvalue()
    from openpyxl import Workbook  # start-up cost: see _xlsx_sheet

    workbook = Workbook(write_only=True)
    for table in tables:
        _xlsx_sheet(workbook, table.columns, table.rows, title=table.title)
    workbook.save(buffer)
    return buffer.getvalue()
