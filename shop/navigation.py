"""The shop's navigation bar and category tree, from the cache.

Every shop page draws the navigation bar (top-level categories and the CMS's campaign,
story and news index pages) and the catalogue draws the whole category tree. Both change
only when staff edit categories or pages, so they are read from the cache (Redis in
production) and rebuilt on the first page after a change: ``shop/receivers.py`` clears
them when a category, page or Wagtail site is saved, deleted, published, unpublished or
moved. ``SHOP_NAVIGATION_CACHE_SECONDS`` bounds how long an entry lives even so (a tree
moved by a raw UPDATE sends no signal).
"""

from typing import Any, TypedDict

from django.conf import settings
from django.core.cache import cache
from oscar.templatetags.category_tags import get_annotated_list
from wagtail.templatetags.wagtailcore_tags import slugurl

NAVIGATION_KEY = "shop:navigation:v1"
CATEGORY_TREE_KEY = "shop:category-tree:v1"

# The CMS index pages the navigation bar links to, by slug (templates/oscar/partials/nav_primary.html).
NAVIGATION_PAGE_SLUGS = ("campaigns", "stories", "news")


class NavigationLink(TypedDict):
    name: str
    url: str


class Navigation(TypedDict):
    categories: list[NavigationLink]
    pages: dict[str, str]


def navigation(*, context: Any) -> Navigation:
    """The navigation bar's links: top-level categories, and the CMS pages' URLs ('' if none).

    ``context`` is the template context (Wagtail finds the request's site in it).
    """
    cached: Navigation | None = cache.get(NAVIGATION_KEY)
    if cached is not None:
        return cached
    built: Navigation = {
        "categories": [
            {"name": category.name, "url": category.get_absolute_url()}
            for category in get_annotated_list(depth=1)
        ],
        "pages": {slug: slugurl(context, slug) or "" for slug in NAVIGATION_PAGE_SLUGS},
    }
    cache.set(NAVIGATION_KEY, built, settings.SHOP_NAVIGATION_CACHE_SECONDS)
    return built


def category_tree() -> list[Any]:
    """Oscar's ``{% category_tree %}`` (the whole tree, annotated for a nested list), cached."""
    cached: list[Any] | None = cache.get(CATEGORY_TREE_KEY)
    if cached is not None:
        return cached
    built = list(get_annotated_list())
    cache.set(CATEGORY_TREE_KEY, built, settings.SHOP_NAVIGATION_CACHE_SECONDS)
    return built


def navigation_cache_clear() -> None:
    """Forget the cached navigation and category tree; the next page rebuilds them."""
    cache.delete_many([NAVIGATION_KEY, CATEGORY_TREE_KEY])
