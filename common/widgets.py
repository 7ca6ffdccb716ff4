"""Form widgets shared by the back office, the dashboard and the shop."""

from __future__ import annotations

from typing import Any

from django import forms

#: The only value format an ``<input type="date">`` accepts (HTML: a valid date string).
ISO_DATE = "%Y-%m-%d"


class DateInput(forms.DateInput):
    """``<input type="date">`` with its value always ISO ``YYYY-MM-DD``.

    Django's ``DateInput`` renders a value in the active language's first
    ``DATE_INPUT_FORMATS`` (``2026/11/30`` in zh-hans), which a browser's date input
    rejects: the pre-filled field then looks empty, and is submitted empty. ISO is
    also the first input format in every language, so the value comes back as sent.
    """

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=ISO_DATE)
