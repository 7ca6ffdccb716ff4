"""Rigid expenditures (刚性支出): one row per outlay."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from common.spreadsheets import cell_text

from ...models import RigidExpenditure
from .base import (
    YES_NO,
    Importer,
    Row,
    RowError,
    WriteOutcome,
    cell_shown,
    chunks,
    duplicate_errors,
    household_members_by_code,
)

EXPENDITURE_COLUMNS = ("户编号", "日期", "原因", "金额", "已解决", "暂时丧失劳动能力人数")
CAUSES = {
    "因病": RigidExpenditure.Cause.ILLNESS,
    "因残": RigidExpenditure.Cause.DISABILITY,
    "因灾": RigidExpenditure.Cause.DISASTER,
    "因学": RigidExpenditure.Cause.SCHOOLING,
    "因疫": RigidExpenditure.Cause.EPIDEMIC,
    "其他": RigidExpenditure.Cause.OTHER,
}


@dataclass
class ExpenditureRow:
    number: int
    code: str
    household_id: int
    date: datetime.date
    cause: str
    amount: Decimal
    resolved: bool
    unable_to_work: int


class ExpenditureImporter(Importer):
    """Rigid expenditures. A row that matches a recorded one (household, date, cause,
    amount) updates it, so a file imported twice, or re-imported to mark outlays
    resolved, does not count the same outlay twice."""

    columns = EXPENDITURE_COLUMNS

    def validate(self, rows: list[Row], errors: list[RowError]) -> list[ExpenditureRow]:
        known = household_members_by_code(cell_text(row.raw("户编号")) for row in rows)
        today = timezone.localdate()
        cleaned = []
        for row in rows:
            code = row.text("户编号", max_length=32)
            if code is not None and code not in known:
                row.error("户编号", f"户编号「{cell_shown(code)}」不存在")
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
            if (
                row.ok
                and code is not None
                and day is not None
                and amount is not None
                and unable is not None
            ):
                cleaned.append(
                    ExpenditureRow(
                        row.number,
                        code,
                        known[code][0],
                        day,
                        cause,
                        amount,
                        resolved,
                        unable,
                    )
                )
        errors.extend(
            duplicate_errors(
                cleaned,
                key=lambda row: (row.code, row.date, row.cause, row.amount),
                column="金额",
                describe=lambda key: (
                    f"户编号「{cell_shown(key[0])}」{key[1].isoformat()} 的同一笔支出"
                ),
            )
        )
        return cleaned

    def write(
        self, cleaned: list[ExpenditureRow], *, dry_run: bool, user: Any = None
    ) -> WriteOutcome:
        household_ids = {row.household_id for row in cleaned}
        existing: dict[tuple[int, datetime.date, str, Decimal], RigidExpenditure] = {}
        for chunk in chunks(household_ids):
            for saved in RigidExpenditure.objects.filter(household_id__in=chunk).order_by("pk"):
                key = (saved.household_id, saved.date, saved.cause, saved.amount)
                existing.setdefault(key, saved)
        outcome = WriteOutcome(household_ids=household_ids)
        new: list[RigidExpenditure] = []
        changed: list[RigidExpenditure] = []
        for row in cleaned:
            record = existing.get((row.household_id, row.date, row.cause, row.amount))
            if record is None:
                record = RigidExpenditure(
                    household_id=row.household_id, date=row.date, cause=row.cause, amount=row.amount
                )
                new.append(record)
            else:
                outcome.updated += 1
                if (record.resolved, record.unable_to_work) == (row.resolved, row.unable_to_work):
                    continue  # the same as before: nothing to write, no history
                changed.append(record)
            record.resolved = row.resolved
            record.unable_to_work = row.unable_to_work
        outcome.created = len(new)
        if not dry_run:
            # In bulk, each with its historical copy (修改记录) by the importing user.
            bulk_create_with_history(new, RigidExpenditure, batch_size=1000, default_user=user)
            bulk_update_with_history(
                changed,
                RigidExpenditure,
                ["resolved", "unable_to_work"],
                batch_size=1000,
                default_user=user,
            )
        return outcome
