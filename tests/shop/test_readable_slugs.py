"""Readable Chinese slugs in product and category URLs; old escaped links still arrive (301)."""

import importlib
from urllib.parse import quote

import pytest
from django.apps import apps
from django.urls import reverse
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")

pytestmark = pytest.mark.django_db

readable_slugs = importlib.import_module("shop.migrations.0001_readable_slugs")

# What Oscar's escaping slugifier made of these names before (the URLs the issue saw).
OLD_TEA_SLUG = "u4e1cu5dddu8001u9e70u8336-250g"
OLD_CATEGORY_SLUG = "u8336u53f6"


def test_a_new_product_gets_a_readable_chinese_slug():
    product_class = Product.objects.get(upc="YX-DC-001").product_class
    product = Product.objects.create(title="东川老鹰茶 250g", product_class=product_class)
    assert product.slug == "东川老鹰茶-250g"
    assert product.get_absolute_url() == (
        f"/shop/catalogue/{quote('东川老鹰茶-250g')}_{product.pk}/"
    )


def test_demo_products_have_readable_slugs():
    product = Product.objects.get(upc="YX-DC-004")
    assert product.slug == "东川老鹰茶-250g"


def test_the_migration_rewrites_escaped_slugs_and_keeps_typed_ones():
    tea = Product.objects.get(upc="YX-DC-004")
    Product.objects.filter(pk=tea.pk).update(slug=OLD_TEA_SLUG)
    potato = Product.objects.get(upc="YX-DC-001")
    Product.objects.filter(pk=potato.pk).update(slug="dongchuan-potato")
    category = Category.add_root(name="茶叶", slug=OLD_CATEGORY_SLUG)

    readable_slugs.forwards(apps, None)

    assert Product.objects.get(pk=tea.pk).slug == "东川老鹰茶-250g"
    assert Product.objects.get(pk=potato.pk).slug == "dongchuan-potato"
    assert Category.objects.get(pk=category.pk).slug == "茶叶"


def test_an_old_escaped_product_link_is_redirected_to_the_readable_one(client):
    tea = Product.objects.get(upc="YX-DC-004")
    response = client.get(f"/shop/catalogue/{OLD_TEA_SLUG}_{tea.pk}/")
    assert response.status_code == 301
    assert response["Location"] == f"/shop/catalogue/{quote('东川老鹰茶-250g')}_{tea.pk}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["product"].pk == tea.pk


def test_an_old_escaped_category_link_is_redirected_to_the_readable_one(client):
    category = Category.add_root(name="茶叶", slug="茶叶")
    response = client.get(f"/shop/catalogue/category/{OLD_CATEGORY_SLUG}_{category.pk}/")
    assert response.status_code == 301
    assert response["Location"] == f"/shop/catalogue/category/{quote('茶叶')}_{category.pk}/"
    assert client.get(response["Location"]).status_code == 200
    assert (
        reverse("catalogue:category", kwargs={"category_slug": "茶叶", "pk": category.pk})
        == (response["Location"])
    )
