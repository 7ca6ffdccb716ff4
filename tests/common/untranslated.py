"""Find catalogue strings shown in English on a page rendered in zh-hans.

The strings looked for are the msgids of the gettext catalogues the site uses (ours in
locale/, Oscar's, Wagtail's and Django's) that have no zh_Hans translation at run time:
``gettext(msgid) == msgid`` with zh-hans active. A page's visible text (text nodes outside
script and style, and the title, placeholder, alt and aria-label attributes) is searched
for each of them as a whole phrase; placeholders (``%(name)s``, ``%s``, ``{name}``) match
any short text. Strings that are legitimately English (brand names, codes) are left out.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import django
import oscar
import wagtail
from babel.messages.extract import extract_python
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import translation
from django.utils.translation.template import templatize

#: msgids that are English on purpose in the Chinese interface (names, codes, units).
LEGITIMATELY_ENGLISH = frozenset(
    {
        "Stripe",
        "Alipay",
        "WeChat Pay",
        "Wagtail",
        "Oscar",
        "Django",
        "Douyin",
        "Kuaishou",
        "WeChat Channels",
        "English",
        "UPC",
        "SKU",
        "URL",
        "CSV",
        "PDF",
        "Excel",
        "JSON",
        "HTML",
        "Email",  # only as part of "E-mail" addresses' local parts; Chinese label is 电子邮件
    }
)

_PLACEHOLDER = re.compile(r"%\([^)]*\)[sdifr]|%[sdifr]|\{[a-zA-Z_0-9]*\}|<[^>]+>")
_WORD = re.compile(r"[A-Za-z]{2,}")
_SKIP_TAGS = frozenset({"script", "style", "template", "noscript", "svg"})
_ATTRIBUTES = ("title", "placeholder", "alt", "aria-label")


@dataclass(frozen=True)
class Msgid:
    text: str
    pattern: re.Pattern[str]
    anchor: str  # the longest word, which a page must contain to be searched


def catalogue_files() -> list[Path]:
    """The .po files whose msgids are looked for: ours, and each package's list of its strings."""
    files = [Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"]
    for package in (oscar, wagtail, django):
        root = Path(package.__file__).resolve().parent
        files += sorted(root.glob("**/locale/en/LC_MESSAGES/django.po"))
    return [path for path in files if path.is_file()]


_CALL = re.compile(r"\b(n?p?gettext)\(")
_Raw = set[tuple[str | None, str, str | None]]


def _calls(code: str) -> _Raw:
    """(context, singular, plural) of the gettext calls in ``code`` (Python, or Django's
    ``templatize`` rendering of a template, which is Python only around those calls)."""
    found: _Raw = set()
    for match in _CALL.finditer(code):
        end = match.end()
        while (end := code.find(")", end) + 1) > 0:
            try:
                node = ast.parse(code[match.start() : end], mode="eval").body
            except SyntaxError:
                continue
            args = [a.value for a in getattr(node, "args", []) if isinstance(a, ast.Constant)]
            strings = [a for a in args if isinstance(a, str)]
            name = match.group(1)
            if name == "gettext" and strings:
                found.add((None, strings[0], None))
            elif name == "pgettext" and len(strings) >= 2:
                found.add((strings[0], strings[1], None))
            elif name == "ngettext" and len(strings) >= 2:
                found.add((None, strings[0], strings[1]))
            elif name == "npgettext" and len(strings) >= 3:
                found.add((strings[0], strings[1], strings[2]))
            break
    return found


@cache
def oscar_source_msgids() -> _Raw:
    """Oscar's msgids read from its templates and code: its shipped catalogues predate
    strings such as "choose action" that its 4.x templates show."""
    root = Path(oscar.__file__).resolve().parent
    found: _Raw = set()
    for path in root.glob("templates/**/*.html"):
        found |= _calls(templatize(path.read_text(encoding="utf-8"), origin=str(path)))
    keywords = ["_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy", "ngettext"]
    keywords += ["ngettext_lazy", "gettext_noop"]
    for path in root.glob("**/*.py"):
        if "migrations" in path.parts or "test" in path.parts:
            continue
        with path.open("rb") as handle:
            for _, name, messages, _ in extract_python(handle, keywords, [], {}):
                args = list(messages) if isinstance(messages, (list, tuple)) else [messages]
                if name.startswith("pgettext") and len(args) >= 2 and args[1]:
                    found.add((args[0], args[1], None))
                elif name.startswith("ngettext") and len(args) >= 2 and args[0] and args[1]:
                    found.add((None, args[0], args[1]))
                elif args and isinstance(args[0], str) and args[0]:
                    found.add((None, args[0], None))
    return found


def _read_msgids(path: Path) -> set[tuple[str | None, str, str | None]]:
    found: set[tuple[str | None, str, str | None]] = set()
    with path.open("rb") as handle:
        for message in read_po(handle):
            if not message.id:
                continue
            if isinstance(message.id, str):
                found.add((message.context, message.id, None))
            else:
                found.add((message.context, message.id[0], message.id[1]))
    return found


def _translated(context: str | None, singular: str, plural: str | None) -> bool:
    if plural is not None:
        return (
            translation.npgettext(context, singular, plural, 1) != singular
            if context
            else (translation.ngettext(singular, plural, 1) != singular)
        )
    if context:
        return translation.pgettext(context, singular) != singular
    return translation.gettext(singular) != singular


def _compile(text: str) -> Msgid | None:
    literal_parts = [part for part in _PLACEHOLDER.split(text) if part.strip()]
    words = [word for part in literal_parts for word in _WORD.findall(part)]
    if sum(len(word) for word in words) < 4 or not words:
        return None
    pieces = [r"\s+".join(re.escape(chunk) for chunk in part.split()) for part in literal_parts]
    # What a placeholder or a tag stands for: any short text (a tag splits the visible text).
    pattern = re.compile(r"(?<![A-Za-z])" + r".{0,80}?".join(pieces) + r"(?![A-Za-z])")
    return Msgid(text=text, pattern=pattern, anchor=max(words, key=len))


@cache
def untranslated_msgids() -> tuple[Msgid, ...]:
    """Every catalogue msgid with no zh_Hans translation, ready to search for."""
    raw: set[tuple[str | None, str, str | None]] = set()
    for path in catalogue_files():
        raw |= _read_msgids(path)
    raw |= oscar_source_msgids()
    found: dict[str, Msgid] = {}
    with translation.override("zh-hans"):
        for context, singular, plural in sorted(raw, key=lambda m: (m[0] or "", m[1])):
            text = " ".join(singular.split())
            if text in LEGITIMATELY_ENGLISH or text in found:
                continue
            if _translated(context, singular, plural):
                continue
            compiled = _compile(text)
            if compiled is not None:
                found[text] = compiled
    return tuple(found.values())


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skipping.append(tag)
        for name, value in attrs:
            if name in _ATTRIBUTES and value:
                self.chunks.append(value)
            if tag == "input" and name == "value" and value and ("type", "submit") in attrs:
                self.chunks.append(value)

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.chunks.append(data)


def visible_text(html: str) -> str:
    """The text a reader sees, one space between chunks (block boundaries kept apart by |)."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return " | ".join(" ".join(chunk.split()) for chunk in parser.chunks if chunk.strip())


def untranslated_on(html: str) -> list[str]:
    """The untranslated catalogue msgids that appear in the page's visible text."""
    text = visible_text(html)
    words = set(_WORD.findall(text))
    hits = [
        msgid.text
        for msgid in untranslated_msgids()
        if msgid.anchor in words and msgid.pattern.search(text)
    ]
    # A hit inside a longer hit ("Paid" in "Paid by card") is the longer one's.
    return sorted(hit for hit in hits if not any(hit != other and hit in other for other in hits))
