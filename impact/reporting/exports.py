"""Exports staff open in Excel: CSV (UTF-8 with BOM) or XLSX. ID numbers are always masked.

Rows are read with ``iterator(chunk_size=…)`` and handed as they come to
``common.spreadsheets``' streaming writer (which also makes any text that
looks like a formula inert), so neither the ORM nor the writer holds the
whole table as objects. ``impact_export_write`` writes into a file or stdout;
``impact_export`` returns the bytes, for small exports and tests.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from common.spreadsheets import Sheet, spreadsheet_bytes, spreadsheet_write

from ..models import AttributionEntry, Household, Region
from ..monitoring.pii import mask_id_number
from ..monitoring.rules import Level

CHUNK_SIZE = 2000
SHANGHAI = ZoneInfo("Asia/Shanghai")
KINDS = ("warnings", "attribution")

WARNING_COLUMNS = (
    "户编号",
    "县区代码",
    "乡镇",
    "村",
    "身份证号",
    "年度",
    "人均可支配收入",
    "平台兑付收入（已计入）",
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
            household.code,
            household.county.code,
            township,
            village,
            mask_id_number(household.id_number),
        ]
        if assessment is None or household.current_level is None:
            row += [None] * 7
        else:
            level = Level(household.current_level)
            row += [
                assessment.year,
                assessment.per_capita,
                assessment.platform_income,
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
            order_number,
            line_id,
            upc or "",
            title,
            producer,
            code,
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


def _sheet(kind: str, households: QuerySet | None) -> Sheet:
    if kind not in KINDS:
        raise ValueError("未知的导出类型")
    if kind == "warnings":
        return Sheet("预警", WARNING_COLUMNS, _warning_rows(households))
    return Sheet("带动收入", ATTRIBUTION_COLUMNS, _attribution_rows(households))


def impact_export_write(
    *, kind: str, fmt: str, out: IO[bytes], households: QuerySet[Household] | None = None
) -> None:
    """Write the export of one kind into ``out`` (a binary file or stream), row by row.

    ``warnings``: one row per household (never-assessed ones with the
    assessment columns blank). ``attribution``: one row per ledger entry,
    reversals included. ``households`` restricts the rows, e.g. to a staff
    member's county.
    """
    spreadsheet_write([_sheet(kind, households)], fmt=fmt, out=out)


def impact_export(*, kind: str, fmt: str, households: QuerySet[Household] | None = None) -> bytes:
    """The export of one kind as file bytes (see ``impact_export_write``)."""
    return spreadsheet_bytes([_sheet(kind, households)], fmt=fmt)


@dataclass
class Table:
    """A report's table: what the page shows and what its CSV and XLSX files hold, the same rows."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    drill: list[Any] | None = None  # per row, the region id the first cell links to (page only)
    section: str = ""  # a heading the page shows above the first table of a group (page only)
    page_limit: int | None = None  # the page shows this many rows at most; the files all

    @property
    def page_rows(self) -> list[tuple[Any, list[Any]]]:
        drill = self.drill or [None] * len(self.rows)
        return list(zip(drill, self.rows, strict=True))[: self.page_limit]

    @property
    def page_hidden(self) -> int:
        """How many rows the page leaves out (the CSV and XLSX files hold them)."""
        return 0 if self.page_limit is None else max(len(self.rows) - self.page_limit, 0)
