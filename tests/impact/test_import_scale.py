"""County-sized imports: streamed in chunks, a few queries per chunk, history written by the
database, and a file with an enormous cell or line refused by row number in bounded memory."""

import csv
import tracemalloc
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from common.spreadsheets import CELL_MAX, LINE_MAX, ImportFileError, read_spreadsheet
from impact.models import Household, Region
from impact.monitoring.imports import impact_import
from impact.monitoring.imports.households import CHUNK
from impact.monitoring.pii import pii_hash

from .test_imports import (
    HOUSEHOLD_HEADER,
    counts,
    household_row,
    id_number,
    write_csv,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

BIG = 50 * 1024 * 1024  # a 50 MB cell, or line
BOUND = 16 * 1024 * 1024  # what reading such a file may hold at its peak (LINE_MAX is 1 Mi chars)


def households_file(path: Path, count: int, *, start: int = 0) -> Path:
    return write_csv(
        path,
        [HOUSEHOLD_HEADER]
        + [
            household_row(f"S-{number:05d}", number % 999 + 1, 户主姓名=f"户主{number}")
            for number in range(start, start + count)
        ],
    )


def peak_while(call) -> tuple[int, Exception | None]:
    """The peak of Python memory allocated while ``call`` runs, and what it raised."""
    tracemalloc.start()
    raised = None
    try:
        call()
    except Exception as exc:  # the refusal under test, returned to the test
        raised = exc
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, raised


def test_a_fifty_megabyte_cell_is_refused_with_its_row_number_in_bounded_memory(tmp_path):
    path = tmp_path / "huge-cell.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HOUSEHOLD_HEADER)
        writer.writerow(household_row("T-0001", 1))
        handle.write("T-0002,")  # row 3: the head's name is 50 MB long
        piece = "长" * (1024 * 1024)  # 3 MB in UTF-8
        for _ in range(BIG // (3 * len(piece)) + 1):
            handle.write(piece)
        handle.write("," + ",".join(household_row("T-0002", 2)[2:]) + "\r\n")
        writer.writerow(household_row("T-0004", 4))
    assert path.stat().st_size > BIG
    before = counts()

    peak, raised = peak_while(lambda: impact_import(kind="households", path=path))

    assert isinstance(raised, ImportFileError)
    assert str(raised) == (
        f"第 3 行超过 {LINE_MAX} 个字符（单元格过长，或缺少换行），文件可能已损坏，未导入任何数据"
    )
    assert peak < BOUND, f"peak {peak / 1e6:.1f} MB"
    assert counts() == before


def test_a_file_without_line_breaks_is_refused_on_its_first_data_row(tmp_path):
    path = tmp_path / "one-line.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerow(HOUSEHOLD_HEADER)
        row = ",".join(household_row("T-0001", 1)) + ";"  # rows run together, never a newline
        for _ in range(BIG // len(row.encode()) + 1):
            handle.write(row)
    assert path.stat().st_size > BIG

    peak, raised = peak_while(lambda: impact_import(kind="households", path=path))

    assert isinstance(raised, ImportFileError)
    assert str(raised).startswith(f"第 2 行超过 {LINE_MAX} 个字符")
    assert peak < BOUND, f"peak {peak / 1e6:.1f} MB"
    assert not Household.objects.filter(code="T-0001").exists()


def test_an_enormous_quoted_cell_over_many_lines_is_refused_by_row(tmp_path):
    # A quoted cell may hold line breaks: its lines are short, the cell is not.
    path = tmp_path / "quoted.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HOUSEHOLD_HEADER)
        writer.writerow(household_row("T-0001", 1))
        writer.writerow(household_row("T-0002", 2))
        handle.write('T-0003,"')
        line = "备注" * 500 + "\n"
        for _ in range(BIG // len(line.encode()) + 1):
            handle.write(line)
        handle.write('",' + ",".join(household_row("T-0003", 3)[2:]) + "\r\n")
    before = counts()

    peak, raised = peak_while(lambda: impact_import(kind="households", path=path))

    assert isinstance(raised, ImportFileError)
    assert str(raised) == (
        f"第 4 行有单元格超过 {CELL_MAX} 个字符（Excel 单元格的上限），文件可能已损坏，未导入任何数据"
    )
    assert peak < BOUND, f"peak {peak / 1e6:.1f} MB"
    assert counts() == before


def test_a_cell_longer_than_excel_allows_is_refused_by_the_command(tmp_path):
    path = write_csv(
        tmp_path / "long.csv",
        [
            HOUSEHOLD_HEADER,
            household_row("T-0001", 1),
            household_row("T-0002", 2, 村="村" * (CELL_MAX + 1)),
        ],
    )

    with pytest.raises(CommandError) as refused:
        call_command("impact_import", "households", str(path))

    assert str(refused.value) == (
        f"第 3 行有单元格超过 {CELL_MAX} 个字符（Excel 单元格的上限），文件可能已损坏，未导入任何数据"
    )
    assert not Household.objects.filter(code="T-0001").exists()


def test_a_bad_row_after_chunks_were_written_rolls_every_chunk_back(tmp_path):
    rows = [HOUSEHOLD_HEADER] + [
        household_row(f"S-{number:05d}", number % 999 + 1, 乡镇="回滚镇", 村="回滚村")
        for number in range(2 * CHUNK + 10)
    ]
    rows[2 * CHUNK + 5] = household_row("S-BAD", 7, 家庭人口="0", 乡镇="回滚镇", 村="回滚村")
    rows.append(household_row("S-00003", 3, 乡镇="回滚镇", 村="回滚村"))  # a repeated code
    path = write_csv(tmp_path / "late.csv", rows)
    before = counts()

    result = impact_import(kind="households", path=path)

    assert [str(error) for error in result.errors] == [
        f"第 5 行「户编号」：户编号「S-00003」在文件中重复（第 5、{len(rows)} 行）",
        f"第 {2 * CHUNK + 6} 行「家庭人口」：「0」无效，应为不小于 1 的整数",
        f"第 {len(rows)} 行「户编号」：户编号「S-00003」在文件中重复（第 5、{len(rows)} 行）",
    ]
    assert counts() == before
    assert not Region.objects.filter(name="回滚镇").exists()


def test_chunks_of_a_big_file_are_written_and_counted(tmp_path):
    count = 2 * CHUNK + 7
    first = households_file(tmp_path / "a.csv", count)
    dry = impact_import(kind="households", path=first, dry_run=True)
    assert (dry.created, dry.updated, dry.errors) == (count, 0, [])
    assert not Household.objects.filter(code__startswith="S-").exists()

    result = impact_import(kind="households", path=first)

    assert (result.created, result.updated, result.errors) == (count, 0, [])
    assert Household.objects.filter(code__startswith="S-").count() == count
    last = Household.objects.get(code=f"S-{count - 1:05d}")
    assert (last.head_name, last.id_number) == (
        f"户主{count - 1}",
        id_number((count - 1) % 999 + 1),
    )
    assert last.id_number_hash == pii_hash(id_number((count - 1) % 999 + 1))
    assert Household.history.filter(code__startswith="S-", history_type="+").count() == count  # type: ignore[attr-defined]

    # Again, moved on by half: the first half of this file is there already, the rest is new.
    again = households_file(tmp_path / "b.csv", count, start=count // 2)
    result = impact_import(kind="households", path=again)
    assert (result.created, result.updated) == (count // 2, count - count // 2)


def test_each_chunk_costs_the_same_queries_however_many_rows_it_holds(
    tmp_path, django_assert_num_queries
):
    # The village exists (the first import makes it): what is left per chunk is fixed.
    impact_import(kind="households", path=households_file(tmp_path / "seed.csv", 1))
    small = households_file(tmp_path / "small.csv", 3, start=10)
    # 60 rows: one INSERT on SQLite too, which takes at most 999 parameters (66 rows) a
    # statement; PostgreSQL takes the chunk's 1,000 a statement.
    large = households_file(tmp_path / "large.csv", 60, start=100)

    # The savepoint, the known counties, the codes already there, the county, the township,
    # the village, the insert, the history copy, the savepoint released.
    with django_assert_num_queries(9):
        assert impact_import(kind="households", path=small).created == 3
    with django_assert_num_queries(9):
        assert impact_import(kind="households", path=large).created == 60


def test_the_history_copy_is_the_household_as_saved_by_the_importing_user(
    tmp_path, django_user_model
):
    importer = django_user_model.objects.create_user(username="importer-s", password="x-Y-z-123")
    path = write_csv(tmp_path / "h.csv", [HOUSEHOLD_HEADER, household_row("T-H1", 5)])

    impact_import(kind="households", path=path, user=importer)
    changed = write_csv(tmp_path / "h2.csv", [HOUSEHOLD_HEADER, household_row("T-H1", 6)])
    impact_import(kind="households", path=changed, user=importer)

    household = Household.objects.get(code="T-H1")
    records = list(Household.history.filter(id=household.pk).order_by("history_id"))  # type: ignore[attr-defined]
    assert [record.history_type for record in records] == ["+", "~"]
    assert [record.id_number for record in records] == [id_number(5), id_number(6)]
    assert {record.history_user for record in records} == {importer}
    assert records[1].head_name == "测试户主"
    assert (records[1].region_id, records[1].county_id) == (
        household.region_id,
        household.county_id,
    )


# ---------------------------------------------------------------- XLSX
# openpyxl holds a workbook's whole shared-string table and each cell's whole text; the file
# is checked first, a piece at a time (common/xlsx_check.py). These workbooks are written as
# raw XML parts, so an enormous cell costs the test no memory either.

WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<bookViews><workbookView activeTab="{active}"/></bookViews><sheets>{sheets}</sheets></workbook>'
)
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{overrides}</Types>"
)
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
REL = (
    '<Relationship Id="{id}" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}" '
    'Target="{target}"/>'
)


def column(index: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index]


def inline_row(number: int, values: list[object]) -> str:
    cells = "".join(
        f'<c r="{column(i)}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
        for i, value in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'


def raw_workbook(
    path: Path,
    sheets: list[list[str]],
    *,
    active: int = 0,
    strings: list[str] | None = None,
    huge: tuple[int, int, str] | None = None,
) -> Path:
    """A workbook of raw parts: each sheet a list of <row> elements; ``huge`` = (sheet, row,
    how): a 50 MB cell in that row of that sheet, inline ("inline") or as shared string 0
    ("shared"), written a piece at a time."""
    import zipfile

    piece = "长" * (1 << 20)
    rels, entries, overrides = [], [], []
    for number in range(1, len(sheets) + 1):
        rels.append(
            REL.format(id=f"rId{number}", kind="worksheet", target=f"worksheets/sheet{number}.xml")
        )
        entries.append(f'<sheet name="表{number}" sheetId="{number}" r:id="rId{number}"/>')
        overrides.append(
            f'<Override PartName="/xl/worksheets/sheet{number}.xml" ContentType="{SHEET_TYPE}"/>'
        )
    shared = strings is not None or (huge is not None and huge[2] == "shared")
    if shared:
        rels.append(REL.format(id="rIdS", kind="sharedStrings", target="sharedStrings.xml"))
        overrides.append(
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{STRINGS_TYPE}"/>'
        )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(overrides="".join(overrides)))
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK.format(active=active, sheets="".join(entries)))
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships '
            f'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{"".join(rels)}'
            "</Relationships>",
        )
        if shared:
            with archive.open("xl/sharedStrings.xml", "w") as part:
                part.write(
                    b'<?xml version="1.0" encoding="UTF-8"?>'
                    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                )
                if huge is not None and huge[2] == "shared":
                    part.write(b"<si><t>")
                    for _ in range(BIG // len(piece) + 1):
                        part.write(piece.encode())
                    part.write(b"</t></si>")
                for text in strings or []:
                    part.write(f"<si><t>{text}</t></si>".encode())
                part.write(b"</sst>")
        for number, rows in enumerate(sheets, start=1):
            with archive.open(f"xl/worksheets/sheet{number}.xml", "w") as part:
                part.write(
                    b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
                    b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                )
                for row in rows:
                    part.write(row.encode())
                if huge is not None and huge[0] == number:
                    cell = f'<row r="{huge[1]}"><c r="A{huge[1]}" '
                    if huge[2] == "shared":
                        part.write(f'{cell}t="s"><v>0</v></c></row>'.encode())
                    else:
                        part.write(f'{cell}t="inlineStr"><is><t>'.encode())
                        for _ in range(BIG // len(piece) + 1):
                            part.write(piece.encode())
                        part.write(b"</t></is></c></row>")
                part.write(b"</sheetData></worksheet>")
    return path


def household_rows(first: int, count: int) -> list[str]:
    return [inline_row(1, HOUSEHOLD_HEADER)] + [
        inline_row(number, household_row(f"X-{number:04d}", number))
        for number in range(first, first + count)
    ]


def test_a_raw_workbook_without_long_cells_imports(tmp_path):
    # The workbook the tests below build is one openpyxl reads: the refusals are about size.
    path = raw_workbook(tmp_path / "fine.xlsx", [household_rows(2, 2)])

    result = impact_import(kind="households", path=path)

    assert result.ok, result.errors
    assert Household.objects.filter(code__in=["X-0002", "X-0003"]).count() == 2


@pytest.mark.parametrize("how", ["inline", "shared"])
def test_a_fifty_megabyte_xlsx_cell_is_refused_with_its_row_number_in_bounded_memory(tmp_path, how):
    path = raw_workbook(tmp_path / f"huge-{how}.xlsx", [household_rows(2, 2)], huge=(1, 4, how))
    before = counts()

    peak, raised = peak_while(lambda: impact_import(kind="households", path=path))

    assert isinstance(raised, ImportFileError), raised
    assert str(raised) == (
        f"第 4 行有单元格超过 {CELL_MAX} 个字符（Excel 单元格的上限），文件可能已损坏，未导入任何数据"
    )
    assert peak < BOUND, f"peak {peak / 1e6:.1f} MB"
    assert counts() == before


def test_the_sheet_checked_is_the_one_imported_the_active_tab(tmp_path):
    # The long cell is on the second sheet, the workbook opens on it: refused by its row there.
    long_cell = inline_row(3, ["村" * (CELL_MAX + 1)])
    path = raw_workbook(
        tmp_path / "second.xlsx",
        [household_rows(2, 2), [*household_rows(2, 1), long_cell]],
        active=1,
    )
    with pytest.raises(ImportFileError) as refused:
        list(read_spreadsheet(path))
    assert str(refused.value).startswith("第 3 行有单元格超过")

    # Opening on the first sheet, the long cell of the second is never read.
    path = raw_workbook(
        tmp_path / "first.xlsx",
        [household_rows(2, 2), [*household_rows(2, 1), long_cell]],
        active=0,
    )
    assert [number for number, _cells in read_spreadsheet(path)] == [1, 2, 3]


def test_a_long_shared_string_no_cell_uses_is_refused_without_a_row(tmp_path):
    path = raw_workbook(
        tmp_path / "unused.xlsx", [household_rows(2, 1)], strings=["好", "村" * (CELL_MAX + 1)]
    )
    with pytest.raises(ImportFileError) as refused:
        list(read_spreadsheet(path))
    assert str(refused.value) == (
        f"文件中有单元格超过 {CELL_MAX} 个字符（Excel 单元格的上限），文件可能已损坏，未导入任何数据"
    )


def test_an_xlsx_cell_exactly_as_long_as_excel_allows_is_read(tmp_path):
    # openpyxl writes this one (shared strings): the limit is Excel's, not one character less.
    # (openpyxl cuts a longer text to the limit when it writes, so the files over the limit
    # above are written as raw parts.)
    path = write_xlsx(
        tmp_path / "limit.xlsx", [HOUSEHOLD_HEADER, household_row("L-0001", 1, 村="村" * CELL_MAX)]
    )
    rows = list(read_spreadsheet(path))
    assert len(rows[1][1][HOUSEHOLD_HEADER.index("村")]) == CELL_MAX
