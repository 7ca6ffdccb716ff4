"""The LOGGING dictionary in text or JSON (``LOG_FORMAT``), a request id on every line.

``logging_config(base, log_format)`` takes the LOGGING of config/settings/base.py and
returns a copy in which every handler has, besides ``mask_id_numbers``, the
``request_id`` filter (config/request_id.py), and every handler writes in the chosen
format: "text" (development and tests: ``time [request id] LEVEL logger: message``) or
"json" (production: one JSON object per line, see ``JSON_FIELDS``). No Django imports:
settings import this module.
"""

from __future__ import annotations

import copy
import logging
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from common.masking import mask_id_numbers

#: The fields of every JSON line, in this order (renamed as ``RENAMED`` says).
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(task_id)s"
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}
TEXT_FORMAT = "%(asctime)s [%(request_id)s] %(levelname)s %(name)s: %(message)s"
#: Extra attributes that are not written: Django's request objects, and Celery's ``data``
#: (a task's arguments and result, which hold e-mail bodies with password-reset links).
_NOT_FIELDS = ("request", "server_time", "data")


class JsonFormatter(_JsonFormatter):
    """python-json-logger's formatter, Chinese kept readable, ID numbers masked in the line.

    ``MaskIdNumbers`` has masked the message and the traceback already; the line is masked
    once more because a JSON line also carries the record's extra fields, which it does not
    look at.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("json_ensure_ascii", False)
        kwargs.setdefault("rename_fields", RENAMED)
        super().__init__(*args, **kwargs)
        self._skip_fields.update(_NOT_FIELDS)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """ISO 8601 in UTC (``2026-11-30T08:00:01.549+00:00``): one clock for every line.

        The default, local time without an offset, mixed two clocks in one file: gunicorn's
        master logs before Django sets ``TZ`` to TIME_ZONE (Asia/Shanghai), its workers after.
        """
        return datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")

    def format(self, record: logging.LogRecord) -> str:
        return mask_id_numbers(super().format(record))


def logging_config(base: dict[str, Any], log_format: str) -> dict[str, Any]:
    if log_format not in ("text", "json"):
        raise ValueError(f"LOG_FORMAT must be 'text' or 'json', not {log_format!r}")
    config = copy.deepcopy(base)
    config["filters"]["request_id"] = {"()": "config.request_id.RequestIdFilter"}
    config["formatters"]["plain"] = {"format": TEXT_FORMAT}
    config["formatters"]["json"] = {"()": "config.log_config.JsonFormatter", "fmt": JSON_FIELDS}
    for handler in config["handlers"].values():
        filters = handler.setdefault("filters", [])
        if "request_id" not in filters:
            filters.append("request_id")
        if log_format == "json":
            handler["formatter"] = "json"
    return config
