"""Income records (收入记录): one row per household and year, created or updated.

The optional column 其中平台兑付收入 says how much of the row's income the
household received as payouts recorded on the platform, so the warning
figures do not count it twice; it cannot be more than the row's total. A file
without the column leaves what existing records say about it as it is (and
checks it against the new total).
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from common.spreadsheets import cell_text

from ...models import IncomeRecord
from .base import (
    Importer,
    Row,
    RowError,
    WriteOutcome,
    cell_shown,
    chunks,
    duplicate_errors,
    household_members_by_code,
)

INCOME_COLUMNS = ("户编号", "年度", "工资性收入", "经营性收入", "财产性收入", "转移性收入")
PLATFORM_INCLUDED = "其中平台兑付收入"


@dataclass
class IncomeRow:
    number: int
    code: str
    household_id: int
    year: int
    wages: Decimal
    operating: Decimal
    property_income: Decimal
    transfers: Decimal
    platform_included: Decimal | None  # None: the file has no such column

    @property
    def total(self) -> Decimal:
        return self.wages + self.operating + self.property_income + self.transfers


class IncomeImporter(Importer):
    columns = INCOME_COLUMNS
    optional_columns = (PLATFORM_INCLUDED,)

    def validate(self, rows: list[Row], errors: list[RowError]) -> list[IncomeRow]:
        known = household_members_by_code(cell_text(row.raw("户编号")) for row in rows)
        cleaned = []
        for row in rows:
            code = row.text("户编号", max_length=32)
            if code is not None and code not in known:
                row.error("户编号", f"户编号「{cell_shown(code)}」不存在")
            year = row.year("年度")
            wages, operating, property_income, transfers = (
                row.money(column)
                for column in ("工资性收入", "经营性收入", "财产性收入", "转移性收入")
            )
            included: Decimal | None = None
            if row.has(PLATFORM_INCLUDED):
                blank = not cell_text(row.raw(PLATFORM_INCLUDED))
                included = Decimal("0.00") if blank else row.money(PLATFORM_INCLUDED)
            if (
                row.ok
                and code is not None
                and year is not None
                and wages is not None
                and operating is not None
                and property_income is not None
                and transfers is not None
            ):
                cleaned.append(
                    IncomeRow(
                        row.number,
                        code,
                        known[code][0],
                        year,
                        wages,
                        operating,
                        property_income,
                        transfers,
                        included,
                    )
                )
        self._included_checked(cleaned, rows, errors)
        keyed = [row for row in rows if cell_text(row.raw("户编号")) and cell_text(row.raw("年度"))]
        errors.extend(
            duplicate_errors(
                keyed,
                key=lambda row: (cell_text(row.raw("户编号")), cell_text(row.raw("年度"))),
                column="年度",
                describe=lambda key: f"户编号「{cell_shown(key[0])}」的 {key[1]} 年度收入",
            )
        )
        return cleaned

    def _included_checked(
        self, cleaned: list[IncomeRow], rows: list[Row], errors: list[RowError]
    ) -> None:
        """The platform payouts included never pass the row's total (its own, or the record's)."""
        stored: dict[tuple[int, int], Decimal] = {}
        without = [row for row in cleaned if row.platform_included is None]
        for chunk in chunks({row.household_id for row in without}):
            for household_id, year, included in IncomeRecord.objects.filter(
                household_id__in=chunk, platform_included__gt=0
            ).values_list("household_id", "year", "platform_included"):
                stored[(household_id, year)] = included
        bad: set[int] = set()
        for row in cleaned:
            if row.platform_included is not None and row.platform_included > row.total:
                errors.append(
                    RowError(
                        row.number,
                        PLATFORM_INCLUDED,
                        f"其中平台兑付收入 {row.platform_included} 元超过本行收入合计 {row.total} 元",
                    )
                )
                bad.add(row.number)
            elif row.platform_included is None:
                included = stored.get((row.household_id, row.year), Decimal("0"))
                if included > row.total:
                    errors.append(
                        RowError(
                            row.number,
                            "年度",
                            f"该户 {row.year} 年度已记录其中平台兑付收入 {included} 元，"
                            f"超过本行收入合计 {row.total} 元；请在文件中加上「{PLATFORM_INCLUDED}」列并填写",
                        )
                    )
                    bad.add(row.number)
        cleaned[:] = [row for row in cleaned if row.number not in bad]

    def write(self, cleaned: list[IncomeRow], *, dry_run: bool, user: Any = None) -> WriteOutcome:
        household_ids = {row.household_id for row in cleaned}
        existing: dict[tuple[int, int], IncomeRecord] = {}
        for chunk in chunks(household_ids):
            for saved in IncomeRecord.objects.filter(household_id__in=chunk):
                existing[(saved.household_id, saved.year)] = saved
        outcome = WriteOutcome(household_ids=household_ids)
        now = timezone.now()
        new: list[IncomeRecord] = []
        changed: list[IncomeRecord] = []
        for row in cleaned:
            record = existing.get((row.household_id, row.year))
            if record is None:
                record = IncomeRecord(household_id=row.household_id, year=row.year)
                new.append(record)
            else:
                outcome.updated += 1
                if (record.wages, record.operating, record.property_income, record.transfers) == (
                    row.wages,
                    row.operating,
                    row.property_income,
                    row.transfers,
                ):
                    continue  # the same as before: nothing to write, no history
                changed.append(record)
            record.wages = row.wages
            record.operating = row.operating
            record.property_income = row.property_income
            record.transfers = row.transfers
            if row.platform_included is not None:
                record.platform_included = row.platform_included
            record.updated = now
        outcome.created = len(new)
        if not dry_run:
            # In bulk, each with its historical copy (修改记录) by the importing user.
            bulk_create_with_history(new, IncomeRecord, batch_size=1000, default_user=user)
            bulk_update_with_history(
                changed,
                IncomeRecord,
                [
                    "wages",
                    "operating",
                    "property_income",
                    "transfers",
                    "platform_included",
                    "updated",
                ],
                batch_size=1000,
                default_user=user,
            )
        return outcome
