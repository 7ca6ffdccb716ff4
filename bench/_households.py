"""Registered households for the benchmarks that need many, built in memory to be written in bulk.

Import it once Django is set up (it imports the impact models).
"""

import random
from typing import Any

from stdnum.iso7064 import mod_11_2

from impact.models import Household
from impact.monitoring.pii import pii_hash


def id_number(county_code: str, *, born: int, serial: int) -> str:
    """A valid resident ID number of the county, of someone born on 1 January 19``born``."""
    body = f"{county_code}19{born:02d}0101{serial % 1000:03d}"
    return body + mod_11_2.calc_check_digit(body)  # GB 11643: ISO 7064 MOD 11-2


def household_row(
    *,
    code: str,
    county_code: str,
    serial: int,
    rng: random.Random | None = None,
    head_name: str = "测试户主",
    **place: Any,
) -> Household:
    """An exited household of the county, not saved; ``place`` gives its region and county.

    With ``rng``, its head's birth year, its members (1 to 6) and those able to work are
    drawn from it; without, they follow from ``serial`` alone.
    """
    if rng is not None:
        born = rng.randint(40, 99)
        members = rng.randint(1, 6)
        labour = rng.randint(0, members)
    else:
        born = serial % 80 + 20
        members = 1 + serial % 5
        labour = min(serial % 3, members)
    number = id_number(county_code, born=born, serial=serial)
    return Household(
        code=code,
        head_name=head_name,
        id_number=number,
        id_number_hash=pii_hash(number),
        members=members,
        labour=labour,
        kind=Household.Kind.EXITED,
        **place,
    )
