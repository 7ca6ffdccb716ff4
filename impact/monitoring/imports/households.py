"""Households (农户): one row per household, created or updated by its code."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from common.spreadsheets import ImportFileError, cell_text

from ...models import Household, Region
from ..pii import pii_hash
from ..regions import county_get_or_create, county_name_for_code, village_get_or_create
from .base import (
    YES_NO,
    Duplicates,
    Importer,
    Row,
    RowError,
    WriteOutcome,
    cell_shown,
    chunks,
    history_copy,
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
CHUNK = 2000  # rows read, checked and written at a time


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


def households_known(codes: Iterable[str]) -> set[str]:
    """Which of the codes are households already (codes only: nothing decrypted)."""
    found: set[str] = set()
    for chunk in chunks(set(codes)):
        found.update(Household.objects.filter(code__in=chunk).values_list("code", flat=True))
    return found


def households_by_code(codes: Iterable[str]) -> dict[str, Household]:
    found: dict[str, Household] = {}
    for chunk in chunks(set(codes)):
        found.update((h.code, h) for h in Household.objects.filter(code__in=chunk))
    return found


class HouseholdImporter(Importer):
    """Households, streamed: a county's 96,000 rows are read, checked and written
    ``CHUNK`` rows at a time, so memory is bounded by the chunk rather than the file."""

    columns = HOUSEHOLD_COLUMNS

    def __init__(self) -> None:
        self._known_counties: set[str] | None = None

    def run(
        self, rows: Iterator[Row], errors: list[RowError], *, dry_run: bool, user: Any = None
    ) -> WriteOutcome:
        """Check each chunk and write it (in the caller's transaction) while no row so far has
        been wrong; once one has, only check the rest, to report every error."""
        codes = Duplicates()
        outcome = WriteOutcome()
        writer = _ChunkWriter(user=user, outcome=outcome)
        for chunk in chunks(rows, CHUNK):
            for row in chunk:
                code = cell_text(row.raw("户编号"))
                if code:
                    codes.add(code, row.number)
            cleaned = self.validate(chunk, errors)
            if errors or codes.found:
                continue  # nothing written will stay: the transaction rolls back
            if dry_run:
                known = households_known(row.code for row in cleaned)
                updated = sum(1 for row in cleaned if row.code in known)
                outcome.updated += updated
                outcome.created += len(cleaned) - updated
            else:
                writer.write(cleaned)
        errors.extend(
            codes.errors(column="户编号", describe=lambda code: f"户编号「{cell_shown(code)}」")
        )
        return outcome

    def validate(self, rows: list[Row], errors: list[RowError]) -> list[HouseholdRow]:
        """Check these rows (a chunk: codes repeated across the file are ``run``'s to find)."""
        if self._known_counties is None:
            self._known_counties = set(
                Region.objects.filter(level=Region.Level.COUNTY)
                .exclude(code="")
                .values_list("code", flat=True)
            )
        known_counties = self._known_counties
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
        return cleaned

    def write(
        self, cleaned: list[HouseholdRow], *, dry_run: bool, user: Any = None
    ) -> WriteOutcome:
        """Write (or count) rows already checked, all at once; ``run`` goes chunk by chunk."""
        outcome = WriteOutcome()
        if dry_run:
            known = households_known(row.code for row in cleaned)
            outcome.updated = sum(1 for row in cleaned if row.code in known)
            outcome.created = len(cleaned) - outcome.updated
            return outcome
        for chunk in chunks(cleaned, CHUNK):
            _ChunkWriter(user=user, outcome=outcome).write(chunk)
        return outcome


class _ChunkWriter:
    """Writes checked rows a chunk at a time, remembering the regions it has found or made."""

    def __init__(self, *, user: Any, outcome: WriteOutcome) -> None:
        self.user = user
        self.outcome = outcome
        self.counties: dict[str, Region] = {}
        self.villages: dict[tuple[str, str, str], Region] = {}

    def _village(self, row: HouseholdRow) -> tuple[Region, Region]:
        county = self.counties.get(row.county_code)
        if county is None:
            county = county_get_or_create(code=row.county_code)
            if county is None:  # validated above; a code cannot vanish in between
                raise ImportFileError(f"县区代码 {row.county_code} 不存在")
            self.counties[row.county_code] = county
        key = (row.county_code, row.township, row.village)
        village = self.villages.get(key)
        if village is None:
            village = village_get_or_create(
                county=county, township=row.township, village=row.village
            )
            self.villages[key] = village
        return county, village

    def write(self, cleaned: list[HouseholdRow]) -> None:
        existing = households_by_code(row.code for row in cleaned)
        now = timezone.now()
        new: list[Household] = []
        changed: list[Household] = []
        for row in cleaned:
            county, village = self._village(row)
            household = self.outcome.counted(existing.get(row.code), Household, code=row.code)
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
                self.outcome.household_ids.add(household.pk)
                continue  # the same as before: nothing to write, no history
            for name, value in values.items():
                setattr(household, name, value)
            # What Household.save does, for the bulk writes below.
            household.id_number_hash = pii_hash(row.id_number)
            household.updated = now
            (changed if household.pk is not None else new).append(household)
        if new:
            Household.objects.bulk_create(new, batch_size=BATCH)
            ids = [household.pk for household in new]
            if None in ids:  # a database that does not return the keys of bulk inserts
                ids = list(
                    Household.objects.filter(code__in=[h.code for h in new]).values_list(
                        "pk", flat=True
                    )
                )
            history_copy(Household, ids, history_type="+", user=self.user, when=now)
            self.outcome.household_ids.update(ids)
        if changed:
            Household.objects.bulk_update(changed, HOUSEHOLD_FIELDS, batch_size=BATCH)
            ids = [household.pk for household in changed]
            history_copy(Household, ids, history_type="~", user=self.user, when=now)
            self.outcome.household_ids.update(ids)
