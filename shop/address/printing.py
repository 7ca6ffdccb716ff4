"""An address in Chinese order: 收货人 手机号 / 省 市 区 详细地址 (邮编)."""

from __future__ import annotations

from typing import Any

import phonenumbers


def mobile_cn(value: Any) -> str:
    """A stored number as a buyer reads it: ``+8613800138000`` → ``138 0013 8000``;
    a number abroad keeps its country code."""
    text = str(value or "")
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return text
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 86
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)


def recipient_cn(address: Any) -> str:
    """The recipient's name as written (an old Western-form address: surname first, no space)."""
    return f"{getattr(address, 'last_name', '') or ''}{getattr(address, 'first_name', '') or ''}"


def region_lines_cn(address: Any) -> str:
    """省 市 区 详细地址, a municipality or a city without counties named once."""
    parts: list[str] = []
    for name in ("state", "line4", "line3", "line2", "line1"):
        value = (getattr(address, name, "") or "").strip()
        if value and (not parts or parts[-1] != value):
            parts.append(value)
    return " ".join(parts)


def address_one_line(address: Any) -> str:
    """The whole address on one line, e.g. for a message: 李四 云南省 昆明市 东川区 花沟村 12 号."""
    postcode = f" ({address.postcode})" if getattr(address, "postcode", "") else ""
    return " ".join(p for p in (recipient_cn(address), region_lines_cn(address)) if p) + postcode
