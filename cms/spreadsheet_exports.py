"""Wagtail's own exports (its reports, the users, redirects, images, documents and snippet
listings: every view built on ``SpreadsheetExportMixin``) written by the project's one
spreadsheet writer, so a text cell that starts like a formula is made inert.

Wagtail offers no setting for this and its reports' URLs are its own, so the mixin's
one entry point, ``as_spreadsheet``, is replaced once when the CMS app is ready. The
view's own hooks (``list_export``, ``get_heading``, ``to_row_dict``,
``preprocess_field_value``) still decide the columns and their values.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.http import HttpResponse
from django.utils.encoding import force_str
from wagtail.admin.views.mixins import SpreadsheetExportMixin

from common.spreadsheets import FORMATS, Sheet, spreadsheet_bytes, spreadsheet_response


def _as_spreadsheet(
    self: SpreadsheetExportMixin, queryset: Any, spreadsheet_format: str
) -> HttpResponse | None:
    if spreadsheet_format not in FORMATS:
        return None  # as Wagtail's: no such format, no file
    fields = list(self.list_export)
    columns = [force_str(self.get_heading(queryset, field)) for field in fields]

    def rows() -> Iterator[list[Any]]:
        for item in queryset:
            row = self.to_row_dict(item)
            yield [
                self.preprocess_field_value(field, value, spreadsheet_format)
                for field, value in row.items()
            ]

    content = spreadsheet_bytes([Sheet("Sheet1", columns, rows())], fmt=spreadsheet_format)
    return spreadsheet_response(
        content, fmt=spreadsheet_format, filename=f"{self.get_filename()}.{spreadsheet_format}"
    )


def wagtail_exports_guard() -> None:
    """Route every Wagtail spreadsheet export through ``common.spreadsheets`` (idempotent)."""
    SpreadsheetExportMixin.as_spreadsheet = _as_spreadsheet
