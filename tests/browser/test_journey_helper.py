"""tests/browser/journey.py catches what it says it catches, on pages served by the browser
itself (Playwright routes): no database, no live server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from .journey import Journey

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Route

pytestmark = pytest.mark.browser

SITE = "http://journey.test"
PAGES = {
    "/clean/": "<p>两列商品</p>",
    "/wide/": '<div id="wide" style="width: 600px">太宽</div>',
    "/scrolls/": '<div style="overflow-x: auto"><div style="width: 600px">在盒子里滚动</div></div>',
    "/console/": "<script>console.error('坏了')</script>",
    "/throws/": "<script>null.nothing()</script>",
    "/foreign/": '<img src="https://www.gravatar.com/avatar/x" alt="">',
    "/english/": '<html lang="zh-hans"><p>提交时间</p><p>Date submitted</p></html>',
    "/english-page/": '<html lang="en"><p>Date submitted</p></html>',
}


@pytest.fixture
def journey(browser: Browser) -> Iterator[Journey]:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)

    def serve(route: Route) -> None:
        path = route.request.url.removeprefix(SITE)
        content = PAGES[path]
        lang = "zh-hans" if 'lang="zh-hans"' in content else "en"
        content = content.removeprefix(f'<html lang="{lang}">').removesuffix("</html>")
        body = f"<!DOCTYPE html><html lang='{lang}'><head><meta name='viewport' content='width=device-width'></head><body>{content}</body></html>"
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=body)

    page.route(f"{SITE}/**", serve)
    yield Journey(page, SITE)
    context.close()


def test_a_page_that_fits_and_reports_nothing_passes(journey: Journey) -> None:
    journey.visit("/clean/")
    journey.visit("/scrolls/")  # wide content inside a box that scrolls is not the page's width
    journey.done()


def test_a_page_wider_than_a_phone_fails_naming_the_element(journey: Journey) -> None:
    with pytest.raises(AssertionError) as failure:
        journey.visit("/wide/")
    # 600 px of div after the body's 8 px margin; measured on load, and again by the check.
    assert str(failure.value).splitlines()[1:] == [
        f"  [overflow] {SITE}/wide/: 608 > 390 px when loaded",
        f"  [overflow] {SITE}/wide/: 608 px > 390 px: div#wide (right edge 608 px)",
    ]


def test_a_console_error_and_an_uncaught_exception_fail(journey: Journey) -> None:
    with pytest.raises(AssertionError, match=r"\[console\] http://journey.test/console/: 坏了"):
        journey.visit("/console/")
    with pytest.raises(AssertionError, match=r"\[console\] .*/throws/: uncaught TypeError"):
        journey.visit("/throws/")


def test_a_request_to_another_host_is_refused_and_fails(journey: Journey) -> None:
    with pytest.raises(AssertionError) as failure:
        journey.visit("/foreign/")
    assert str(failure.value).endswith(
        f"[request] {SITE}/foreign/: https://www.gravatar.com/avatar/x"
    )
    assert "[console]" not in str(failure.value)  # the refused load is reported once


def test_a_known_problem_on_one_check_ends_the_test_as_an_expected_failure(
    journey: Journey,
) -> None:
    journey.visit("/console/", xfail={"console": "coop: a known script error"})
    journey.visit("/clean/")
    with pytest.raises(pytest.xfail.Exception, match="coop: a known script error — seen: "):
        journey.done()


def test_a_known_problem_of_one_kind_does_not_hide_another(journey: Journey) -> None:
    with pytest.raises(AssertionError, match=r"\[overflow\]"):
        journey.visit("/wide/", xfail={"console": "coop: a known script error"})


def test_an_untranslated_string_on_a_chinese_page_fails(journey: Journey) -> None:
    # "Date submitted" is translated (提交时间): without its translation it is English.
    from tests.common.test_untranslated import _translation_removed

    with _translation_removed("Date submitted"):
        with pytest.raises(AssertionError, match=r"\[english\] .*/english/: 'Date submitted'"):
            journey.visit("/english/")
        journey.visit("/english-page/")  # a page in English may be English
    journey.visit("/english/")  # translated again: the same words are a product's text
