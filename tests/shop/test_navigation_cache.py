"""The navigation bar and the category tree come from the cache, and change when staff change them."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from oscar.core.loading import get_model
from wagtail.models import Page

from shop.navigation import CATEGORY_TREE_KEY, NAVIGATION_KEY

Category = get_model("catalogue", "Category")

pytestmark = pytest.mark.django_db


def _navigation() -> str:
    request = RequestFactory().get("/shop/catalogue/")
    request.user = AnonymousUser()
    return render_to_string("oscar/partials/nav_primary.html", request=request)


def test_a_new_category_shows_in_the_navigation_once_saved(django_assert_num_queries):
    _navigation()
    with django_assert_num_queries(0):
        assert "山货新品" not in _navigation()
    Category.add_root(name="山货新品", slug="shanhuo")
    assert cache.get(NAVIGATION_KEY) is None
    assert "山货新品" in _navigation()


def test_a_renamed_then_deleted_category_changes_the_navigation():
    category = Category.add_root(name="临时分类", slug="linshi")
    assert "临时分类" in _navigation()
    category.name = "改名分类"
    category.save()
    html = _navigation()
    assert "改名分类" in html and "临时分类" not in html
    category.delete()
    assert "改名分类" not in _navigation()


def test_a_page_published_under_another_slug_leaves_the_navigation_and_comes_back():
    news = Page.objects.get(slug="news").specific
    url = news.url
    assert f'href="{url}"' in _navigation()
    news.slug = "xinwen"
    news.save_revision().publish()
    assert f'href="{url}"' not in _navigation()
    news.slug = "news"
    news.save_revision().publish()
    assert f'href="{url}"' in _navigation()


def test_the_catalogue_sidebar_tree_is_cached_and_forgotten_on_change(
    client, django_assert_num_queries
):
    client.get(reverse("catalogue:index"))
    tree = cache.get(CATEGORY_TREE_KEY)
    assert tree is not None
    names = [node.name for node in tree]
    parent = Category.objects.get(name=names[0])
    parent.add_child(name="子分类甲", slug="zi-jia")
    assert cache.get(CATEGORY_TREE_KEY) is None
    html = client.get(reverse("catalogue:index")).content.decode()
    assert "子分类甲" in html
