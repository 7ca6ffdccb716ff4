"""The storefront with the demo data: catalogue, search, product page, basket."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from haystack import connections as search_connections
from oscar.core.loading import get_model

from demo.data import PRODUCERS

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")
Partner = get_model("partner", "Partner")

pytestmark = pytest.mark.django_db

DEMO_PRODUCT_COUNT = sum(len(p["products"]) for p in PRODUCERS)


def test_shop_root_leads_to_the_catalogue(client):
    response = client.get("/shop/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/shop/catalogue/"


def test_catalogue_lists_every_demo_product_with_origin_and_badge(client):
    response = client.get(reverse("catalogue:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["paginator"].count == DEMO_PRODUCT_COUNT == 14
    assert "东川红土地大洋芋 5kg" in html
    assert "寻甸黑山羊肉 1kg" in html
    assert "东川区" in html and "东川红土地生态农业专业合作社" in html
    assert html.count('class="yx-badge"') == DEMO_PRODUCT_COUNT
    assert "扶贫产品" in html  # zh-hans is the default language


def test_chinese_search_finds_eagle_tea_and_nothing_else(client):
    response = client.get(reverse("search:search"), {"q": "老鹰茶"})
    assert response.status_code == 200
    titles = [result.object.title for result in response.context["page_obj"].object_list]
    assert titles == ["东川老鹰茶 250g"]


def test_search_by_part_of_a_name_finds_all_rose_products(client):
    response = client.get(reverse("search:search"), {"q": "玫瑰"})
    titles = sorted(result.object.title for result in response.context["page_obj"].object_list)
    assert titles == ["玫瑰鲜花饼 10枚", "重瓣玫瑰花茶 100g", "食用玫瑰花酱 500g"]


def test_product_page_shows_price_origin_and_producer(client):
    product = Product.objects.get(upc="YX-DC-004")
    response = client.get(product.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "东川老鹰茶 250g" in html
    assert "¥58.00" in html
    assert "东川区红土地镇" in html
    assert "东川红土地生态农业专业合作社" in html


def test_adding_to_basket_puts_the_line_in_the_basket(client):
    product = Product.objects.get(upc="YX-DC-001")
    response = client.post(
        reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 3}, follow=True
    )
    assert response.status_code == 200
    basket = response.wsgi_request.basket
    assert basket.num_items == 3
    assert basket.total_incl_tax == Decimal("89.70")
    assert [line.product.upc for line in basket.all_lines()] == ["YX-DC-001"]


def test_catalogue_query_count_does_not_grow_with_products(client, indexed_products):
    # The first visit makes the thumbnails (one-off writes); count warm pages.
    client.get(reverse("catalogue:index"))
    with CaptureQueriesContext(connection) as fourteen:
        first = client.get(reverse("catalogue:index"))
    assert len(first.context["page_obj"].object_list) == 14
    indexed_products(20, title="测试商品 {}", code="TEST-{}")
    client.get(reverse("catalogue:index"))
    with CaptureQueriesContext(connection) as full_page:
        second = client.get(reverse("catalogue:index"))
    assert len(second.context["page_obj"].object_list) == 24  # a full page of 24 cards
    assert len(full_page) == len(fourteen)


def test_a_new_product_is_searchable_once_saved_and_gone_once_hidden(
    client, django_capture_on_commit_callbacks
):
    partner = Partner.objects.get(code="dongchuan-hongtudi")
    product_class = Product.objects.get(upc="YX-DC-001").product_class
    index = search_connections["default"].get_unified_index().get_index(Product)
    with django_capture_on_commit_callbacks(execute=True):
        product = Product.objects.create(
            title="东川荞麦饼 500g", upc="TEST-QMB", product_class=product_class
        )
        StockRecord.objects.create(
            product=product,
            partner=partner,
            partner_sku="TEST-QMB",
            price=Decimal("18.00"),
            num_in_stock=9,
        )
    try:
        found = (
            client.get(reverse("search:search"), {"q": "荞麦饼"}).context["page_obj"].object_list
        )
        assert [result.object.upc for result in found] == ["TEST-QMB"]
        with django_capture_on_commit_callbacks(execute=True):
            product.is_public = False
            product.save()
        found = (
            client.get(reverse("search:search"), {"q": "荞麦饼"}).context["page_obj"].object_list
        )
        assert list(found) == []
    finally:
        index.remove_object(product)
