"""County-sized imports: streamed in chunks, a few queries per chunk, history written by the
database, and a file with an enormous cell or line refused by row number in bounded memory."""

import csv
import tracemalloc
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from common.spreadsheets import CELL_MAX, LINE_MAX, ImportFileError
from impact.models import Household, Region
from impact.monitoring.imports import impact_import
from impact.monitoring.imports.households import CHUNK
from impact.monitoring.pii import pii_hash

from .test_imports import HOUSEHOLD_HEADER, counts, household_row, id_number, write_csv

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
