"""Query-string filters of the back-office and report pages, read strictly.

A filter with a value that means nothing (``?county=abc``, ``?page=-1``,
``?year=99999999999999999999``, ``?level=2026-13-45``) is a mistake in a link
or a hand-edited address: the page answers 400 and names the parameter
(``BadFilterMiddleware``), instead of a 500 or quietly showing something else.
An empty value means "no filter"; dates are read by forms (the notice list's).
The value itself is not echoed back (it might be an ID number typed into the
wrong box).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

# The largest primary key and the largest page number worth asking for (PostgreSQL integer).
INT_MAX = 2**31 - 1


class BadFilter(Exception):
    """A query parameter's value is not one the page can use."""

    def __init__(self, name: str, expected: str) -> None:
        super().__init__(f"{name}: {expected}")
        self.name = name
        self.expected = expected


def _raw(params: Mapping[str, Any], name: str) -> str:
    value = params.get(name)
    return "" if value is None else str(value).strip()


def filter_int(
    params: Mapping[str, Any], name: str, *, minimum: int = 1, maximum: int = INT_MAX
) -> int | None:
    """``params[name]`` as a whole number in [minimum, maximum]; None when absent or empty."""
    raw = _raw(params, name)
    if raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(maximum)):
        raise BadFilter(name, _("a whole number"))
    value = int(raw)
    if not minimum <= value <= maximum:
        raise BadFilter(
            name, _("a number from %(min)d to %(max)d") % {"min": minimum, "max": maximum}
        )
    return value


def filter_page(params: Mapping[str, Any], name: str = "page") -> int | None:
    """A page number (1 or more); a number past the last page shows the last (the paginator)."""
    return filter_int(params, name, minimum=1)


def filter_year(params: Mapping[str, Any], name: str = "year") -> int | None:
    """A calendar year (1900–2100); whether the page has figures for it is the page's business
    (the household page, for one, falls back to this year)."""
    return filter_int(params, name, minimum=1900, maximum=2100)


def filter_choice(params: Mapping[str, Any], name: str, choices: Iterable[Any]) -> str | None:
    """``params[name]`` if it is one of ``choices`` (compared as text); None when absent or empty."""
    raw = _raw(params, name)
    if raw == "":
        return None
    if raw not in {str(choice) for choice in choices}:
        raise BadFilter(name, _("one of the values offered on the page"))
    return raw


def bad_filter_page(request: HttpRequest, error: BadFilter) -> HttpResponse:
    """400: which parameter was wrong, and what it should be."""
    message = _(
        'The filter "%(name)s" has a value this page cannot use: it should be %(expected)s.'
    ) % {
        "name": error.name,
        "expected": error.expected,
    }
    admin = request.path.startswith("/cms/")
    template = "backoffice/bad_filter.html" if admin else "common/bad_filter.html"
    return render(request, template, {"message": message}, status=400)


class BadFilterMiddleware:
    """Turns a ``BadFilter`` raised by any view into the 400 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, BadFilter):
            return bad_filter_page(request, exception)
        return None
