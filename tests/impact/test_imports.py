"""Imports from staff's spreadsheets (DESIGN.md, "Import columns"): all rows or none."""

import csv
import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import Workbook

from common.spreadsheets import ImportFileError
from impact.models import (
    Assessment,
    Household,
    IncomeRecord,
    Region,
    RigidExpenditure,
    Threshold,
)
from impact.monitoring.imports import impact_import
from impact.monitoring.imports.base import ID_NUMBER_MESSAGES, RowError
from impact.monitoring.pii import pii_hash
from tests.idnumbers import with_check, wrong_check

from . import factories

pytestmark = pytest.mark.django_db

HOUSEHOLD_HEADER = [
    "户编号",
    "户主姓名",
    "身份证号",
    "县区代码",
    "乡镇",
    "村",
    "家庭人口",
    "劳动力人数",
    "户类型",
    "低保特困",
    "两不愁三保障",
]
INCOME_HEADER = ["户编号", "年度", "工资性收入", "经营性收入", "财产性收入", "转移性收入"]
EXPENDITURE_HEADER = ["户编号", "日期", "原因", "金额", "已解决", "暂时丧失劳动能力人数"]
THRESHOLD_HEADER = ["年度", "国家扶贫标准", "监测倍数"]


def id_number(serial: int, *, county: str = "530113", birth: str = "19800101") -> str:
    body = f"{county}{birth}{serial:03d}"
    return with_check(body)


def bad_check_digit(number: str) -> str:
    return wrong_check(number)


def write_csv(path: Path, rows: list[list[object]], *, encoding: str = "utf-8") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def household_row(code: str, serial: int, **overrides: object) -> list[object]:
    values = {
        "户编号": code,
        "户主姓名": "测试户主",
        "身份证号": id_number(serial),
        "县区代码": "530113",
        "乡镇": "红土地镇",
        "村": "花沟村",
        "家庭人口": "4",
        "劳动力人数": "2",
        "户类型": "脱贫户",
        "低保特困": "否",
        "两不愁三保障": "达标",
    }
    values.update(overrides)
    return [values[column] for column in HOUSEHOLD_HEADER]


def counts() -> tuple[int, ...]:
    return (
        Household.objects.count(),
        Region.objects.count(),
        IncomeRecord.objects.count(),
        RigidExpenditure.objects.count(),
        Threshold.objects.count(),
    )


# ---------------------------------------------------------------------- households


def test_households_import_encrypts_id_numbers_and_creates_the_village_named(tmp_path):
    path = write_csv(
        tmp_path / "households.csv",
        [
            HOUSEHOLD_HEADER,
            household_row("T-0001", 1),
            household_row(
                "T-0002",
                2,
                乡镇="新设镇",
                村="新设村",
                家庭人口="3",
                劳动力人数="0",
                户类型="边缘易致贫户",
                低保特困="是",
                两不愁三保障="未达标",
            ),
        ],
    )

    result = impact_import(kind="households", path=path)

    assert result.ok
    assert (result.created, result.updated) == (2, 0)
    first = Household.objects.get(code="T-0001")
    assert first.head_name == "测试户主"
    assert first.id_number == id_number(1)
    assert first.id_number_hash == pii_hash(id_number(1))
    assert first.region.name == "花沟村"
    assert first.county.code == "530113"
    assert (first.members, first.labour, first.kind) == (4, 2, Household.Kind.EXITED)
    assert (first.subsistence, first.basic_needs_met) == (False, True)
    second = Household.objects.get(code="T-0002")
    assert (second.members, second.labour, second.kind) == (3, 0, Household.Kind.MARGINAL)
    assert (second.subsistence, second.basic_needs_met) == (True, False)
    village = second.region
    assert (village.name, village.level) == ("新设村", Region.Level.VILLAGE)
    assert (village.parent.name, village.parent.level) == ("新设镇", Region.Level.TOWNSHIP)
    assert village.parent.parent.code == "530113"
    assert second.county.code == "530113"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, head_name FROM impact_household WHERE code IN (%s, %s)",
            ["T-0001", "T-0002"],
        )
        stored = cursor.fetchall()
    assert len(stored) == 2
    for raw_id_number, raw_name in stored:
        assert id_number(1) not in raw_id_number
        assert id_number(2) not in raw_id_number
        assert "530113" not in raw_id_number
        assert "测试户主" not in raw_name


def test_a_county_not_yet_known_is_created_from_the_national_list(tmp_path):
    assert not Region.objects.filter(code="530102").exists()
    path = write_csv(
        tmp_path / "households.csv",
        [
            HOUSEHOLD_HEADER,
            household_row(
                "T-0001", 1, 县区代码="530102", 乡镇="西翥街道", 村="沙朗社区", 户类型="一般农户"
            ),
        ],
    )

    result = impact_import(kind="households", path=path)

    assert (result.created, result.errors) == (1, [])
    county = Region.objects.get(code="530102")
    assert (county.name, county.level, county.parent) == ("五华区", Region.Level.COUNTY, None)
    household = Household.objects.get(code="T-0001")
    assert household.county == county
    assert household.kind == Household.Kind.ORDINARY
    assert household.region.full_name == "五华区西翥街道沙朗社区"


def test_reimporting_households_updates_them_instead_of_duplicating(tmp_path):
    before = Household.objects.count()
    first = write_csv(tmp_path / "a.csv", [HOUSEHOLD_HEADER, household_row("T-0001", 1)])
    assert impact_import(kind="households", path=first).created == 1

    again = write_csv(
        tmp_path / "b.csv",
        [HOUSEHOLD_HEADER, household_row("T-0001", 1, 家庭人口="5", 村="法者村")],
        encoding="utf-8-sig",
    )
    result = impact_import(kind="households", path=again)

    assert (result.created, result.updated, result.errors) == (0, 1, [])
    assert Household.objects.count() == before + 1
    household = Household.objects.get(code="T-0001")
    assert household.members == 5
    assert household.region.name == "法者村"


def test_existing_demo_household_is_updated_by_code(tmp_path):
    household = Household.objects.get(code="530113-0001")
    path = write_csv(
        tmp_path / "h.csv",
        [HOUSEHOLD_HEADER, household_row("530113-0001", 7, 家庭人口="6", 劳动力人数="6")],
    )

    result = impact_import(kind="households", path=path)

    assert (result.created, result.updated) == (0, 1)
    household.refresh_from_db()
    assert (household.members, household.labour) == (6, 6)
    assert household.id_number == id_number(7)


def test_a_file_with_bad_rows_writes_nothing_and_reports_every_error(tmp_path):
    good_id = id_number(1)
    path = write_csv(
        tmp_path / "bad.csv",
        [
            HOUSEHOLD_HEADER,
            household_row("T-0001", 1, 乡镇="不该出现镇", 村="不该出现村"),
            household_row("T-0002", 2, 身份证号=bad_check_digit(id_number(2))),
            household_row("T-0003", 3, 县区代码="999999"),
            household_row("T-0004", 4, 家庭人口="0", 劳动力人数="0"),
            household_row("T-0005", 5, 家庭人口="2", 劳动力人数="3"),
            household_row("T-0001", 6),
            household_row("T-0007", 7, 户类型="贫困户", 低保特困="有", 两不愁三保障=""),
        ],
    )
    before = counts()

    result = impact_import(kind="households", path=path)

    assert not result.ok
    assert (result.created, result.updated) == (0, 0)
    assert counts() == before
    assert not Region.objects.filter(name="不该出现镇").exists()
    assert [str(error) for error in result.errors] == [
        "第 2 行「户编号」：户编号「T-0001」在文件中重复（第 2、7 行）",
        "第 3 行「身份证号」：身份证号校验码错误",
        "第 4 行「县区代码」：县区代码 999999 不存在",
        "第 5 行「家庭人口」：「0」无效，应为不小于 1 的整数",
        "第 6 行「劳动力人数」：劳动力人数 3 超过家庭人口 2",
        "第 7 行「户编号」：户编号「T-0001」在文件中重复（第 2、7 行）",
        "第 8 行「户类型」：「贫困户」无效，应填「脱贫户」、「边缘易致贫户」、「一般农户」、「突发严重困难户」",
        "第 8 行「低保特困」：「有」无效，应填「是」、「否」",
        "第 8 行「两不愁三保障」：不能为空，应填「达标」、「未达标」",
    ]
    assert result.errors[1] == RowError(row=3, column="身份证号", message="身份证号校验码错误")
    for error in result.errors:
        assert good_id not in error.message
        assert id_number(2)[:17] not in error.message


def test_id_number_errors_are_reported_in_chinese(tmp_path):
    path = write_csv(
        tmp_path / "ids.csv",
        [
            HOUSEHOLD_HEADER,
            household_row("T-0001", 1, 身份证号="5301131980010100"),
            household_row("T-0002", 2, 身份证号="5301131980010100AX"),
            household_row("T-0003", 3, 身份证号=id_number(3, birth="21000101")),
        ],
    )

    result = impact_import(kind="households", path=path)

    assert [str(error) for error in result.errors] == [
        "第 2 行「身份证号」：身份证号应为 18 位",
        "第 3 行「身份证号」：身份证号应为 17 位数字加 1 位数字或 X",
        "第 4 行「身份证号」：身份证号中的出生日期在未来",
    ]


def test_the_fallback_for_english_id_messages_uses_the_catalogues_words():
    with translation.override("zh-hans"):
        for english, chinese in ID_NUMBER_MESSAGES.items():
            assert gettext(english).rstrip("。") == chinese


def test_gbk_csv_as_excel_in_china_saves_it_imports(tmp_path):
    path = write_csv(
        tmp_path / "gbk.csv",
        [
            HOUSEHOLD_HEADER,
            household_row("T-0001", 1, 户主姓名="李国华", 乡镇="汤丹镇", 村="菜园村"),
        ],
        encoding="gbk",
    )
    assert "汤丹镇".encode("gbk") in path.read_bytes()

    result = impact_import(kind="households", path=path)

    assert (result.created, result.errors) == (1, [])
    household = Household.objects.get(code="T-0001")
    assert household.head_name == "李国华"
    assert household.region.full_name == "东川区汤丹镇菜园村"


def test_xlsx_with_numeric_cells_imports(tmp_path):
    path = write_xlsx(
        tmp_path / "households.xlsx",
        [
            HOUSEHOLD_HEADER,
            household_row(
                "T-0001", 1, 县区代码=530128, 乡镇="翠华镇", 村="翠华村", 家庭人口=3, 劳动力人数=1
            ),
            [None] * len(HOUSEHOLD_HEADER),  # a blank row Excel keeps is skipped
            household_row("T-0002", 2, 家庭人口=2.0, 劳动力人数=0),
        ],
    )

    result = impact_import(kind="households", path=path)

    assert (result.created, result.updated, result.errors) == (2, 0, [])
    first = Household.objects.get(code="T-0001")
    assert (first.members, first.labour, first.county.code) == (3, 1, "530128")
    assert first.region.full_name == "禄劝彝族苗族自治县翠华镇翠华村"
    assert Household.objects.get(code="T-0002").members == 2


def test_xlsx_rows_are_numbered_as_excel_shows_them(tmp_path):
    path = write_xlsx(
        tmp_path / "households.xlsx",
        [
            HOUSEHOLD_HEADER,
            household_row("T-0001", 1),
            [None] * len(HOUSEHOLD_HEADER),
            household_row("T-0002", 2, 身份证号=int(id_number(2))),
        ],
    )

    result = impact_import(kind="households", path=path)

    assert result.errors == [RowError(row=4, column="身份证号", message=STORED_AS_NUMBER)]


STORED_AS_NUMBER = (
    "身份证号被 Excel 存成了数字（科学计数法或末位 X 丢失），请把该列设置为“文本”格式后重新填写"
)


def test_xlsx_id_numbers_stored_as_numbers_are_refused_and_nothing_is_written(tmp_path):
    path = write_xlsx(
        tmp_path / "households.xlsx",
        [
            HOUSEHOLD_HEADER,
            household_row("T-0001", 1),
            household_row("T-0002", 2, 身份证号=float(id_number(2))),
            household_row("T-0003", 3, 身份证号=110105194912310020),
            household_row("T-0004", 4, 身份证号="11010519491231002X"),
        ],
    )
    before = counts()

    result = impact_import(kind="households", path=path)

    assert [str(error) for error in result.errors] == [
        f"第 3 行「身份证号」：{STORED_AS_NUMBER}",
        f"第 4 行「身份证号」：{STORED_AS_NUMBER}",
    ]
    assert counts() == before


def test_csv_id_numbers_that_went_through_excel_as_numbers_are_refused(tmp_path):
    # What a CSV saved by Excel holds when the column was a number: scientific notation,
    # or the 17 digits left of a number whose final X was dropped.
    path = write_csv(
        tmp_path / "households.csv",
        [
            HOUSEHOLD_HEADER,
            household_row("T-0001", 1, 身份证号="1.10105E+17"),
            household_row("T-0002", 2, 身份证号="11010519491231002"),
            household_row("T-0003", 3, 身份证号="5.30113E17"),
            household_row("T-0004", 4, 身份证号="11010519491231002X"),
            household_row("T-0005", 5, 身份证号="1101051949123100"),
        ],
    )
    before = counts()

    result = impact_import(kind="households", path=path)

    assert [str(error) for error in result.errors] == [
        f"第 2 行「身份证号」：{STORED_AS_NUMBER}",
        f"第 3 行「身份证号」：{STORED_AS_NUMBER}",
        f"第 4 行「身份证号」：{STORED_AS_NUMBER}",
        "第 6 行「身份证号」：身份证号应为 18 位",
    ]
    assert counts() == before
    assert not Household.objects.filter(code="T-0004").exists()

    fixed = write_csv(
        tmp_path / "fixed.csv",
        [HOUSEHOLD_HEADER, household_row("T-0004", 4, 身份证号="11010519491231002X")],
    )
    assert impact_import(kind="households", path=fixed).created == 1
    assert Household.objects.get(code="T-0004").id_number == "11010519491231002X"


def test_dry_run_reports_what_it_would_do_and_writes_nothing(tmp_path):
    path = write_csv(
        tmp_path / "h.csv",
        [
            HOUSEHOLD_HEADER,
            household_row("T-0001", 1, 乡镇="试运行镇", 村="试运行村"),
            household_row("530113-0001", 2),
        ],
    )
    before = counts()

    result = impact_import(kind="households", path=path, dry_run=True)

    assert result.ok and result.dry_run
    assert (result.created, result.updated) == (1, 1)
    assert counts() == before
    assert not Household.objects.filter(code="T-0001").exists()
    assert Household.objects.get(code="530113-0001").id_number != id_number(2)


def test_dry_run_of_a_bad_file_reports_the_errors(tmp_path):
    path = write_csv(
        tmp_path / "h.csv", [HOUSEHOLD_HEADER, household_row("T-0001", 1, 县区代码="999999")]
    )

    result = impact_import(kind="households", path=path, dry_run=True)

    assert [str(error) for error in result.errors] == [
        "第 2 行「县区代码」：县区代码 999999 不存在"
    ]


def test_missing_columns_are_reported_on_the_header_row(tmp_path):
    header = [column for column in HOUSEHOLD_HEADER if column not in ("村", "户类型")]
    path = write_csv(tmp_path / "h.csv", [header, ["T-0001"] * len(header)])

    result = impact_import(kind="households", path=path)

    assert result.errors == [
        RowError(row=1, column="村", message="表头缺少此列"),
        RowError(row=1, column="户类型", message="表头缺少此列"),
    ]


def test_other_file_types_and_kinds_are_refused(tmp_path):
    xls = tmp_path / "households.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ImportFileError, match=r"只能导入 \.csv 或 \.xlsx"):
        impact_import(kind="households", path=xls)
    csv_path = write_csv(tmp_path / "h.csv", [HOUSEHOLD_HEADER])
    with pytest.raises(ValueError, match="未知的导入类型"):
        impact_import(kind="producers", path=csv_path)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    with pytest.raises(ImportFileError, match="无法读取 XLSX"):
        impact_import(kind="households", path=broken)


# ---------------------------------------------------------------------- incomes


def test_incomes_import_upserts_and_reassesses_the_households(
    tmp_path, django_capture_on_commit_callbacks
):
    year = timezone.localdate().year
    Threshold.objects.update_or_create(
        year=year, defaults={"national_standard": Decimal("4000.00"), "multiplier": Decimal("1.5")}
    )
    household = factories.household(code="T-INCOME-1")
    assert not Assessment.objects.filter(household=household).exists()
    path = write_csv(
        tmp_path / "incomes.csv",
        [INCOME_HEADER, ["T-INCOME-1", str(year), "1,200.50", "300", "0", "99.5"]],
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = impact_import(kind="incomes", path=path)

    assert (result.created, result.updated, result.errors) == (1, 0, [])
    # the screening, then the targeting refresh its re-assessment queues (impact.targeting)
    assert [callback.__qualname__ for callback in callbacks] == [
        "reassess_on_change.<locals>.queue",
        "_queue.<locals>.queue",
    ]
    record = IncomeRecord.objects.get(household=household, year=year)
    assert (record.wages, record.operating, record.property_income, record.transfers) == (
        Decimal("1200.50"),
        Decimal("300.00"),
        Decimal("0.00"),
        Decimal("99.50"),
    )
    assessment = Assessment.objects.get(household=household)
    assert assessment.year == year
    assert assessment.channel == Assessment.Channel.SCREENING
    assert assessment.figures["recorded_income"] == "1600.00"

    again = write_csv(
        tmp_path / "incomes2.csv",
        [INCOME_HEADER, ["T-INCOME-1", str(year), "5000", "0", "0", "0"]],
    )
    result = impact_import(kind="incomes", path=again)
    assert (result.created, result.updated) == (0, 1)
    assert IncomeRecord.objects.filter(household=household).count() == 1
    assert IncomeRecord.objects.get(household=household, year=year).wages == Decimal("5000.00")


def test_bad_incomes_write_nothing_and_say_where(tmp_path):
    path = write_csv(
        tmp_path / "incomes.csv",
        [
            INCOME_HEADER,
            ["530113-0001", "2025", "100", "0", "0", "0"],
            ["530113-0002", "2025", "-5", "abc", "1.234", ""],
            ["999999-0001", "25", "0", "0", "0", "0"],
            [id_number(9), "2025", "0", "0", "0", "0"],
            ["530113-0001", "2025", "1", "0", "0", "0"],
        ],
    )
    before = counts()

    result = impact_import(kind="incomes", path=path)

    assert counts() == before
    assert [str(error) for error in result.errors] == [
        "第 2 行「年度」：户编号「530113-0001」的 2025 年度收入在文件中重复（第 2、6 行）",
        "第 3 行「工资性收入」：不能为负数",
        "第 3 行「经营性收入」：「abc」不是有效的金额",
        "第 3 行「财产性收入」：最多保留两位小数",
        "第 3 行「转移性收入」：不能为空（没有请填 0）",
        "第 4 行「户编号」：户编号「999999-0001」不存在",
        "第 4 行「年度」：「25」无效，年度应为 4 位数字",
        "第 5 行「户编号」：户编号「530113********009X」不存在",
        "第 6 行「年度」：户编号「530113-0001」的 2025 年度收入在文件中重复（第 2、6 行）",
    ]
    assert id_number(9) == "53011319800101009X"


# ---------------------------------------------------------------------- expenditures


def test_expenditures_import_from_xlsx_with_date_cells(tmp_path):
    household = Household.objects.get(code="530113-0002")
    members = household.members
    path = write_xlsx(
        tmp_path / "expenditures.xlsx",
        [
            EXPENDITURE_HEADER,
            ["530113-0002", datetime.datetime(2025, 3, 5), "因病", 12000.5, "否", members],
            ["530113-0002", "2025-04-01", "其他", "800", "是", None],
        ],
    )

    result = impact_import(kind="expenditures", path=path)

    assert (result.created, result.updated, result.errors) == (2, 0, [])
    rows = list(
        RigidExpenditure.objects.filter(household=household)
        .order_by("date")
        .values_list("date", "cause", "amount", "resolved", "unable_to_work")
    )
    assert rows == [
        (datetime.date(2025, 3, 5), "illness", Decimal("12000.50"), False, members),
        (datetime.date(2025, 4, 1), "other", Decimal("800.00"), True, 0),
    ]

    resolved = write_csv(
        tmp_path / "again.csv",
        [EXPENDITURE_HEADER, ["530113-0002", "2025-03-05", "因病", "12000.50", "是", "0"]],
    )
    result = impact_import(kind="expenditures", path=resolved)
    assert (result.created, result.updated) == (0, 1)
    assert RigidExpenditure.objects.filter(household=household).count() == 2
    assert RigidExpenditure.objects.get(household=household, cause="illness").resolved is True


def test_bad_expenditures_write_nothing_and_say_where(tmp_path):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    members = Household.objects.get(code="530113-0003").members
    path = write_csv(
        tmp_path / "expenditures.csv",
        [
            EXPENDITURE_HEADER,
            ["530113-0003", tomorrow.isoformat(), "因病", "100", "否", "0"],
            ["530113-0003", "2025-02-30", "因祸", "100", "否", "0"],
            ["530113-0003", "2025-03-01", "因学", "-1", "不知道", str(members + 1)],
            ["530113-0003", "2025-03-01", "因学", "abc", "否", "0"],
        ],
    )
    before = counts()

    result = impact_import(kind="expenditures", path=path)

    assert counts() == before
    assert [str(error) for error in result.errors] == [
        f"第 2 行「日期」：日期 {tomorrow.isoformat()} 晚于今天",
        "第 3 行「日期」：「2025-02-30」不是有效日期",
        "第 3 行「原因」：「因祸」无效，应填「因病」、「因残」、「因灾」、「因学」、「因疫」、「其他」",
        "第 4 行「金额」：不能为负数",
        "第 4 行「已解决」：「不知道」无效，应填「是」、「否」",
        f"第 4 行「暂时丧失劳动能力人数」：{members + 1} 人超过该户家庭人口 {members} 人",
        "第 5 行「金额」：「abc」不是有效的金额",
    ]


# ---------------------------------------------------------------------- thresholds


def test_thresholds_upsert_by_year(tmp_path):
    Threshold.objects.filter(year__in=[2090, 2091]).delete()
    first = write_csv(
        tmp_path / "t.csv",
        [THRESHOLD_HEADER, ["2090", "4000", "1.5"], ["2091", "4100.00", ""]],
    )
    result = impact_import(kind="thresholds", path=first)
    assert (result.created, result.updated, result.errors) == (2, 0, [])
    assert Threshold.objects.get(year=2091).multiplier == Decimal("1.50")

    second = write_csv(tmp_path / "t2.csv", [THRESHOLD_HEADER, ["2090", "4200.5", "1.6"]])
    result = impact_import(kind="thresholds", path=second)

    assert (result.created, result.updated) == (0, 1)
    threshold = Threshold.objects.get(year=2090)
    assert (threshold.national_standard, threshold.multiplier) == (
        Decimal("4200.50"),
        Decimal("1.60"),
    )
    assert Threshold.objects.filter(year__in=[2090, 2091]).count() == 2


def test_bad_thresholds_are_refused(tmp_path):
    path = write_csv(
        tmp_path / "t.csv",
        [THRESHOLD_HEADER, ["2090", "4000", "0.9"], ["20X1", "4000", "1.234"], ["2090", "1", "1"]],
    )
    before = counts()

    result = impact_import(kind="thresholds", path=path)

    assert counts() == before
    assert [str(error) for error in result.errors] == [
        "第 2 行「年度」：2090 年度在文件中重复（第 2、4 行）",
        "第 2 行「监测倍数」：监测倍数不能小于 1",
        "第 3 行「年度」：「20X1」无效，年度应为 4 位数字",
        "第 3 行「监测倍数」：最多保留两位小数",
        "第 4 行「年度」：2090 年度在文件中重复（第 2、4 行）",
    ]


# ---------------------------------------------------------------------- command


def test_command_prints_every_bad_row_and_fails(tmp_path):
    path = write_csv(
        tmp_path / "bad.csv",
        [
            HOUSEHOLD_HEADER,
            household_row("T-0001", 1, 身份证号=bad_check_digit(id_number(1))),
            household_row("T-0002", 2, 家庭人口="0", 劳动力人数="0"),
        ],
    )
    before = counts()
    stdout, stderr = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="共 2 处错误，未写入任何数据"):
        call_command("impact_import", "households", str(path), stdout=stdout, stderr=stderr)

    assert stderr.getvalue().splitlines() == [
        "第 2 行「身份证号」：身份证号校验码错误",
        "第 3 行「家庭人口」：「0」无效，应为不小于 1 的整数",
    ]
    assert counts() == before


def test_command_imports_and_summarises(tmp_path):
    path = write_csv(tmp_path / "h.csv", [HOUSEHOLD_HEADER, household_row("T-0001", 1)])
    stdout = io.StringIO()

    call_command("impact_import", "households", str(path), "--dry-run", stdout=stdout)
    assert stdout.getvalue() == "试运行通过（未写入）：农户将新增 1 条，更新 0 条。\n"
    assert not Household.objects.filter(code="T-0001").exists()

    stdout = io.StringIO()
    call_command("impact_import", "households", str(path), stdout=stdout)
    assert stdout.getvalue() == "导入完成：农户新增 1 条，更新 0 条。\n"
    assert Household.objects.filter(code="T-0001").exists()


def test_command_refuses_an_unreadable_file(tmp_path):
    path = tmp_path / "h.txt"
    path.write_text("户编号\n")
    with pytest.raises(CommandError, match="不支持的文件类型"):
        call_command("impact_import", "households", str(path))
