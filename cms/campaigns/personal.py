"""The visitor's own parts of a page served from the shared cache (account links, basket).

A campaign page in a rush is rendered once for everyone as an anonymous visitor
would see it (``pagecache``). The parts of the page that belong to one visitor
(the account links, the basket, the unit link) are wrapped by the
``{% personal_part %}`` tag; a signed-in buyer's or a basket holder's copy of the
cached page asks ``/campaigns/personal.json`` for those parts, rendered for them,
and ``static/js/personal-parts.js`` puts them in place. One small request (the
session, the user and the basket) instead of the whole page.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.template import engines

# The templates a page may mark as the visitor's own: the only ones the endpoint renders.
PERSONAL_PARTS = (
    "oscar/partials/account_link.html",
    "oscar/partials/mini_basket.html",
    "oscar/partials/nav_primary.html",
)
# All the parts in one render, so the context processors (user, permissions, the unread
# notifications count) run once, not once per part.
_SEPARATOR = "<!--yx-personal-part-->"
_ALL_PARTS = engines["django"].from_string(
    "{% for name in personal_parts %}{% include name %}" + _SEPARATOR + "{% endfor %}"
)


def personal_parts_render(*, request: HttpRequest) -> dict[str, str]:
    """Each personal part rendered for this visitor."""
    rendered = _ALL_PARTS.render({"personal_parts": PERSONAL_PARTS}, request).split(_SEPARATOR)
    return dict(zip(PERSONAL_PARTS, rendered, strict=False))
