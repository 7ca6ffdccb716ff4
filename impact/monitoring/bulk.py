"""Bulk writes for the periodic evaluation, fast on PostgreSQL and correct everywhere.

On PostgreSQL the assessments go in with COPY (their ids drawn from the
table's sequence first, so clues can point at them) and the households'
current level is upserted with one INSERT … ON CONFLICT from unnest(…) per
batch. Elsewhere (the embedded SQLite default) Django's bulk_create does the
same, more slowly.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection

from ..models import Assessment, HouseholdStatus


@dataclass
class NewAssessment:
    """An assessment about to be written; ``pk`` is set by ``assessments_insert``."""

    household_id: int
    year: int
    level: int
    per_capita: Decimal
    platform_income: Decimal
    figures: dict[str, str]
    rules_fired: list[dict[str, Any]]
    channel: str
    assessed_at: datetime
    pk: int | None = None
    # The level without platform payouts (same moment, same thresholds): kept on the status.
    level_without: int | None = None

    @property
    def saved_pk(self) -> int:
        """``pk``, once ``assessments_insert`` has set it."""
        if self.pk is None:
            raise ValueError("the assessment has not been inserted yet")
        return self.pk


COLUMNS = [
    "household_id",
    "year",
    "level",
    "per_capita",
    "platform_income",
    "figures",
    "rules_fired",
    "channel",
    "assessed_at",
]


def assessments_insert(assessments: list[NewAssessment]) -> None:
    """Insert the assessments and set their primary keys."""
    if not assessments:
        return
    if connection.vendor != "postgresql":
        objects = Assessment.objects.bulk_create(
            [Assessment(**{column: getattr(a, column) for column in COLUMNS}) for a in assessments],
            batch_size=1000,
        )
        for new, saved in zip(assessments, objects, strict=True):
            new.pk = saved.pk
        return
    table = Assessment._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(assessments)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        columns = ", ".join(["id", *COLUMNS])
        with cursor.connection.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for pk, a in zip(ids, assessments, strict=True):
                a.pk = pk
                copy.write_row(
                    (
                        pk,
                        a.household_id,
                        a.year,
                        a.level,
                        a.per_capita,
                        a.platform_income,
                        json.dumps(a.figures, ensure_ascii=False),
                        json.dumps(a.rules_fired, ensure_ascii=False),
                        a.channel,
                        a.assessed_at,
                    )
                )


def statuses_upsert(assessments: list[NewAssessment]) -> None:
    """Make each assessment its household's current one."""
    if not assessments:
        return
    if connection.vendor != "postgresql":
        HouseholdStatus.objects.bulk_create(
            [
                HouseholdStatus(
                    household_id=a.household_id,
                    level=a.level,
                    level_without=a.level_without,
                    assessment_id=a.saved_pk,
                    assessed_at=a.assessed_at,
                )
                for a in assessments
            ],
            update_conflicts=True,
            unique_fields=["household"],
            update_fields=["level", "level_without", "assessment", "assessed_at"],
            batch_size=1000,
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {HouseholdStatus._meta.db_table}
                   (household_id, level, level_without, assessment_id, assessed_at)
            SELECT v.household_id, v.level, v.level_without, v.assessment_id, %s
              FROM unnest(%s::bigint[], %s::smallint[], %s::smallint[], %s::bigint[])
                   AS v(household_id, level, level_without, assessment_id)
            ON CONFLICT (household_id) DO UPDATE
               SET level = EXCLUDED.level,
                   level_without = EXCLUDED.level_without,
                   assessment_id = EXCLUDED.assessment_id,
                   assessed_at = EXCLUDED.assessed_at
            """,  # noqa: S608  (table name from the model, values bound)
            [
                assessments[0].assessed_at,
                [a.household_id for a in assessments],
                [a.level for a in assessments],
                [a.level_without for a in assessments],
                [a.pk for a in assessments],
            ],
        )
