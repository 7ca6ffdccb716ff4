"""Spreadsheets in and out: the one CSV/XLSX reader and the one streaming writer.

Reading: a file is CSV (UTF-8, UTF-8 with BOM, or GBK as Excel in China saves
it) or XLSX; its rows come back numbered as Excel shows them (the header is
row 1). ``ImportFileError`` says, in Chinese, why a file cannot be read at all.

Writing: one or more sheets (a title, a header, rows) as CSV in UTF-8 with the
BOM Excel needs, or as XLSX. Rows are written as they come, so neither side
holds a whole table: CSV goes through the csv module straight into the output
stream, XLSX through openpyxl's write-only workbook (which spools rows to a
temporary file rather than keeping every cell). Every text cell that a
spreadsheet would run as a formula (CSV injection: it starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) is written with a leading ``'``, so it
shows as the text it is; numbers are written as numbers, untouched.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Protocol

from django.http import HttpResponse

from .xlsx_check import CellTooLong, PartTooBig, xlsx_check

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Text a spreadsheet would otherwise run as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBERS = (int, float, Decimal)  # bool is an int: written as it is, too
XLSX_VALUES = (*NUMBERS, datetime.date, datetime.time)  # what a workbook cell holds as it is
SHEET_TITLE_MAX = 31  # Excel's limit on a sheet's name
# Reading is bounded: no cell longer than Excel allows (32,767 characters), no CSV line longer
# than LINE_MAX characters; a file that has one is refused with the row number, having held
# no more than that in memory. csv's own field limit (131,072 by default) stops a quoted cell
# that runs over many lines.
CELL_MAX = 32767
LINE_MAX = 1 << 20
# An XLSX file's shared-string table (every distinct text of the workbook, which openpyxl holds
# whole) is refused beyond this many bytes unpacked: 96,000 households take about 15 MB.
XLSX_STRINGS_MAX = 256 << 20
READ_BLOCK = 1 << 20  # bytes read at a time to find a CSV file's encoding

# A file's rows as they are read: (row number as Excel shows it, cells); close() lets the file go.
Rows = Generator[tuple[int, list[Any]], None, None]


class ImportFileError(ValueError):
    """The file cannot be read at all: wrong type, unknown encoding, not a spreadsheet."""


# ---------------------------------------------------------------------- reading


def cell_text(value: object) -> str:
    """A cell as the text staff typed: Excel's numbers and dates back to how they look."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        # Excel keeps doubles: 1234.56 may come back as 1234.5600000000001.
        return f"{value:.10f}".rstrip("0").rstrip(".")
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _csv_encoding(path: Path) -> str:
    """The encoding the whole file decodes in (UTF-8 with or without BOM, else GBK), read in
    blocks so that memory stays bounded; ImportFileError if neither fits."""
    # gb18030 is a superset of GBK: every file Excel saves as GBK decodes the same way.
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as handle:
                while block := handle.read(READ_BLOCK):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportFileError("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码")


def _cell_too_long(number: int) -> ImportFileError:
    return ImportFileError(
        f"第 {number} 行有单元格超过 {CELL_MAX} 个字符（Excel 单元格的上限），"
        "文件可能已损坏，未导入任何数据"
    )


def _lines_bounded(handle: IO[str], records: list[int]) -> Iterator[str]:
    """The file's physical lines, each read with a bound: a line longer than ``LINE_MAX``
    characters (a file without line breaks, say) is refused with the row number it is in
    (``records[0]`` rows read so far) before more of it is read."""
    while line := handle.readline(LINE_MAX + 1):
        if len(line) > LINE_MAX and not line.endswith(("\n", "\r")):
            raise ImportFileError(
                f"第 {records[0] + 1} 行超过 {LINE_MAX} 个字符（单元格过长，或缺少换行），"
                "文件可能已损坏，未导入任何数据"
            )
        yield line


def _csv_rows(path: Path) -> Rows:
    """The rows streamed from the file: memory bounded by the longest line allowed, not by
    the file's size."""
    encoding = _csv_encoding(path)
    with path.open(encoding=encoding, newline="") as handle:
        records = [0]  # rows read so far, as the bounded line reader sees them
        # One record is one Excel row, blank lines included, so numbers match what staff see.
        reader = csv.reader(_lines_bounded(handle, records))
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if "field larger than field limit" in str(exc):
                    raise _cell_too_long(records[0] + 1) from exc
                raise ImportFileError(f"第 {records[0] + 1} 行：CSV 文件格式有误：{exc}") from exc
            records[0] += 1
            if any(len(cell) > CELL_MAX for cell in cells):
                raise _cell_too_long(records[0])
            yield records[0], cells


def _xlsx_rows(path: Path) -> Rows:
    from openpyxl import load_workbook  # imported when a workbook is read: start-up cost

    try:
        xlsx_check(path, limit=CELL_MAX, strings_max=XLSX_STRINGS_MAX)
    except CellTooLong as exc:
        if exc.row is None:
            raise ImportFileError(
                f"文件中有单元格超过 {CELL_MAX} 个字符（Excel 单元格的上限），"
                "文件可能已损坏，未导入任何数据"
            ) from exc
        raise _cell_too_long(exc.row) from exc
    except PartTooBig as exc:
        raise ImportFileError(
            f"XLSX 文件的文字部分解压后超过 {XLSX_STRINGS_MAX >> 20} MB，"
            "请分成几个文件导入，或另存为 CSV"
        ) from exc
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportFileError("无法读取 XLSX 文件，请确认文件未损坏") from exc
    try:
        sheet = workbook.active
        if sheet is None:
            raise ImportFileError("XLSX 文件中没有工作表")
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if any(isinstance(value, str) and len(value) > CELL_MAX for value in values):
                raise _cell_too_long(number)
            yield number, list(values)
    finally:
        workbook.close()


def read_spreadsheet(path: Path) -> Rows:
    """A CSV or XLSX file's rows as (row number as Excel shows it, cells); ImportFileError else."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path)
    if suffix == ".xlsx":
        return _xlsx_rows(path)
    raise ImportFileError(
        f"不支持的文件类型「{path.suffix or path.name}」：只能导入 .csv 或 .xlsx 文件"
    )


# ---------------------------------------------------------------------- writing


class SheetLike(Protocol):
    """What the writer needs of a sheet (``Sheet``, or a report's table)."""

    @property
    def title(self) -> str: ...

    @property
    def columns(self) -> Sequence[str]: ...

    @property
    def rows(self) -> Iterable[Sequence[Any]]: ...


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook, or one block of a CSV file."""

    title: str
    columns: Sequence[str]
    rows: Iterable[Sequence[Any]]


def text_safe(text: str) -> str:
    """Text as a spreadsheet shows it and never runs it: a leading ``'`` if it looks like a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, NUMBERS):
        return value
    return text_safe(str(value))


def _csv_write(sheets: Iterable[SheetLike], out: IO[bytes], *, titled: bool) -> None:
    # utf-8-sig writes the BOM Excel needs to read the file as UTF-8.
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    try:
        writer = csv.writer(text)
        for number, sheet in enumerate(sheets):
            if titled:
                if number:
                    writer.writerow([])
                writer.writerow([_csv_cell(sheet.title)])
            writer.writerow([_csv_cell(column) for column in sheet.columns])
            for row in sheet.rows:
                writer.writerow([_csv_cell(value) for value in row])
        text.flush()
    finally:
        text.detach()  # leave the caller's stream open


def _xlsx_write(sheets: Iterable[SheetLike], out: IO[bytes]) -> None:
    # openpyxl is imported when a workbook is written, not at start-up (its import is slow).
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    def text(value: object) -> str:
        # Control characters are not allowed in a workbook; what is left must not run.
        return text_safe(ILLEGAL_CHARACTERS_RE.sub("", str(value)))

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet_data in sheets:
        sheet = workbook.create_sheet(sheet_data.title[:SHEET_TITLE_MAX])
        header = []
        for column in sheet_data.columns:
            cell = WriteOnlyCell(sheet, value=text(column))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in sheet_data.rows:
            cells: list[Any] = []
            for value in row:
                if isinstance(value, Decimal):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = "0.00"  # money shows to the fen
                    cells.append(cell)
                elif value is None or isinstance(value, XLSX_VALUES):
                    cells.append(value)
                else:
                    cells.append(text(value))  # strings stay strings: codes keep their form
            sheet.append(cells)
    workbook.save(out)


def spreadsheet_write(
    sheets: Iterable[SheetLike], *, fmt: str, out: IO[bytes], titled: bool = False
) -> None:
    """Write the sheets into ``out`` (a binary file or stream), row by row, as CSV or XLSX.

    XLSX: a worksheet per sheet, named by its title, the header in bold.
    CSV: the sheets one after another, each its header then its rows; with
    ``titled``, each under a row holding its title and apart from the one
    before by a blank row.
    """
    if fmt not in FORMATS:
        raise ValueError("未知的导出格式：应为 csv 或 xlsx")
    if fmt == "csv":
        _csv_write(sheets, out, titled=titled)
    else:
        _xlsx_write(sheets, out)


def spreadsheet_bytes(sheets: Iterable[SheetLike], *, fmt: str, titled: bool = False) -> bytes:
    """The sheets as the bytes of one file (see ``spreadsheet_write``), for small exports."""
    buffer = io.BytesIO()
    spreadsheet_write(sheets, fmt=fmt, out=buffer, titled=titled)
    return buffer.getvalue()


class CsvRowWriter:
    """CSV pushed one row at a time, for code that writes rows a call at a time (Oscar's reports).

    The same file as ``spreadsheet_write`` makes: the BOM Excel needs first, and
    every cell through the same formula guard.
    """

    def __init__(self, out: Any) -> None:
        # ``out`` takes text: an open text file, or an HttpResponse (which encodes it as UTF-8).
        out.write("\ufeff")
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([_csv_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def spreadsheet_response(content: bytes, *, fmt: str, filename: str) -> HttpResponse:
    """A file's bytes as a download named ``filename``, with the format's content type."""
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
