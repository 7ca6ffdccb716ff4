"""Masking of ID numbers (身份证号) wherever text leaves the server: pages, exports, logs.

The mask shows the first 6 and the last 4 characters (the division code and the
check part), the rest starred: ``110105********002X``. Plain functions over strings,
no Django: the logging filter (``common.logging``) uses them before apps are loaded.
"""

import re

# An ID-shaped string: 18 characters (17 digits and a digit or X) or a first-generation
# 15-digit number, not inside a longer run of digits or letters. A run preceded by a
# percent-escape (``q=%2011010519491231002X``: the ``20`` belongs to the escape) counts too.
ID_SHAPED = re.compile(
    r"(?:(?<=%[0-9A-Fa-f]{2})|(?<![0-9A-Za-z]))(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])"
)


def mask_id_number(value: str) -> str:
    """First 6 and last 4 characters shown, the rest starred."""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_id_numbers(text: str) -> str:
    """``text`` with every ID-shaped string in it masked."""
    return ID_SHAPED.sub(lambda match: mask_id_number(match.group(0)), text)
