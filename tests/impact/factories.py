"""Households and their records for the impact tests."""

import itertools
from decimal import Decimal

from stdnum.cn import ric

from impact.models import Household, IncomeRecord, Region, Threshold

_sequence = itertools.count(1)


def id_number(county_code: str = "530113", birth: str = "19800101") -> str:
    body = f"{county_code}{birth}{next(_sequence) % 1000:03d}"
    return body + ric.calc_check_digit(body)


def village(county_code: str = "530113") -> Region:
    return Region.objects.filter(
        level=Region.Level.VILLAGE, parent__parent__code=county_code
    ).first()


def household(
    *,
    county_code: str = "530113",
    members: int = 2,
    labour: int = 1,
    code: str | None = None,
    **fields,
) -> Household:
    number = next(_sequence)
    return Household.objects.create(
        code=code or f"T-{county_code}-{number:05d}",
        head_name="测试户主",
        id_number=id_number(county_code),
        region=village(county_code),
        members=members,
        labour=labour,
        kind=Household.Kind.EXITED,
        **fields,
    )


def income(household: Household, year: int, total: str) -> IncomeRecord:
    return IncomeRecord.objects.create(household=household, year=year, wages=Decimal(total))


def threshold(year: int = 2026, standard: str = "4000.00", multiplier: str = "1.50") -> Threshold:
    return Threshold.objects.update_or_create(
        year=year,
        defaults={"national_standard": Decimal(standard), "multiplier": Decimal(multiplier)},
    )[0]
