"""Who a login name is, and a user's mobile number (issue #19).

One login everywhere: the shop, the dashboard and the CMS take a username, an
e-mail address or a mainland mobile number (``common.logins.AccountBackend``).
"""

from __future__ import annotations

import re

import phonenumbers
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from .models import MobileNumber

#: What a typed mobile number may look like before it is parsed: digits, spaces, dashes, a "+".
_PHONE_LIKE = re.compile(r"^\+?[\d\s()-]{7,20}$")
_MOBILE_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)

MOBILE_INVALID = _("Enter a mainland China mobile number, such as 138 1234 5678.")
MOBILE_TAKEN = _("This mobile number is already used by another account.")


def mobile_normalise(value: str) -> str | None:
    """A mainland China mobile number as E.164 (``+8613812345678``), or None if it is not one."""
    value = (value or "").strip()
    if not _PHONE_LIKE.match(value):
        return None
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mobile_clean(value: str, *, user: User | None = None) -> str:
    """A typed mobile number checked for a user: E.164, or a ValidationError saying why not."""
    number = mobile_normalise(value)
    if number is None:
        raise ValidationError(MOBILE_INVALID, code="invalid")
    taken = MobileNumber.objects.filter(number=number)
    if user is not None:
        taken = taken.exclude(user_id=user.pk)
    if taken.exists():
        raise ValidationError(MOBILE_TAKEN, code="taken")
    return number


def user_mobile(*, user: User) -> str:
    """The user's mobile number (E.164), or ``""``."""
    found = MobileNumber.objects.filter(user_id=user.pk).values_list("number", flat=True).first()
    return found or ""


def user_mobile_set(*, user: User, number: str) -> str:
    """Set (or with ``""`` remove) a user's mobile number; returns it as stored (E.164).

    Refuses, with a ValidationError and nothing written, a number that is not a
    mainland mobile or that another account has (the unique index decides a race).
    """
    if not number:
        MobileNumber.objects.filter(user_id=user.pk).delete()
        return ""
    number = mobile_clean(number, user=user)
    try:
        with transaction.atomic():
            MobileNumber.objects.update_or_create(user_id=user.pk, defaults={"number": number})
    except IntegrityError:
        raise ValidationError(MOBILE_TAKEN, code="taken") from None
    return number


def users_for_login(*, name: str) -> list[User]:
    """The accounts a typed login name may mean: by username, else e-mail, else mobile.

    A username names one account (exactly as stored, as Django's own backend matches
    it). An e-mail address (case-insensitive) may belong to several accounts: all are
    returned, and the backend refuses the ambiguity. A mobile number is unique.
    """
    User = get_user_model()
    name = (name or "").strip()
    if not name:
        return []
    by_username = list(User._default_manager.filter(username=name))
    if by_username:
        return by_username
    if "@" in name:
        return list(User._default_manager.filter(email__iexact=name))
    number = mobile_normalise(name)
    if number is not None:
        return list(User._default_manager.filter(mobile_number__number=number))
    return []
