"""Imports of households, incomes, rigid expenditures and thresholds from staff's spreadsheets.

One module per kind of file (its columns, row checks and writes) over the shared
reader and row checks of ``base``. An import is all rows or none: a file with any
bad row writes nothing and reports every error (``base.RowError``). The file is
streamed: households are checked and written a chunk at a time, in one transaction
that rolls back if any row turns out wrong (once one has, the rest is only checked);
the smaller kinds are checked whole before anything is written.
``impact_import`` is the one entry point, for the ``impact_import`` command and
the back office's upload page.
"""

from contextlib import closing
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import translation

from common.spreadsheets import ImportFileError, read_spreadsheet

from ..households import households_data_changed
from .base import Importer, ImportResult, RowError, WriteOutcome, rows_streamed
from .expenditures import ExpenditureImporter
from .households import HouseholdImporter
from .incomes import IncomeImporter
from .thresholds import ThresholdImporter

IMPORTERS: dict[str, type[Importer]] = {
    "households": HouseholdImporter,
    "incomes": IncomeImporter,
    "expenditures": ExpenditureImporter,
    "thresholds": ThresholdImporter,
}
KINDS = tuple(IMPORTERS)


# ---------------------------------------------------------------------- the service


def impact_import(
    *, kind: str, path: Path | str, dry_run: bool = False, user: Any = None
) -> ImportResult:
    """Import one file, all rows or none.

    ``user`` (who imports) is recorded as the author of each change in the history.
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
    # The file is read as it is checked and written (importers of big files go chunk by
    # chunk), inside one transaction that rolls back if any row is wrong: all rows or none.
    with (
        closing(read_spreadsheet(path)) as lines,
        translation.override("zh-hans"),
        transaction.atomic(),
    ):
        rows = rows_streamed(lines, importer.columns, errors, importer.optional_columns)
        outcome = WriteOutcome()
        if not errors:
            outcome = importer.run(rows, errors, dry_run=dry_run, user=None if dry_run else user)
        if errors or dry_run:
            transaction.set_rollback(True)  # a dry run writes nothing either
        elif outcome.household_ids:
            households_data_changed(household_ids=outcome.household_ids)
    if errors:
        order = {
            column: index
            for index, column in enumerate((*importer.columns, *importer.optional_columns))
        }
        errors.sort(key=lambda error: (error.row, order.get(error.column, 0), error.message))
        return ImportResult(errors=errors, dry_run=dry_run)
    return ImportResult(created=outcome.created, updated=outcome.updated, dry_run=dry_run)
