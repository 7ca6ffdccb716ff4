"""Imports of households, incomes, rigid expenditures and thresholds from staff's spreadsheets.

A file is CSV (UTF-8, UTF-8 with BOM, or GBK as Excel in China saves it) or
XLSX, with the header row in Chinese as DESIGN.md lists it. An import is all
rows or none: every row is validated first, and a file with any bad row writes
nothing and reports every error by the row number staff see in Excel (the
header is row 1) and the column's Chinese header. Only then is everything
written, in one transaction.

Error messages never show an ID number: any value echoed back is masked.
"""

import csv
import datetime
import io
import re
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone, translation

from .idnumbers import IdNumberError, id_number_clean
from .models import Household, IncomeRecord, Region, RigidExpenditure, Threshold
from .pii import mask_id_number
from .regions import county_get_or_create, county_name_for_code, village_get_or_create
from .services import households_data_changed

LOOKUP_CHUNK = 500

HOUSEHOLD_COLUMNS = (
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
)
INCOME_COLUMNS = ("户编号", "年度", "工资性收入", "经营性收入", "财产性收入", "转移性收入")
EXPENDITURE_COLUMNS = ("户编号", "日期", "原因", "金额", "已解决", "暂时丧失劳动能力人数")
THRESHOLD_COLUMNS = ("年度", "国家扶贫标准", "监测倍数")

HOUSEHOLD_KINDS = {
    "脱贫户": Household.Kind.EXITED,
    "边缘易致贫户": Household.Kind.MARGINAL,
    "一般农户": Household.Kind.ORDINARY,
    "突发严重困难户": Household.Kind.SUDDEN_HARDSHIP,
}
CAUSES = {
    "因病": RigidExpenditure.Cause.ILLNESS,
    "因残": RigidExpenditure.Cause.DISABILITY,
    "因灾": RigidExpenditure.Cause.DISASTER,
    "因学": RigidExpenditure.Cause.SCHOOLING,
    "因疫": RigidExpenditure.Cause.EPIDEMIC,
    "其他": RigidExpenditure.Cause.OTHER,
}
YES_NO = {"是": True, "否": False}
MET_UNMET = {"达标": True, "未达标": False}

# impact.idnumbers' messages in the locale catalogue's words, should a message reach us in English.
ID_NUMBER_MESSAGES = {
    "An ID number has 18 characters.": "身份证号应为 18 位",
    "An ID number is 17 digits followed by a digit or X.": "身份证号应为 17 位数字加 1 位数字或 X",
    "The ID number's check digit is wrong.": "身份证号校验码错误",
    "The ID number's birth date is not a real date.": "身份证号中的出生日期不存在",
    "The ID number's birth date is in the future.": "身份证号中的出生日期在未来",
    "The ID number's division code does not exist.": "身份证号中的行政区划代码不存在",
}

MONEY_MAX = Decimal("999999999999.99")  # the models' 14 digits, 2 decimals
MULTIPLIER_MAX = Decimal("99.99")  # Threshold.multiplier: 4 digits, 2 decimals
COUNT_MAX = 32767  # PositiveSmallIntegerField
FEN = Decimal("0.01")
ID_LIKE = re.compile(r"\d{17}[\dXx]|\d{15}")
SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
YEAR = re.compile(r"^[1-9]\d{3}$")
INTEGER = re.compile(r"^[+-]?\d+$")


class ImportFileError(ValueError):
    """The file cannot be read at all: wrong type, unknown encoding, not a spreadsheet."""


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


def _shown(value: object) -> str:
    """A value as an error message may echo it: short, and any ID number in it masked."""
    text = _text(value)
    text = ID_LIKE.sub(lambda match: mask_id_number(match.group(0)), text)
    return text if len(text) <= 40 else text[:40] + "…"


def _text(value: object) -> str:
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


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    raw = path.read_bytes()
    # gb18030 is a superset of GBK: every file Excel saves as GBK decodes the same way.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码")
    try:
        # One record is one Excel row, blank lines included, so numbers match what staff see.
        yield from enumerate(csv.reader(io.StringIO(text, newline="")), start=1)
    except csv.Error as exc:
        raise ImportFileError(f"CSV 文件格式有误：{exc}") from exc


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportFileError("无法读取 XLSX 文件，请确认文件未损坏") from exc
    try:
        sheet = workbook.active
        if sheet is None:
            raise ImportFileError("XLSX 文件中没有工作表")
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(values)
    finally:
        workbook.close()


def _read(path: Path) -> Iterator[tuple[int, list[Any]]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path)
    if suffix == ".xlsx":
        return _xlsx_rows(path)
    raise ImportFileError(
        f"不支持的文件类型「{path.suffix or path.name}」：只能导入 .csv 或 .xlsx 文件"
    )


def _rows(
    lines: Iterator[tuple[int, list[Any]]], columns: Sequence[str], errors: list[RowError]
) -> list["_Row"]:
    """The data rows by column, or errors on row 1 if the header lacks a column."""
    try:
        _, header_cells = next(lines)
    except StopIteration:
        raise ImportFileError("文件是空的：第 1 行应为表头") from None
    headers = [_text(cell).lstrip("\ufeff") for cell in header_cells]
    errors += [RowError(1, column, "表头缺少此列") for column in columns if column not in headers]
    errors += [
        RowError(1, column, "表头中此列出现了不止一次")
        for column in columns
        if headers.count(column) > 1
    ]
    if errors:
        return []
    positions = {column: headers.index(column) for column in columns}
    rows = []
    for number, cells in lines:
        if all(_text(cell) == "" for cell in cells):
            continue  # blank rows, such as the formatted empty rows under a sheet's data
        values = {
            column: cells[position] if position < len(cells) else None
            for column, position in positions.items()
        }
        rows.append(_Row(number, values, errors))
    return rows


# ---------------------------------------------------------------------- row checks


class _Row:
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

    def text(self, column: str, *, max_length: int = 100) -> str | None:
        value = _text(self.raw(column))
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
        value = _text(self.raw(column))
        if not value and blank is not None:
            return blank
        if not value:
            self.error(column, "不能为空")
            return None
        if not INTEGER.match(value) or not minimum <= int(value) <= maximum:
            self.error(column, f"「{_shown(value)}」无效，应为不小于 {minimum} 的整数")
            return None
        return int(value)

    def decimal(self, column: str, *, maximum: Decimal, what: str) -> Decimal | None:
        value = _text(self.raw(column)).replace(",", "").replace("，", "")
        if not value:
            self.error(column, "不能为空（没有请填 0）")
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            self.error(column, f"「{_shown(value)}」不是有效的{what}")
            return None
        if number < 0:
            self.error(column, "不能为负数")
            return None
        if number > maximum:
            self.error(column, f"{what}过大（最大 {maximum}）")
            return None
        if number != number.quantize(FEN):
            self.error(column, "最多保留两位小数")
            return None
        return number.quantize(FEN)

    def money(self, column: str) -> Decimal | None:
        return self.decimal(column, maximum=MONEY_MAX, what="金额")

    def year(self, column: str) -> int | None:
        value = _text(self.raw(column))
        if not YEAR.match(value):
            self.error(
                column, f"「{_shown(value)}」无效，年度应为 4 位数字" if value else "不能为空"
            )
            return None
        return int(value)

    def date(self, column: str, *, today: datetime.date) -> datetime.date | None:
        value = _text(self.raw(column))
        match = DATE.match(value)
        if not match:
            message = f"「{_shown(value)}」无效，日期应为 YYYY-MM-DD 格式" if value else "不能为空"
            self.error(column, message)
            return None
        try:
            day = datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            self.error(column, f"「{_shown(value)}」不是有效日期")
            return None
        if day > today:
            self.error(column, f"日期 {day.isoformat()} 晚于今天")
            return None
        return day

    def choice(self, column: str, choices: dict[str, Any]) -> Any:
        value = _text(self.raw(column))
        if value in choices:
            return choices[value]
        allowed = "、".join(f"「{choice}」" for choice in choices)
        if not value:
            self.error(column, f"不能为空，应填{allowed}")
        else:
            self.error(column, f"「{_shown(value)}」无效，应填{allowed}")
        return None

    def id_number(self, column: str) -> str | None:
        raw = self.raw(column)
        value = _text(raw)
        if not value:
            self.error(column, "不能为空")
            return None
        if isinstance(raw, int | float) or SCIENTIFIC.match(value):
            # An 18-digit number does not survive as an Excel number: its last digits are lost.
            self.error(column, "身份证号被存成了数字，末几位已丢失；请把该列设为文本格式后重新录入")
            return None
        try:
            return id_number_clean(value)
        except IdNumberError as exc:
            message = str(exc)
            message = ID_NUMBER_MESSAGES.get(message, message).rstrip("。")
            self.error(column, message)
            return None


def _duplicates(
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


def _chunks(values: Iterable[Any], size: int = LOOKUP_CHUNK) -> Iterator[list[Any]]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _households_by_code(codes: Iterable[str]) -> dict[str, Household]:
    found: dict[str, Household] = {}
    for chunk in _chunks(set(codes)):
        found.update((h.code, h) for h in Household.objects.filter(code__in=chunk))
    return found


def _household_members_by_code(codes: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Each known household code's (pk, members), in a fixed number of queries."""
    found: dict[str, tuple[int, int]] = {}
    for chunk in _chunks(set(codes)):
        for code, pk, members in Household.objects.filter(code__in=chunk).values_list(
            "code", "pk", "members"
        ):
            found[code] = (pk, members)
    return found


# ---------------------------------------------------------------------- the four kinds


@dataclass
class _HouseholdRow:
    number: int
    code: str
    head_name: str
    id_number: str
    county_code: str
    township: str
    village: str
    members: int
    labour: int
    kind: str
    subsistence: bool
    basic_needs_met: bool


@dataclass
class _IncomeRow:
    number: int
    code: str
    household_id: int
    year: int
    wages: Decimal
    operating: Decimal
    property_income: Decimal
    transfers: Decimal


@dataclass
class _ExpenditureRow:
    number: int
    code: str
    household_id: int
    date: datetime.date
    cause: str
    amount: Decimal
    resolved: bool
    unable_to_work: int


@dataclass
class _ThresholdRow:
    number: int
    year: int
    national_standard: Decimal
    multiplier: Decimal


@dataclass
class _Outcome:
    created: int = 0
    updated: int = 0
    household_ids: set[int] = field(default_factory=set)


class _Importer(ABC):
    """One kind of file: its header columns, how its rows are checked, and how they are written."""

    columns: tuple[str, ...] = ()

    @abstractmethod
    def validate(self, rows: list[_Row], errors: list[RowError]) -> list[Any]:
        """Check every row, appending each problem to ``errors``; return the cleaned rows."""

    @abstractmethod
    def write(self, cleaned: list[Any], *, dry_run: bool) -> _Outcome:
        """Write the cleaned rows (or only count them when ``dry_run``)."""


class _Households(_Importer):
    columns = HOUSEHOLD_COLUMNS

    def validate(self, rows: list[_Row], errors: list[RowError]) -> list[_HouseholdRow]:
        known_counties = set(
            Region.objects.filter(level=Region.Level.COUNTY)
            .exclude(code="")
            .values_list("code", flat=True)
        )
        cleaned = []
        for row in rows:
            code = row.text("户编号", max_length=32)
            head_name = row.text("户主姓名", max_length=50)
            id_number = row.id_number("身份证号")
            county_code = row.text("县区代码", max_length=6)
            if county_code is not None and not (
                county_code in known_counties
                or (county_code.isdigit() and county_name_for_code(county_code) is not None)
            ):
                row.error("县区代码", f"县区代码 {_shown(county_code)} 不存在")
            township = row.text("乡镇")
            village = row.text("村")
            members = row.integer("家庭人口", minimum=1)
            labour = row.integer("劳动力人数", minimum=0)
            if members is not None and labour is not None and labour > members:
                row.error("劳动力人数", f"劳动力人数 {labour} 超过家庭人口 {members}")
            kind = row.choice("户类型", HOUSEHOLD_KINDS)
            subsistence = row.choice("低保特困", YES_NO)
            basic_needs_met = row.choice("两不愁三保障", MET_UNMET)
            if row.ok:
                cleaned.append(
                    _HouseholdRow(
                        row.number,
                        code,  # type: ignore[arg-type]
                        head_name,  # type: ignore[arg-type]
                        id_number,  # type: ignore[arg-type]
                        county_code,  # type: ignore[arg-type]
                        township,  # type: ignore[arg-type]
                        village,  # type: ignore[arg-type]
                        members,  # type: ignore[arg-type]
                        labour,  # type: ignore[arg-type]
                        kind,
                        subsistence,
                        basic_needs_met,
                    )
                )
        coded = [row for row in rows if _text(row.raw("户编号"))]
        errors.extend(
            _duplicates(
                coded,
                key=lambda row: _text(row.raw("户编号")),
                column="户编号",
                describe=lambda code: f"户编号「{_shown(code)}」",
            )
        )
        return cleaned

    def write(self, cleaned: list[_HouseholdRow], *, dry_run: bool) -> _Outcome:
        existing = _households_by_code(row.code for row in cleaned)
        outcome = _Outcome()
        if dry_run:
            outcome.updated = sum(1 for row in cleaned if row.code in existing)
            outcome.created = len(cleaned) - outcome.updated
            return outcome
        counties: dict[str, Region] = {}
        villages: dict[tuple[str, str, str], Region] = {}
        for row in cleaned:
            county = counties.get(row.county_code)
            if county is None:
                county = county_get_or_create(code=row.county_code)
                if county is None:  # validated above; a code cannot vanish in between
                    raise ImportFileError(f"县区代码 {row.county_code} 不存在")
                counties[row.county_code] = county
            key = (row.county_code, row.township, row.village)
            village = villages.get(key)
            if village is None:
                village = village_get_or_create(
                    county=county, township=row.township, village=row.village
                )
                villages[key] = village
            household = existing.get(row.code)
            if household is None:
                household = Household(code=row.code)
                outcome.created += 1
            else:
                outcome.updated += 1
            household.head_name = row.head_name
            household.id_number = row.id_number
            household.region = village
            household.members = row.members
            household.labour = row.labour
            household.kind = row.kind
            household.subsistence = row.subsistence
            household.basic_needs_met = row.basic_needs_met
            household.save()  # encrypts, hashes the ID number, sets the county
            outcome.household_ids.add(household.pk)
        return outcome


class _Incomes(_Importer):
    columns = INCOME_COLUMNS

    def validate(self, rows: list[_Row], errors: list[RowError]) -> list[_IncomeRow]:
        known = _household_members_by_code(_text(row.raw("户编号")) for row in rows)
        cleaned = []
        for row in rows:
            code = row.text("户编号", max_length=32)
            if code is not None and code not in known:
                row.error("户编号", f"户编号「{_shown(code)}」不存在")
            year = row.year("年度")
            amounts = [
                row.money(column)
                for column in ("工资性收入", "经营性收入", "财产性收入", "转移性收入")
            ]
            if row.ok:
                cleaned.append(_IncomeRow(row.number, code, known[code][0], year, *amounts))  # type: ignore[arg-type,index]
        keyed = [row for row in rows if _text(row.raw("户编号")) and _text(row.raw("年度"))]
        errors.extend(
            _duplicates(
                keyed,
                key=lambda row: (_text(row.raw("户编号")), _text(row.raw("年度"))),
                column="年度",
                describe=lambda key: f"户编号「{_shown(key[0])}」的 {key[1]} 年度收入",
            )
        )
        return cleaned

    def write(self, cleaned: list[_IncomeRow], *, dry_run: bool) -> _Outcome:
        household_ids = {row.household_id for row in cleaned}
        existing: dict[tuple[int, int], IncomeRecord] = {}
        for chunk in _chunks(household_ids):
            for record in IncomeRecord.objects.filter(household_id__in=chunk):
                existing[(record.household_id, record.year)] = record
        outcome = _Outcome(household_ids=household_ids)
        now = timezone.now()
        new, changed = [], []
        for row in cleaned:
            record = existing.get((row.household_id, row.year))
            if record is None:
                record = IncomeRecord(household_id=row.household_id, year=row.year)
                new.append(record)
            else:
                changed.append(record)
            record.wages = row.wages
            record.operating = row.operating
            record.property_income = row.property_income
            record.transfers = row.transfers
            record.updated = now
        outcome.created, outcome.updated = len(new), len(changed)
        if not dry_run:
            IncomeRecord.objects.bulk_create(new, batch_size=1000)
            IncomeRecord.objects.bulk_update(
                changed,
                ["wages", "operating", "property_income", "transfers", "updated"],
                batch_size=1000,
            )
        return outcome


class _Expenditures(_Importer):
    """Rigid expenditures. A row that matches a recorded one (household, date, cause,
    amount) updates it, so a file imported twice, or re-imported to mark outlays
    resolved, does not count the same outlay twice."""

    columns = EXPENDITURE_COLUMNS

    def validate(self, rows: list[_Row], errors: list[RowError]) -> list[_ExpenditureRow]:
        known = _household_members_by_code(_text(row.raw("户编号")) for row in rows)
        today = timezone.localdate()
        cleaned = []
        for row in rows:
            code = row.text("户编号", max_length=32)
            if code is not None and code not in known:
                row.error("户编号", f"户编号「{_shown(code)}」不存在")
            day = row.date("日期", today=today)
            cause = row.choice("原因", CAUSES)
            amount = row.money("金额")
            resolved = row.choice("已解决", YES_NO)
            unable = row.integer("暂时丧失劳动能力人数", minimum=0, blank=0)
            if unable is not None and code in known and unable > known[code][1]:
                row.error(
                    "暂时丧失劳动能力人数",
                    f"{unable} 人超过该户家庭人口 {known[code][1]} 人",
                )
            if row.ok:
                cleaned.append(
                    _ExpenditureRow(
                        row.number,
                        code,  # type: ignore[arg-type]
                        known[code][0],  # type: ignore[index]
                        day,  # type: ignore[arg-type]
                        cause,
                        amount,  # type: ignore[arg-type]
                        resolved,
                        unable,  # type: ignore[arg-type]
                    )
                )
        errors.extend(
            _duplicates(
                cleaned,
                key=lambda row: (row.code, row.date, row.cause, row.amount),
                column="金额",
                describe=lambda key: f"户编号「{_shown(key[0])}」{key[1].isoformat()} 的同一笔支出",
            )
        )
        return cleaned

    def write(self, cleaned: list[_ExpenditureRow], *, dry_run: bool) -> _Outcome:
        household_ids = {row.household_id for row in cleaned}
        existing: dict[tuple[int, datetime.date, str, Decimal], RigidExpenditure] = {}
        for chunk in _chunks(household_ids):
            for record in RigidExpenditure.objects.filter(household_id__in=chunk).order_by("pk"):
                key = (record.household_id, record.date, record.cause, record.amount)
                existing.setdefault(key, record)
        outcome = _Outcome(household_ids=household_ids)
        new, changed = [], []
        for row in cleaned:
            record = existing.get((row.household_id, row.date, row.cause, row.amount))
            if record is None:
                record = RigidExpenditure(
                    household_id=row.household_id, date=row.date, cause=row.cause, amount=row.amount
                )
                new.append(record)
            else:
                changed.append(record)
            record.resolved = row.resolved
            record.unable_to_work = row.unable_to_work
        outcome.created, outcome.updated = len(new), len(changed)
        if not dry_run:
            RigidExpenditure.objects.bulk_create(new, batch_size=1000)
            RigidExpenditure.objects.bulk_update(
                changed, ["resolved", "unable_to_work"], batch_size=1000
            )
        return outcome


class _Thresholds(_Importer):
    columns = THRESHOLD_COLUMNS

    def validate(self, rows: list[_Row], errors: list[RowError]) -> list[_ThresholdRow]:
        cleaned = []
        for row in rows:
            year = row.year("年度")
            standard = row.money("国家扶贫标准")
            if _text(row.raw("监测倍数")):
                multiplier = row.decimal("监测倍数", maximum=MULTIPLIER_MAX, what="倍数")
                if multiplier is not None and multiplier < 1:
                    row.error("监测倍数", "监测倍数不能小于 1")
            else:
                multiplier = Decimal("1.50")  # DESIGN.md's default
            if row.ok:
                cleaned.append(_ThresholdRow(row.number, year, standard, multiplier))  # type: ignore[arg-type]
        errors.extend(
            _duplicates(
                [row for row in rows if _text(row.raw("年度"))],
                key=lambda row: _text(row.raw("年度")),
                column="年度",
                describe=lambda year: f"{year} 年度",
            )
        )
        return cleaned

    def write(self, cleaned: list[_ThresholdRow], *, dry_run: bool) -> _Outcome:
        existing = {t.year: t for t in Threshold.objects.filter(year__in=[r.year for r in cleaned])}
        outcome = _Outcome()
        for row in cleaned:
            threshold = existing.get(row.year)
            if threshold is None:
                threshold = Threshold(year=row.year)
                outcome.created += 1
            else:
                outcome.updated += 1
            threshold.national_standard = row.national_standard
            threshold.multiplier = row.multiplier
            if not dry_run:
                threshold.save()
        return outcome


IMPORTERS: dict[str, type[_Importer]] = {
    "households": _Households,
    "incomes": _Incomes,
    "expenditures": _Expenditures,
    "thresholds": _Thresholds,
}
KINDS = tuple(IMPORTERS)


# ---------------------------------------------------------------------- the service


def impact_import(*, kind: str, path: Path | str, dry_run: bool = False) -> ImportResult:
    """Import one file, all rows or none.

    Returns the counts created and updated, or every error (and nothing
    written). Raises ImportFileError when the file cannot be read at all and
    ValueError for an unknown kind.
    """
    if kind not in IMPORTERS:
        raise ValueError(f"未知的导入类型「{kind}」：应为 {'、'.join(KINDS)} 之一")
    importer = IMPORTERS[kind]()
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"找不到文件 {path}")
    errors: list[RowError] = []
    with closing(_read(path)) as lines:
        rows = _rows(lines, importer.columns, errors)
    if errors:
        return ImportResult(errors=errors, dry_run=dry_run)

    with translation.override("zh-hans"):
        cleaned = importer.validate(rows, errors)
    if errors:
        order = {column: index for index, column in enumerate(importer.columns)}
        errors.sort(key=lambda error: (error.row, order.get(error.column, 0), error.message))
        return ImportResult(errors=errors, dry_run=dry_run)

    if dry_run:
        outcome = importer.write(cleaned, dry_run=True)
        return ImportResult(created=outcome.created, updated=outcome.updated, dry_run=True)
    with transaction.atomic():
        outcome = importer.write(cleaned, dry_run=False)
        if outcome.household_ids:
            households_data_changed(household_ids=outcome.household_ids)
    return ImportResult(created=outcome.created, updated=outcome.updated)
