"""Households and their records, and the back-office staff who see them, for the impact tests."""

import itertools
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Permission

from impact.models import Household, IncomeRecord, Region, StaffScope, Threshold
from tests.idnumbers import with_check

_sequence = itertools.count(1)


def id_number(county_code: str = "530113", birth: str = "19800101") -> str:
    body = f"{county_code}{birth}{next(_sequence) % 1000:03d}"
    return with_check(body)


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
        **{"kind": Household.Kind.EXITED, **fields},
    )


def income(household: Household, year: int, total: str) -> IncomeRecord:
    return IncomeRecord.objects.create(household=household, year=year, wages=Decimal(total))


def threshold(year: int = 2026, standard: str = "4000.00", multiplier: str = "1.50") -> Threshold:
    return Threshold.objects.update_or_create(
        year=year,
        defaults={"national_standard": Decimal(standard), "multiplier": Decimal(multiplier)},
    )[0]


def county_staff(
    username: str, county_code: str | None, *, permissions: Iterable[str] = ()
) -> AbstractBaseUser:
    """A back-office user who may open Wagtail's admin, scoped to the county of ``county_code``
    (None: every county, as city staff are), with the further ``permissions`` by codename."""
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.com", password="pass-123-word", is_staff=True
    )
    for codename in ("access_admin", *permissions):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    county = Region.objects.get(code=county_code) if county_code else None
    StaffScope.objects.create(user=user, county=county)
    return user


def area_staff(
    username: str, region: Region, *, permissions: Iterable[str] = ()
) -> AbstractBaseUser:
    """A back-office user of the level and area of ``region`` (a village, township or county)."""
    user = county_staff(username, None, permissions=permissions)
    StaffScope.objects.filter(user=user).update(region=region, county=region.county)
    return user
