"""Administrative divisions: counties come from python-stdnum's national list."""

from functools import lru_cache

from stdnum import numdb

from ..models import Region


@lru_cache(maxsize=8192)  # the national list is fixed data: ~3,000 county codes in all
def county_name_for_code(code: str) -> str | None:
    """The current name of a county-level division code, or None if the code never existed.

    python-stdnum keeps the national county list (``cn/loc``) with each name's
    years of validity, e.g. ``[1983-1984]禄劝县,[1985-]禄劝彝族苗族自治县``.
    """
    if len(code) != 6 or not code.isdigit():
        return None
    info = {
        key: value for _, props in numdb.get("cn/loc").info(code) for key, value in props.items()
    }
    names = info.get("county")
    if not names:
        return None
    latest = names.split(",")[-1]
    return latest.split("]", 1)[1] if latest.startswith("[") else latest


def division_code_exists(code: str) -> bool:
    """Whether a six-digit code is or was a county-level division (any year)."""
    return county_name_for_code(code) is not None


def county_get_or_create(*, code: str) -> Region | None:
    """The county Region for a division code, created from the national list if needed."""
    county = Region.objects.filter(code=code, level=Region.Level.COUNTY).first()
    if county is not None:
        return county
    name = county_name_for_code(code)
    if name is None:
        return None
    county, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": Region.Level.COUNTY}
    )
    return county


def village_get_or_create(*, county: Region, township: str, village: str) -> Region:
    """The village under a county's township, creating either if an import names it first."""
    township_region, _ = Region.objects.get_or_create(
        parent=county, name=township, defaults={"level": Region.Level.TOWNSHIP}
    )
    village_region, _ = Region.objects.get_or_create(
        parent=township_region, name=village, defaults={"level": Region.Level.VILLAGE}
    )
    return village_region
