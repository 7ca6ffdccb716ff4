"""Households (农户): one row per household, created or updated by its code."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from common.spreadsheets import ImportFileError, cell_text

from ...models import Household, Region
from ..pii import pii_hash
from ..regions import county_get_or_create, county_name_for_code, village_get_or_create
from .base import (
    YES_NO,
    Importer,
    Row,
    RowError,
    WriteOutcome,
    cell_shown,
    chunks,
    duplicate_errors,
)

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
HOUSEHOLD_KINDS = {
    "脱贫户": Household.Kind.EXITED,
    "边缘易致贫户": Household.Kind.MARGINAL,
    "一般农户": Household.Kind.ORDINARY,
    "突发严重困难户": Household.Kind.SUDDEN_HARDSHIP,
}
MET_UNMET = {"达标": True, "未达标": False}
HOUSEHOLD_FIELDS = [
    "head_name",
    "id_number",
    "id_number_hash",
    "region",
    "county",
    "members",
    "labour",
    "kind",
    "subsistence",
    "basic_needs_met",
    "updated",
]
BATCH = 1000


@dataclass
class HouseholdRow:
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


def households_by_code(codes: Iterable[str]) -> dict[str, Household]:
    found: dict[str, Household] = {}
    for chunk in chunks(set(codes)):
        found.update((h.code, h) for h in Household.objects.filter(code__in=chunk))
    return found


class HouseholdImporter(Importer):
    columns = HOUSEHOLD_COLUMNS

    def validate(self, rows: list[Row], errors: list[RowError]) -> list[HouseholdRow]:
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
                row.error("县区代码", f"县区代码 {cell_shown(county_code)} 不存在")
            township = row.text("乡镇")
            village = row.text("村")
            members = row.integer("家庭人口", minimum=1)
            labour = row.integer("劳动力人数", minimum=0)
            if members is not None and labour is not None and labour > members:
                row.error("劳动力人数", f"劳动力人数 {labour} 超过家庭人口 {members}")
            kind = row.choice("户类型", HOUSEHOLD_KINDS)
            subsistence = row.choice("低保特困", YES_NO)
            basic_needs_met = row.choice("两不愁三保障", MET_UNMET)
            if (
                row.ok
                and code is not None
                and head_name is not None
                and id_number is not None
                and county_code is not None
                and township is not None
                and village is not None
                and members is not None
                and labour is not None
            ):
                cleaned.append(
                    HouseholdRow(
                        row.number,
                        code,
                        head_name,
                        id_number,
                        county_code,
                        township,
                        village,
                        members,
                        labour,
                        kind,
                        subsistence,
                        basic_needs_met,
                    )
                )
        coded = [row for row in rows if cell_text(row.raw("户编号"))]
        errors.extend(
            duplicate_errors(
                coded,
                key=lambda row: cell_text(row.raw("户编号")),
                column="户编号",
                describe=lambda code: f"户编号「{cell_shown(code)}」",
            )
        )
        return cleaned

    def write(
        self, cleaned: list[HouseholdRow], *, dry_run: bool, user: Any = None
    ) -> WriteOutcome:
        existing = households_by_code(row.code for row in cleaned)
        outcome = WriteOutcome()
        if dry_run:
            outcome.updated = sum(1 for row in cleaned if row.code in existing)
            outcome.created = len(cleaned) - outcome.updated
            return outcome
        counties: dict[str, Region] = {}
        villages: dict[tuple[str, str, str], Region] = {}
        now = timezone.now()
        new: list[Household] = []
        changed: list[Household] = []
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
            household = outcome.counted(existing.get(row.code), Household, code=row.code)
            values = {
                "head_name": row.head_name,
                "id_number": row.id_number,
                "region_id": village.pk,
                "county_id": county.pk,
                "members": row.members,
                "labour": row.labour,
                "kind": row.kind,
                "subsistence": row.subsistence,
                "basic_needs_met": row.basic_needs_met,
            }
            if household.pk is not None and all(
                getattr(household, name) == value for name, value in values.items()
            ):
                outcome.household_ids.add(household.pk)
                continue  # the same as before: nothing to write, no history
            for name, value in values.items():
                setattr(household, name, value)
            # What Household.save does, for the bulk writes below.
            household.id_number_hash = pii_hash(row.id_number)
            household.updated = now
            (changed if household.pk is not None else new).append(household)
        # In bulk, each with its historical copy (修改记录) by the importing user.
        bulk_create_with_history(new, Household, batch_size=BATCH, default_user=user)
        bulk_update_with_history(
            changed, Household, HOUSEHOLD_FIELDS, batch_size=BATCH, default_user=user
        )
        outcome.household_ids.update(household.pk for household in new + changed)
        return outcome
