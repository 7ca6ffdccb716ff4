"""Walk pages in a real browser and fail on what a buyer would trip over.

``Journey`` watches one Playwright page for as long as the test runs, on every page
it loads (those a test opens itself and those it reaches through a helper's clicks):

- ``console``: a console error or an uncaught exception in the page;
- ``request``: a request to any host but the live server's (a CDN, Gravatar, a font
  service): the request is refused, and recorded;
- ``overflow``: a page wider than the window
  (``document.documentElement.scrollWidth > window.innerWidth``), measured when each page
  has loaded and again at every ``check``;
- ``english``: on a page in zh-hans (``<html lang="zh-hans">``), a catalogue string shown
  (in the rendered text: hidden dialogs do not count) untranslated (ours, Oscar's, Wagtail's or Django's: ``tests/common/untranslated.py``, the
  same finder as ``tests/common/test_untranslated.py``), read at every ``check``.

``visit(url)`` opens a page and checks it; ``check()`` checks the page a click led to.
Either raises ``AssertionError`` naming the page and what is wrong with it. A known
failure that belongs to someone else's work is passed as ``xfail={kind: reason}``: that
kind of problem on that page is recorded and the test ends as an expected failure
(``pytest.xfail``, so it passes again once the problem is fixed and the mark removed),
while any other problem still fails it.

    journey = Journey(page, live_server.url)
    journey.visit("/")
    page.click("a.some-link")
    journey.check(xfail={"console": "coop: the dashboard's initTable script error"})
    journey.done()

For a one-off page: ``visit(page, url)``.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Error, Page, Request, Route


class Settle:
    """Wait, on one page, until it has loaded and its requests have answered.

    Playwright's ``networkidle`` waits for half a second without a request on every page:
    on a journey's 26 pages that was 11.5 s of its 27. Here the page's requests are
    counted as they start and end (the ``request``, ``requestfinished`` and
    ``requestfailed`` events), and the wait ends once none has been open for ``QUIET``
    seconds since the load event, or after ``LIMIT`` seconds (a page that polls may never
    fall quiet; what it reported still counts).
    """

    QUIET = 0.15
    LIMIT = 5.0

    @classmethod
    def of(cls, page: Page) -> Settle:
        """The page's own: made (and counting) at the first call, before the page is opened."""
        if id(page) not in _settles or _settles[id(page)].page is not page:
            _settles[id(page)] = cls(page)
        return _settles[id(page)]

    def __init__(self, page: Page) -> None:
        self.page = page
        self.open: set[Request] = set()
        self.last = time.monotonic()
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _started(self, request: Request) -> None:
        self.open.add(request)
        self.last = time.monotonic()

    def _ended(self, request: Request) -> None:
        self.open.discard(request)
        self.last = time.monotonic()

    def __call__(self) -> None:
        self.page.wait_for_load_state("load")
        now = time.monotonic()
        self.last = max(self.last, now)
        while time.monotonic() - now < self.LIMIT:
            if not self.open and time.monotonic() - self.last >= self.QUIET:
                return
            self.page.wait_for_timeout(25)  # Playwright delivers the page's events meanwhile


_settles: dict[int, Settle] = {}

Kind = Literal["console", "request", "overflow", "english"]
KINDS: tuple[Kind, ...] = ("console", "request", "overflow", "english")

#: Reported from inside the page once it has loaded (an init script, below), so that a page
#: a helper only passes through is measured too.
OVERFLOW_MARK = "yx-journey-overflow"

# Runs in every page before its own scripts; reports through the console (a warning, which
# the watcher below reads as an overflow, not as a console error).
MEASURE_ON_LOAD = (
    "window.addEventListener('load', function () {"
    "  var width = document.documentElement.scrollWidth;"
    "  if (width > window.innerWidth) {"
    f"    console.warn('{OVERFLOW_MARK} ' + width + ' > ' + window.innerWidth);"
    "  }"
    "});"
)

# The elements that stick out past the right edge (outside any box that scrolls or clips
# them), to say where an overflow comes from.
WIDEST = """() => {
    const limit = window.innerWidth;
    const out = [];
    for (const element of document.body.querySelectorAll('*')) {
        const box = element.getBoundingClientRect();
        if (box.right <= limit + 0.5 || box.width === 0) continue;
        let clipped = false;
        for (let up = element.parentElement; up && up !== document.body; up = up.parentElement) {
            if (getComputedStyle(up).overflowX !== 'visible') { clipped = true; break; }
        }
        if (clipped) continue;
        const name = element.tagName.toLowerCase() + (element.id ? '#' + element.id : '')
            + (typeof element.className === 'string' && element.className.trim()
               ? '.' + element.className.trim().split(/\\s+/).join('.') : '');
        out.push(name + ' (right edge ' + Math.round(box.right) + ' px)');
        if (out.length === 3) break;
    }
    return out;
}"""


@dataclass(frozen=True)
class Problem:
    kind: Kind
    url: str
    what: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.url}: {self.what}"


@dataclass
class Journey:
    """One browser page's walk through the site, with what went wrong on the way."""

    page: Page
    base_url: str
    pending: list[Problem] = field(default_factory=list)
    expected: list[tuple[Problem, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.host = urlsplit(self.base_url).netloc
        self._settle = Settle.of(self.page)
        self.page.add_init_script(MEASURE_ON_LOAD)
        self.page.on("console", self._console)
        self.page.on("pageerror", self._page_error)
        self.page.on("request", self._request)
        self.page.route(self._foreign, self._refuse)

    # ------------------------------------------------------------------ what the page reports

    def _foreign(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != self.host

    def _refuse(self, route: Route) -> None:
        route.abort("blockedbyclient")

    def _console(self, message: ConsoleMessage) -> None:
        text = message.text
        if message.type == "warning" and text.startswith(OVERFLOW_MARK):
            width = text.removeprefix(OVERFLOW_MARK).strip()
            self.pending.append(Problem("overflow", self.page.url, f"{width} px when loaded"))
        elif message.type == "error":
            source = message.location.get("url", "")
            if source and self._foreign(source):
                return  # a refused foreign request: reported once, as a request
            where = f" ({source}:{message.location.get('lineNumber', 0)})" if source else ""
            self.pending.append(Problem("console", self.page.url, text + where))

    def _page_error(self, error: Error) -> None:
        self.pending.append(Problem("console", self.page.url, f"uncaught {error.name}: {error}"))

    def _request(self, request: Request) -> None:
        if self._foreign(request.url):
            self.pending.append(Problem("request", self.page.url, request.url))

    # ------------------------------------------------------------------ what the test calls

    def visit(self, url: str, *, xfail: dict[Kind, str] | None = None) -> None:
        """Open ``url`` (a path on the live server, or a whole address) and check the page."""
        self.page.goto(url if "://" in url else self.base_url + url)
        self.check(xfail=xfail)

    def check(self, *, xfail: dict[Kind, str] | None = None, measure: bool = True) -> None:
        """Check the page the browser is on now, and everything reported since the last check.

        ``xfail`` maps a kind of problem to the reason it is known here (name the part
        whose work fixes it); problems of other kinds fail the test at once.
        """
        known = xfail or {}
        assert set(known) <= set(KINDS), f"unknown kinds of check: {set(known) - set(KINDS)}"
        self._settle()
        width = self.page.evaluate("document.documentElement.scrollWidth")
        window = self.page.evaluate("window.innerWidth")
        if measure and width > window:
            culprits = "; ".join(self.page.evaluate(WIDEST)) or "no single element"
            self.pending.append(
                Problem("overflow", self.page.url, f"{width} px > {window} px: {culprits}")
            )
        if measure:
            self._english()
        problems, self.pending = _unique(self.pending), []
        failing = [problem for problem in problems if problem.kind not in known]
        self.expected.extend(
            (problem, known[problem.kind]) for problem in problems if problem.kind in known
        )
        if failing:
            raise AssertionError(
                f"{len(failing)} problem(s) at {self.page.url} "
                f"({self.page.viewport_size}):\n" + "\n".join(f"  {p}" for p in failing)
            )

    def done(self) -> None:
        """End the walk: take what the last page reported since its check (its width was
        measured then), then report the known problems met, if any."""
        self.check(measure=False)
        if self.expected:
            reasons = sorted({reason for _, reason in self.expected})
            pytest.xfail(
                "; ".join(reasons)
                + " — seen: "
                + " | ".join(str(problem) for problem, _ in self.expected)
            )

    def _english(self) -> None:
        from tests.common.untranslated import untranslated_on

        language = self.page.evaluate("document.documentElement.lang") or ""
        if not language.lower().startswith("zh"):
            return
        # What is shown: the rendered text, not the markup of hidden dialogs and templates.
        shown = self.page.locator("body").inner_text()
        found = untranslated_on(html.escape(shown))
        if found:
            self.pending.append(
                Problem(
                    "english", self.page.url, "; ".join(_in_context(hit, shown) for hit in found)
                )
            )


def _in_context(hit: str, text: str) -> str:
    """The untranslated string with a little of the text around it, to say where it is."""
    at = text.find(hit)
    if at < 0:
        return repr(hit)
    around = " ".join(text[max(0, at - 40) : at + len(hit) + 40].split())
    return f"{hit!r} (in “{around}”)"


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


_journeys: dict[int, Journey] = {}


def visit(page: Page, url: str, *, xfail: dict[Kind, str] | None = None) -> Journey:
    """Open ``url`` (a whole address) in ``page`` and fail on a console error, a foreign
    request or a page wider than the window; the page stays watched for later calls."""
    journey = _journeys.get(id(page))
    if journey is None or journey.page is not page:
        parts = urlsplit(url)
        journey = _journeys[id(page)] = Journey(page, f"{parts.scheme}://{parts.netloc}")
    journey.visit(url, xfail=xfail)
    return journey
