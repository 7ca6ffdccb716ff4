"""The warnings export (DESIGN.md, "Warnings export columns"): CSV and XLSX, ID numbers masked."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from impact.models import Assessment, Household, IncomeRecord, Threshold
from impact.monitoring.assessment import households_reassess
from impact.reporting.exports import impact_export

from .exported import every_byte, read_csv

pytestmark = pytest.mark.django_db

COLUMNS = [
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
]
YEAR = 2025
ASSESSED_AT = datetime.datetime(
    2025, 3, 5, 16, 30, tzinfo=datetime.UTC
)  # 00:30 on 6 March in Kunming


@pytest.fixture
def assessed() -> Household:
    """530113-0001 with two working members and 6,000 yuan: below the standard (Ⅰ) and the line (Ⅳ)."""
    Threshold.objects.update_or_create(
        year=YEAR, defaults={"national_standard": Decimal("4000.00"), "multiplier": Decimal("1.5")}
    )
    household = Household.objects.get(code="530113-0001")
    Household.objects.filter(pk=household.pk).update(
        members=2, labour=2, subsistence=False, basic_needs_met=True, safe_water=True
    )
    IncomeRecord.objects.create(
        household=household, year=YEAR, wages=Decimal("5000.00"), operating=Decimal("1000.00")
    )
    households_reassess(
        households=Household.objects.filter(pk=household.pk), year=YEAR, channel="screening"
    )
    Assessment.objects.filter(household=household).update(assessed_at=ASSESSED_AT)
    household.refresh_from_db()
    return household


def expected_row(household: Household) -> list[str]:
    return [
        "530113-0001",
        "530113",
        household.region.parent.name,
        household.region.name,
        household.id_number[:6] + "********" + household.id_number[-4:],
        "2025",
        "3000.00",
        "0.00",
        "Ⅰ",
        "红",
        "人均可支配收入 3000.00 元低于国家扶贫标准 4000.00 元；"
        "有劳动力，人均可支配收入 3000.00 元低于监测线 6000.00 元",
        "2025-03-06 00:30",
    ]


def test_csv_export_has_the_columns_and_the_assessment(assessed):
    rows = read_csv(impact_export(kind="warnings", fmt="csv"))

    assert rows[0] == COLUMNS
    by_code = {row[0]: row for row in rows[1:]}
    assert len(by_code) == Household.objects.count() == len(rows) - 1
    assert by_code["530113-0001"] == expected_row(assessed)
    assert assessed.region.parent.name == "红土地镇"


def test_never_assessed_households_are_exported_with_the_level_blank(assessed):
    never = Household.objects.get(code="530113-0002")
    assert never.current_assessment is None

    rows = read_csv(impact_export(kind="warnings", fmt="csv"))

    row = next(row for row in rows if row[0] == "530113-0002")
    assert row == [
        "530113-0002",
        "530113",
        never.region.parent.name,
        never.region.name,
        never.id_number[:6] + "********" + never.id_number[-4:],
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ]


def test_xlsx_export_has_the_same_columns_and_values(assessed):
    data = impact_export(kind="warnings", fmt="xlsx")

    sheet = load_workbook(io.BytesIO(data)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == COLUMNS
    row = next(row for row in rows if row[0] == "530113-0001")
    expected = expected_row(assessed)
    assert row[:5] == expected[:5]
    assert row[5] == 2025
    assert Decimal(str(row[6])) == Decimal("3000.00")
    assert Decimal(str(row[7])) == Decimal("0.00")
    assert row[8:] == expected[8:]
    never = next(row for row in rows if row[0] == "530113-0002")
    assert never[5:] == [None] * 7


def test_export_can_be_restricted_to_a_county(assessed):
    households = Household.objects.filter(county__code="530128")

    rows = read_csv(impact_export(kind="warnings", fmt="csv", households=households))

    assert [row[0] for row in rows[1:]] == list(
        households.order_by("code").values_list("code", flat=True)
    )
    assert {row[1] for row in rows[1:]} == {"530128"}
    assert len(rows) > 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_no_id_number_is_exported_unmasked(assessed, fmt):
    data = every_byte(impact_export(kind="warnings", fmt=fmt), fmt)

    numbers = [household.id_number for household in Household.objects.all()]
    assert len(numbers) >= 33
    for number in numbers:
        assert number.encode() not in data
        assert number[:6].encode() + b"********" + number[-4:].encode() in data


def test_query_count_does_not_grow_with_the_rows(assessed):
    IncomeRecord.objects.bulk_create(
        IncomeRecord(household=household, year=YEAR, wages=Decimal("20000.00"))
        for household in Household.objects.exclude(pk=assessed.pk)
    )
    households_reassess(year=YEAR, channel="screening")
    codes = list(Household.objects.order_by("code").values_list("code", flat=True))
    assert len(codes) >= 30

    queries = {}
    for size in (5, 30):
        with CaptureQueriesContext(connection) as context:
            impact_export(
                kind="warnings",
                fmt="csv",
                households=Household.objects.filter(code__in=codes[:size]),
            )
        queries[size] = len(context.captured_queries)

    assert queries[5] == queries[30] == 1


def test_unknown_kinds_and_formats_are_refused():
    with pytest.raises(ValueError, match=r"^未知的导出类型$"):
        impact_export(kind="payments", fmt="csv")
    with pytest.raises(ValueError, match="未知的导出格式"):
        impact_export(kind="warnings", fmt="pdf")


def test_command_writes_the_file_or_stdout(assessed, tmp_path):
    out = tmp_path / "warnings.xlsx"
    call_command(
        "impact_export", "warnings", "--format", "xlsx", "--out", str(out), stdout=io.StringIO()
    )
    assert load_workbook(out, read_only=True).active["A1"].value == "户编号"

    stdout = io.BytesIO()
    call_command("impact_export", "warnings", "--format", "csv", stdout=stdout)
    rows = read_csv(stdout.getvalue())
    assert rows[0] == COLUMNS
    assert expected_row(assessed) in rows

    with pytest.raises(CommandError, match="未知的导出类型"):
        call_command("impact_export", "payments", "--format", "csv", stdout=io.BytesIO())
