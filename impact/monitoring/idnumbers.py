"""Resident identity numbers (GB 11643), validated without python-stdnum's birth-year rule.

python-stdnum's ``cn.ric.validate`` also demands that the county existed in
the birth year, which rejects real numbers first issued after a county was
renamed (东川区 since 1998, for one). The checks here are: 18 characters,
digits with an optional final X, the GB 11643 check digit (ISO 7064 MOD 11-2), a real birth date
not in the future, and a division code that exists or existed.
"""

import datetime

from django.utils.translation import gettext as _
from stdnum.iso7064 import mod_11_2

from .regions import division_code_exists


class IdNumberError(ValueError):
    pass


def id_number_clean(value: str, *, today: datetime.date | None = None) -> str:
    """The number in its canonical form (upper-case X), or IdNumberError saying what is wrong."""
    number = (value or "").strip().replace(" ", "").upper()
    if len(number) != 18:
        raise IdNumberError(_("An ID number has 18 characters."))
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdNumberError(_("An ID number is 17 digits followed by a digit or X."))
    # ISO 7064 MOD 11-2 over the 17 digits (GB 11643): the check character makes the
    # checksum of all 18 equal 1. (stdnum.cn.ric.calc_check_digit wants all 18 characters.)
    if mod_11_2.calc_check_digit(number[:17]) != number[17]:
        raise IdNumberError(_("The ID number's check digit is wrong."))
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise IdNumberError(_("The ID number's birth date is not a real date.")) from exc
    if birth > (today or datetime.date.today()):
        raise IdNumberError(_("The ID number's birth date is in the future."))
    if not division_code_exists(number[:6]):
        raise IdNumberError(_("The ID number's division code does not exist."))
    return number
