"""China's current administrative divisions, province → prefecture → county, for addresses.

Built from python-stdnum's national division list (``cn/loc``, the same data as
``impact.monitoring.regions``). Each name there carries its years of validity,
e.g. ``[1983-1997]路南彝族自治县,[1998-]石林彝族自治县``; only names still valid
(an open range, or no range) are kept. The four municipalities (北京, 天津, 上海,
重庆) have no prefecture: their "市辖区" and "县" groups are one city named as the
municipality. A prefecture-level city without counties (东莞市, 中山市, 儋州市,
嘉峪关市) is its own only county-level entry, so every address ends on a code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from stdnum import numdb

# Entries of the list that group counties rather than name a place.
_GROUP_NAMES = frozenset({"市辖区", "县"})
# Provinces whose counties the list does not give (台湾省, 香港, 澳门): no address can end on a code.


@dataclass(frozen=True)
class Division:
    code: str  # six digits: province 530000, prefecture 530100, county 530113
    name: str


@dataclass(frozen=True)
class City:
    division: Division
    districts: tuple[Division, ...]


@dataclass(frozen=True)
class Province:
    division: Division
    cities: tuple[City, ...]


@dataclass(frozen=True)
class DivisionPath:
    """A county-level division with the province and city it lies in."""

    province: Division
    city: Division
    district: Division


def current_name(raw: str) -> str | None:
    """The name a division has today, or None if it no longer exists.

    >>> current_name("[1983-1984]禄劝县,[1985-]禄劝彝族苗族自治县")
    '禄劝彝族苗族自治县'
    >>> current_name("[-2010]崇文区") is None
    True
    """
    latest = raw.split(",")[-1]
    if not latest.startswith("["):
        return latest
    years, name = latest[1:].split("]", 1)
    return name if years.endswith("-") else None


@lru_cache(maxsize=1)
def provinces() -> tuple[Province, ...]:
    """Every province with current counties, in code order."""
    result = []
    for _length, low, _high, props, children in numdb.get("cn/loc").prefixes:
        province = Division(code=f"{low}0000", name=props["province"])
        groups: dict[str, tuple[str, list[Division]]] = {}  # prefecture code → (name, counties)
        for _l, sub, _h, sub_props, _c in children:
            name = current_name(sub_props.get("county", ""))
            if not name or sub == "0000":
                continue
            prefecture, county = sub[:2], sub[2:]
            if county == "00":
                groups.setdefault(prefecture, (name, []))
                groups[prefecture] = (name, groups[prefecture][1])
            elif name not in _GROUP_NAMES:
                groups.setdefault(prefecture, ("", []))[1].append(
                    Division(code=f"{low}{sub}", name=name)
                )
        cities: list[City] = []
        municipality: list[Division] = []
        for prefecture, (name, counties) in sorted(groups.items()):
            if not name:  # counties of a prefecture that no longer exists: not an address
                continue
            if name in _GROUP_NAMES:
                municipality.extend(counties)
                continue
            city = Division(code=f"{low}{prefecture}00", name=name)
            cities.append(City(division=city, districts=tuple(counties) or (city,)))
        if municipality:
            city = Division(code=f"{low}0100", name=province.name)
            cities.insert(0, City(division=city, districts=tuple(municipality)))
        if cities:
            result.append(Province(division=province, cities=tuple(cities)))
    return tuple(result)


@lru_cache(maxsize=1)
def _paths() -> dict[str, DivisionPath]:
    return {
        district.code: DivisionPath(province.division, city.division, district)
        for province in provinces()
        for city in province.cities
        for district in city.districts
    }


def province_get(code: str) -> Province | None:
    return next((p for p in provinces() if p.division.code == code), None)


def city_get(province: Province, code: str) -> City | None:
    return next((c for c in province.cities if c.division.code == code), None)


def division_path(code: str) -> DivisionPath | None:
    """The province, city and county of a current county-level code, or None."""
    return _paths().get(code)


def division_path_for_names(province: str, city: str, district: str) -> DivisionPath | None:
    """The path whose names are exactly these (how an address stores them), or None."""
    for path in _paths().values():
        if (path.province.name, path.city.name, path.district.name) == (province, city, district):
            return path
    return None


@lru_cache(maxsize=1)
def divisions_as_json_data() -> list[list[object]]:
    """The tree as nested lists, [code, name, children], for the address form's script."""
    return [
        [
            p.division.code,
            p.division.name,
            [
                [c.division.code, c.division.name, [[d.code, d.name] for d in c.districts]]
                for c in p.cities
            ],
        ]
        for p in provinces()
    ]
