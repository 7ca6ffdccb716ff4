"""gunicorn's logging with ID numbers masked, for its ``logconfig_dict`` setting.

gunicorn logs requests itself (``gunicorn.access``), outside Django's LOGGING, so its
handlers get the same filter here. In gunicorn.conf.py::

    from config.gunicorn_logging import logconfig_dict  # noqa: F401

With ``logconfig_dict`` set, gunicorn writes the access log through it; ``accesslog``
need not be set (if it is, this configuration still replaces its handler).

``LOG_FORMAT`` chooses the format as the settings do: json by default with
``config.settings.prod``, text otherwise. In JSON
each access line has the request's id (the ``X-Request-ID`` the response carries, the one
Django's own lines for that request have), method, path, status and duration_ms; every
other line has a request_id field too ("-": gunicorn's own lines belong to no request).
Successful health probes (/healthz, /readyz answering 200) are not logged.
"""

import os
from typing import Any

from config.log_config import JSON_FIELDS

_PROD = os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith(".prod")
_JSON = os.environ.get("LOG_FORMAT", "json" if _PROD else "text") == "json"

logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_id_numbers": {"()": "common.logging.MaskIdNumbers"},
        "request_id": {"()": "config.request_id.RequestIdFilter"},
        "access_fields": {"()": "config.request_id.GunicornAccessFields"},
    },
    "formatters": {
        "generic": {
            "format": "%(asctime)s [%(process)d] [%(levelname)s] %(message)s",
            "datefmt": "[%Y-%m-%d %H:%M:%S %z]",
        },
        "access": {"format": "%(message)s"},
        "json": {"()": "config.log_config.JsonFormatter", "fmt": JSON_FIELDS},
        "json_access": {
            "()": "config.log_config.JsonFormatter",
            "fmt": JSON_FIELDS + " %(method)s %(path)s %(status)s %(duration_ms)s",
        },
    },
    "handlers": {
        "error_console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if _JSON else "generic",
            "filters": ["mask_id_numbers", "request_id"],
            "stream": "ext://sys.stderr",
        },
        "access_console": {
            "class": "logging.StreamHandler",
            "formatter": "json_access" if _JSON else "access",
            "filters": ["access_fields", "mask_id_numbers", "request_id"],
            "stream": "ext://sys.stdout",
        },
    },
    "root": {"level": "INFO", "handlers": ["error_console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["access_console"], "propagate": False},
    },
}
