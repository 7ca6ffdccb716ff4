"""What every import shares: a file's rows by header, checking a row's cells, reporting errors.

A file is read by ``common.spreadsheets.read_spreadsheet`` (CSV in UTF-8, UTF-8
with BOM or GBK, or XLSX), with the header row in Chinese as DESIGN.md lists it. Errors are
reported by the row number staff see in Excel (the header is row 1) and the
column's Chinese header, in Chinese.

Error messages never show an ID number: any value echoed back is masked.
"""

import datetime
import itertools
import re
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection
from django.db.models import Model

from common.money import fen, whole_fen
from common.spreadsheets import ImportFileError, cell_text

from ...models import Household
from ..idnumbers import IdNumberError, id_number_clean
from ..pii import mask_id_number

LOOKUP_CHUNK = 500
T = TypeVar("T")
YES_NO = {"是": True, "否": False}

# impact.monitoring.idnumbers' messages in the locale catalogue's words, should a message reach us in English.
ID_NUMBER_MESSAGES = {
    "An ID number has 18 characters.": "身份证号应为 18 位",
    "An ID number is 17 digits followed by a digit or X.": "身份证号应为 17 位数字加 1 位数字或 X",
    "The ID number's check digit is wrong.": "身份证号校验码错误",
    "The ID number's birth date is not a real date.": "身份证号中的出生日期不存在",
    "The ID number's birth date is in the future.": "身份证号中的出生日期在未来",
    "The ID number's division code does not exist.": "身份证号中的行政区划代码不存在",
}

MONEY_MAX = Decimal("999999999999.99")  # the models' 14 digits, 2 decimals
COUNT_MAX = 32767  # PositiveSmallIntegerField
ID_LIKE = re.compile(r"\d{17}[\dXx]|\d{15}")
SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
SEVENTEEN_DIGITS = re.compile(r"^\d{17}$")
ID_NUMBER_STORED_AS_NUMBER = (
    "身份证号被 Excel 存成了数字（科学计数法或末位 X 丢失），请把该列设置为“文本”格式后重新填写"
)
DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
YEAR = re.compile(r"^[1-9]\d{3}$")
INTEGER = re.compile(r"^[+-]?\d+$")


@dataclass(frozen=True, order=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"第 {self.row} 行「{self.column}」：{self.message}"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


# ---------------------------------------------------------------------- reading


def cell_shown(value: object) -> str:
    """A value as an error message may echo it: short, and any ID number in it masked."""
    text = cell_text(value)
    text = ID_LIKE.sub(lambda match: mask_id_number(match.group(0)), text)
    return text if len(text) <= 40 else text[:40] + "…"


def rows_by_header(
    lines: Iterator[tuple[int, list[Any]]],
    columns: Sequence[str],
    errors: list[RowError],
    optional: Sequence[str] = (),
) -> list["Row"]:
    """The data rows by column, or errors on row 1 if the header lacks a column.

    ``optional`` columns may be left out of the header; a row of a file without
    one has no value for it (``Row.has``).
    """
    return list(rows_streamed(lines, columns, errors, optional))


def rows_streamed(
    lines: Iterator[tuple[int, list[Any]]],
    columns: Sequence[str],
    errors: list[RowError],
    optional: Sequence[str] = (),
) -> Iterator["Row"]:
    """``rows_by_header``'s rows one at a time, as they are read: the header is checked
    now (errors on row 1 and no rows if it lacks a column), each data row when it is reached."""
    try:
        _, header_cells = next(lines)
    except StopIteration:
        raise ImportFileError("文件是空的：第 1 行应为表头") from None
    headers = [cell_text(cell).lstrip("\ufeff") for cell in header_cells]
    errors += [RowError(1, column, "表头缺少此列") for column in columns if column not in headers]
    errors += [
        RowError(1, column, "表头中此列出现了不止一次")
        for column in (*columns, *optional)
        if headers.count(column) > 1
    ]
    if errors:
        return iter(())
    positions = {
        column: headers.index(column)
        for column in (*columns, *optional)
        if column in columns or column in headers
    }
    return _data_rows(lines, positions, errors)


def _data_rows(
    lines: Iterator[tuple[int, list[Any]]], positions: dict[str, int], errors: list[RowError]
) -> Iterator["Row"]:
    for number, cells in lines:
        if all(cell_text(cell) == "" for cell in cells):
            continue  # blank rows, such as the formatted empty rows under a sheet's data
        values = {
            column: cells[position] if position < len(cells) else None
            for column, position in positions.items()
        }
        yield Row(number, values, errors)


# ---------------------------------------------------------------------- row checks


class Row:
    """One data row's cells by Chinese header, with checks that record errors in Chinese."""

    def __init__(self, number: int, values: dict[str, Any], errors: list[RowError]) -> None:
        self.number = number
        self.values = values
        self._errors = errors
        self.ok = True

    def error(self, column: str, message: str) -> None:
        self.ok = False
        self._errors.append(RowError(self.number, column, message))

    def raw(self, column: str) -> Any:
        return self.values.get(column)

    def has(self, column: str) -> bool:
        """Whether the file has this (optional) column."""
        return column in self.values

    def text(self, column: str, *, max_length: int = 100) -> str | None:
        value = cell_text(self.raw(column))
        if not value:
            self.error(column, "不能为空")
            return None
        if len(value) > max_length:
            self.error(column, f"过长（最多 {max_length} 个字）")
            return None
        return value

    def integer(
        self, column: str, *, minimum: int, maximum: int = COUNT_MAX, blank: int | None = None
    ) -> int | None:
        value = cell_text(self.raw(column))
        if not value and blank is not None:
            return blank
        if not value:
            self.error(column, "不能为空")
            return None
        if not INTEGER.match(value) or not minimum <= int(value) <= maximum:
            self.error(column, f"「{cell_shown(value)}」无效，应为不小于 {minimum} 的整数")
            return None
        return int(value)

    def decimal(self, column: str, *, maximum: Decimal, what: str) -> Decimal | None:
        value = cell_text(self.raw(column)).replace(",", "").replace("，", "")
        if not value:
            self.error(column, "不能为空（没有请填 0）")
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            self.error(column, f"「{cell_shown(value)}」不是有效的{what}")
            return None
        if number < 0:
            self.error(column, "不能为负数")
            return None
        if number > maximum:
            self.error(column, f"{what}过大（最大 {maximum}）")
            return None
        if not whole_fen(number):
            self.error(column, "最多保留两位小数")
            return None
        return fen(number)

    def money(self, column: str) -> Decimal | None:
        return self.decimal(column, maximum=MONEY_MAX, what="金额")

    def year(self, column: str) -> int | None:
        value = cell_text(self.raw(column))
        if not YEAR.match(value):
            self.error(
                column, f"「{cell_shown(value)}」无效，年度应为 4 位数字" if value else "不能为空"
            )
            return None
        return int(value)

    def date(self, column: str, *, today: datetime.date) -> datetime.date | None:
        value = cell_text(self.raw(column))
        match = DATE.match(value)
        if not match:
            message = (
                f"「{cell_shown(value)}」无效，日期应为 YYYY-MM-DD 格式" if value else "不能为空"
            )
            self.error(column, message)
            return None
        try:
            day = datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            self.error(column, f"「{cell_shown(value)}」不是有效日期")
            return None
        if day > today:
            self.error(column, f"日期 {day.isoformat()} 晚于今天")
            return None
        return day

    def choice(self, column: str, choices: dict[str, Any]) -> Any:
        value = cell_text(self.raw(column))
        if value in choices:
            return choices[value]
        allowed = "、".join(f"「{choice}」" for choice in choices)
        if not value:
            self.error(column, f"不能为空，应填{allowed}")
        else:
            self.error(column, f"「{cell_shown(value)}」无效，应填{allowed}")
        return None

    def id_number(self, column: str) -> str | None:
        raw = self.raw(column)
        value = cell_text(raw)
        if not value:
            self.error(column, "不能为空")
            return None
        if (
            (isinstance(raw, int | float) and not isinstance(raw, bool))
            or SCIENTIFIC.match(value)
            or SEVENTEEN_DIGITS.match(value)
        ):
            # An 18-digit number does not survive as an Excel number: it is shown in scientific
            # notation, its digits after the 15th become 0, and a final X is lost (17 digits left).
            self.error(column, ID_NUMBER_STORED_AS_NUMBER)
            return None
        try:
            return id_number_clean(value)
        except IdNumberError as exc:
            message = str(exc)
            message = ID_NUMBER_MESSAGES.get(message, message).rstrip("。")
            self.error(column, message)
            return None


def duplicate_errors(
    rows: Sequence[Any], key: Callable[[Any], Any], column: str, describe: Callable[[Any], str]
) -> list[RowError]:
    """An error on every row whose key another row of the file shares."""
    by_key: dict[Any, list[int]] = defaultdict(list)
    for row in rows:
        by_key[key(row)].append(row.number)
    errors = []
    for value, numbers in by_key.items():
        if len(numbers) > 1:
            where = "、".join(str(number) for number in numbers)
            for number in numbers:
                errors.append(
                    RowError(number, column, f"{describe(value)}在文件中重复（第 {where} 行）")
                )
    return errors


class Duplicates:
    """Keys met in a file row by row, to find the ones more than one row shares, with their
    row numbers; what ``duplicate_errors`` reports, for a file read as a stream."""

    def __init__(self) -> None:
        self._first: dict[Any, int] = {}
        self._repeated: dict[Any, list[int]] = {}

    @property
    def found(self) -> bool:
        return bool(self._repeated)

    def add(self, key: Any, number: int) -> None:
        first = self._first.setdefault(key, number)
        if first != number:
            self._repeated.setdefault(key, [first]).append(number)

    def errors(self, *, column: str, describe: Callable[[Any], str]) -> list[RowError]:
        errors = []
        for value, numbers in self._repeated.items():
            where = "、".join(str(number) for number in numbers)
            for number in numbers:
                errors.append(
                    RowError(number, column, f"{describe(value)}在文件中重复（第 {where} 行）")
                )
        return errors


def _column(model: type[Model], name: str) -> str:
    column = getattr(model._meta.get_field(name), "column", None)
    if not column:
        raise ValueError(f"{model.__name__}.{name} has no column of its own")
    return str(column)


def history_copy(
    model: type[Model], ids: Sequence[int], *, history_type: str, user: Any, when: datetime.datetime
) -> None:
    """The historical copy (修改记录) of each of ``model``'s rows ``ids`` as they now stand,
    made by the database in one statement per 500 rows: the rows simple_history's
    ``bulk_history_create`` would write (``history_type`` "+" created, "~" changed; by
    ``user``, at ``when``, no reason given), without reading the rows back into Python or
    encrypting their personal data a second time (the copy holds the same ciphertext)."""
    if not ids or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    history: Any = model.history.model  # type: ignore[attr-defined]
    user = user or history.get_default_history_user(None)
    quote = connection.ops.quote_name
    tracked = history.tracked_fields
    target = [quote(_column(history, field.name)) for field in tracked]
    source = [quote(_column(model, field.name)) for field in tracked]
    target += [
        quote(_column(history, name))
        for name in ("history_date", "history_change_reason", "history_type", "history_user")
    ]
    key = quote(_column(model, "pk" if model._meta.pk is None else model._meta.pk.name))
    with connection.cursor() as cursor:
        for chunk in chunks(sorted(ids), LOOKUP_CHUNK):
            # Table and column names come from the models' meta; every value is a parameter.
            cursor.execute(
                f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(target)}) "  # noqa: S608
                f"SELECT {', '.join(source)}, %s, NULL, %s, %s "
                f"FROM {quote(model._meta.db_table)} WHERE {key} IN ({', '.join(['%s'] * len(chunk))}) "
                f"ORDER BY {key}",
                [
                    connection.ops.adapt_datetimefield_value(when),
                    history_type,
                    user.pk if user is not None else None,
                    *chunk,
                ],
            )


def chunks(values: Iterable[T], size: int = LOOKUP_CHUNK) -> Iterator[list[T]]:
    """``values`` in lists of ``size``, taken as they come (a generator is never held whole)."""
    iterator = iter(values)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def household_members_by_code(codes: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Each known household code's (pk, members), in a fixed number of queries."""
    found: dict[str, tuple[int, int]] = {}
    for chunk in chunks(set(codes)):
        for code, pk, members in Household.objects.filter(code__in=chunk).values_list(
            "code", "pk", "members"
        ):
            found[code] = (pk, members)
    return found


@dataclass
class WriteOutcome:
    created: int = 0
    updated: int = 0
    household_ids: set[int] = field(default_factory=set)

    def counted(self, found: T | None, model: type[T], **key: Any) -> T:
        """The record the file updates, counted as updated; or a new ``model(**key)``, counted as created."""
        if found is None:
            self.created += 1
            return model(**key)
        self.updated += 1
        return found


class Importer(ABC):
    """One kind of file: its header columns, how its rows are checked, and how they are written."""

    columns: tuple[str, ...] = ()
    optional_columns: tuple[str, ...] = ()

    def run(
        self, rows: Iterator[Row], errors: list[RowError], *, dry_run: bool, user: Any = None
    ) -> WriteOutcome:
        """Check every row, and write them all (or count them when ``dry_run``) if none is
        wrong; the caller's transaction rolls back whatever was written if ``errors`` is not
        empty at the end. This default holds the whole file; an importer of big files
        (households) streams it in chunks instead."""
        cleaned = self.validate(list(rows), errors)
        if errors:
            return WriteOutcome()
        return self.write(cleaned, dry_run=dry_run, user=user)

    @abstractmethod
    def validate(self, rows: list[Row], errors: list[RowError]) -> list[Any]:
        """Check every row, appending each problem to ``errors``; return the cleaned rows."""

    @abstractmethod
    def write(self, cleaned: list[Any], *, dry_run: bool, user: Any = None) -> WriteOutcome:
        """Write the cleaned rows (or only count them when ``dry_run``); ``user`` is who
        imports, recorded as the author of each change in the history."""
