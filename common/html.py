"""HTML that outsiders write, cleaned by an allow-list (nh3, the Rust ammonia sanitiser).

Producers write their products' descriptions (and rich-text attributes) in Oscar's
dashboard; campaign hosts and editors write Wagtail rich text. Whatever they send, only
the tags and attributes below survive: no script, no style, no event handler, no
``javascript:`` link, no frame. Text is cleaned twice: when it is saved (``shop`` and
``cms`` receivers call ``clean_html`` / ``clean_richtext_source`` before every save), and
when a page prints it (the ``clean_html`` template filter, used in place of ``|safe``), so a
row written around ``save()`` (``queryset.update``, raw SQL, an old row) is still printed clean.
"""

from __future__ import annotations

import re

import nh3

__all__ = ["clean_html", "clean_richtext_source"]

# What a product description or a story needs: paragraphs, emphasis, lists, sub-headings,
# quotes, links, pictures. Nothing that runs, frames, styles or submits.
TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "code",
    "a",
    "img",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
}
# Wagtail's rich-text pictures carry these classes (its image formats); no other class passes.
CLASSES = {"img": {"richtext-image", "left", "right", "full-width"}}
LINK_SCHEMES = {"http", "https", "mailto"}
# Every link leaves with these: the page opened cannot reach back, and earns no ranking.
LINK_REL = "noopener noreferrer nofollow"

# Wagtail's stored form of rich text, before its rewriters expand it for a page:
# links to pages and documents are <a linktype="page" id="3">, pictures and media are
# <embed embedtype="image" id="1" format="left" alt="…"/>. Kept as they are on save; the
# page's own output is cleaned again on render with the allow-list above.
SOURCE_TAGS = TAGS - {"img"} | {"embed"}
SOURCE_ATTRIBUTES = {
    "a": {"href", "linktype", "id"},
    "embed": {"embedtype", "id", "format", "alt", "url"},
}
SOURCE_LINK_SCHEMES = LINK_SCHEMES | {"tel"}
# nh3 writes <embed …> as HTML does; Wagtail finds only the self-closed <embed …/>.
_EMBED = re.compile(r'<embed((?:\s+[a-z]+="[^"]*")*)\s*/?>')


def _picture_from_https_or_here(element: str, attribute: str, value: str) -> str | None:
    """A picture's ``src`` only from https or from this site (a path); ``data:`` and http refused."""
    if element == "img" and attribute == "src":
        if value.startswith("https://") or (value.startswith("/") and not value.startswith("//")):
            return value
        return None
    return value


def clean_html(text: object) -> str:
    """``text`` with only the allowed tags and attributes left; ``""`` for ``None``.

    >>> clean_html('<p onclick="x()">Hi<script>alert(1)</script></p>')
    '<p>Hi</p>'
    """
    if text is None:
        return ""
    return nh3.clean(
        str(text),
        tags=TAGS,
        clean_content_tags={"script", "style"},
        attributes=ATTRIBUTES,
        attribute_filter=_picture_from_https_or_here,
        url_schemes=LINK_SCHEMES,
        link_rel=LINK_REL,
        allowed_classes=CLASSES,
        strip_comments=True,
    )


def clean_richtext_source(text: object) -> str:
    """Wagtail rich text as stored (its ``linktype`` links and ``embed`` tags kept), cleaned."""
    if text is None:
        return ""
    cleaned = nh3.clean(
        str(text),
        tags=SOURCE_TAGS,
        clean_content_tags={"script", "style"},
        attributes=SOURCE_ATTRIBUTES,
        url_schemes=SOURCE_LINK_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
    return _EMBED.sub(r"<embed\1/>", cleaned)
