"""Logging filters: no full ID number (身份证号) is ever written to a log.

``MaskIdNumbers`` is installed on every handler in ``LOGGING`` (config/settings/base.py):
the console, Django's request log (``django.server``), and so Celery's (its loggers
propagate to the root's handler). A handler's filter sees every record the handler
writes, whichever logger it came from.
"""

import logging

from .masking import mask_id_numbers


class MaskIdNumbers(logging.Filter):
    """Masks every ID-shaped string in a record: its message with its args, its traceback.

    The mask keeps the first 6 and last 4 characters, as pages do (``common.masking``).
    The record is changed in place, so every handler after this one writes it masked too;
    it is never dropped.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: mask what is there, let logging report it
            message = None
        if message is not None:
            masked = mask_id_numbers(message)
            if masked != message:
                # the args are merged into the message, masked; nothing unmasked is left behind
                record.msg, record.args = masked, None
        elif isinstance(record.msg, str):
            record.msg = mask_id_numbers(record.msg)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_id_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_id_numbers(record.stack_info)
        return True
