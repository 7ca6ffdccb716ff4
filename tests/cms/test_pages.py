"""Wagtail pages and the back office."""

import pytest
from django.contrib.auth import get_user_model

from demo.data import DEMO_STAFF, FEATURED_UPCS, HOME, NEWS, STORY

pytestmark = pytest.mark.django_db


def test_home_page_shows_banner_featured_products_story_and_news(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert HOME["banner_title"] in html
    featured = [product.upc for product in response.context["featured_products"]]
    assert featured == FEATURED_UPCS
    assert "东川红土地大洋芋 5kg" in html
    assert STORY["title"] in html
    assert NEWS["title"] in html


def test_story_page_lists_the_producers_products(client):
    response = client.get(f"/stories/{STORY['slug']}/")
    assert response.status_code == 200
    titles = sorted(product.title for product in response.context["products"])
    assert titles == [
        "东川七彩花生 1kg",
        "东川手工挂面 2kg",
        "东川红土地大洋芋 5kg",
        "东川老鹰茶 250g",
        "红土地苦荞面 1kg",
    ]


def test_news_page_is_served(client):
    response = client.get(f"/news/{NEWS['slug']}/")
    assert response.status_code == 200
    assert NEWS["title"] in response.content.decode()


def test_cms_refuses_anonymous_visitors(client):
    response = client.get("/cms/")
    assert response.status_code == 302
    assert response["Location"].startswith("/cms/login/")


def test_cms_refuses_a_customer_without_admin_access(client):
    customer = get_user_model().objects.create_user(
        username="buyer", email="buyer@example.com", password="buyer-pass-123"
    )
    client.force_login(customer)
    response = client.get("/cms/")
    assert response.status_code == 302
    assert "/cms/login/" in response["Location"]


def test_cms_admits_demo_staff(client):
    assert client.login(username=DEMO_STAFF["username"], password=DEMO_STAFF["password"])
    response = client.get("/cms/")
    assert response.status_code == 200
    pages = client.get("/cms/pages/")
    assert pages.status_code == 200


def test_shop_dashboard_admits_staff_and_refuses_anonymous(client):
    anonymous = client.get("/shop/dashboard/")
    assert anonymous.status_code == 302
    client.login(username=DEMO_STAFF["username"], password=DEMO_STAFF["password"])
    assert client.get("/shop/dashboard/").status_code == 200


def test_oscar_login_is_not_swallowed_by_wagtail(client, settings):
    response = client.get(settings.LOGIN_URL)
    assert response.status_code == 200
    assert "login_form" in response.context


def test_english_is_available_and_chinese_is_the_default(client):
    chinese = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "精选商品" in chinese.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/")
    assert "Featured products" in english.content.decode()
    assert english["Content-Language"] == "en"
