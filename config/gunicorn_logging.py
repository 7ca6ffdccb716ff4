"""gunicorn's logging with ID numbers masked, for its ``logconfig_dict`` setting.

gunicorn logs requests itself (``gunicorn.access``), outside Django's LOGGING, so its
handlers get the same filter here. In gunicorn.conf.py::

    from config.gunicorn_logging import logconfig_dict  # noqa: F401

With ``logconfig_dict`` set, gunicorn writes the access log through it; ``accesslog``
need not be set (if it is, this configuration still replaces its handler).
"""

from typing import Any

logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_id_numbers": {"()": "common.logging.MaskIdNumbers"}},
    "formatters": {
        "generic": {
            "format": "%(asctime)s [%(process)d] [%(levelname)s] %(message)s",
            "datefmt": "[%Y-%m-%d %H:%M:%S %z]",
        },
        "access": {"format": "%(message)s"},
    },
    "handlers": {
        "error_console": {
            "class": "logging.StreamHandler",
            "formatter": "generic",
            "filters": ["mask_id_numbers"],
            "stream": "ext://sys.stderr",
        },
        "access_console": {
            "class": "logging.StreamHandler",
            "formatter": "access",
            "filters": ["mask_id_numbers"],
            "stream": "ext://sys.stdout",
        },
    },
    "root": {"level": "INFO", "handlers": ["error_console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["access_console"], "propagate": False},
    },
}
