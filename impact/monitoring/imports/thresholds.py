"""Thresholds (扶贫标准): one row per year, the national standard and the monitoring multiplier."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from common.spreadsheets import cell_text

from ...models import Threshold
from .base import (
    Importer,
    Row,
    RowError,
    WriteOutcome,
    duplicate_errors,
)

THRESHOLD_COLUMNS = ("年度", "国家扶贫标准", "监测倍数")
MULTIPLIER_MAX = Decimal("99.99")  # Threshold.multiplier: 4 digits, 2 decimals


@dataclass
class ThresholdRow:
    number: int
    year: int
    national_standard: Decimal
    multiplier: Decimal


class ThresholdImporter(Importer):
    columns = THRESHOLD_COLUMNS

    def validate(self, rows: list[Row], errors: list[RowError]) -> list[ThresholdRow]:
        cleaned = []
        for row in rows:
            year = row.year("年度")
            standard = row.money("国家扶贫标准")
            if cell_text(row.raw("监测倍数")):
                multiplier = row.decimal("监测倍数", maximum=MULTIPLIER_MAX, what="倍数")
                if multiplier is not None and multiplier < 1:
                    row.error("监测倍数", "监测倍数不能小于 1")
            else:
                multiplier = Decimal("1.50")  # DESIGN.md's default
            if row.ok and year is not None and standard is not None and multiplier is not None:
                cleaned.append(ThresholdRow(row.number, year, standard, multiplier))
        errors.extend(
            duplicate_errors(
                [row for row in rows if cell_text(row.raw("年度"))],
                key=lambda row: cell_text(row.raw("年度")),
                column="年度",
                describe=lambda year: f"{year} 年度",
            )
        )
        return cleaned

    def write(
        self, cleaned: list[ThresholdRow], *, dry_run: bool, user: Any = None
    ) -> WriteOutcome:
        existing = {t.year: t for t in Threshold.objects.filter(year__in=[r.year for r in cleaned])}
        outcome = WriteOutcome()
        for row in cleaned:
            threshold = outcome.counted(existing.get(row.year), Threshold, year=row.year)
            threshold.national_standard = row.national_standard
            threshold.multiplier = row.multiplier
            if not dry_run:
                threshold.save()
        return outcome
