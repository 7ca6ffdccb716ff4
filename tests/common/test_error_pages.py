"""The site's own 403, 404 and 500 pages: styled, in Chinese, with a way home (issue #19)."""

import pytest
from django.contrib.auth import get_user_model
from django.template.loader import get_template
from django.test import Client
from django.utils import translation

pytestmark = pytest.mark.django_db

HOME_LINK = '<a class="btn btn-primary btn-lg" href="/" id="yx-error-home">返回首页</a>'
STYLESHEET = 'href="/static/css/yixiang.css"'


def _user(username: str):
    return get_user_model().objects.get(username=username)


def test_404_is_the_sites_page_in_chinese(client: Client) -> None:
    response = client.get("/shop/catalogue/no-such-thing_999999/")

    assert response.status_code == 404
    page = response.content.decode()
    assert 'data-status="404"' in page
    assert "找不到这个页面" in page
    assert HOME_LINK in page
    assert STYLESHEET in page


def test_404_of_a_cms_served_path_is_the_sites_page(client: Client) -> None:
    response = client.get("/no-such-page-anywhere/")

    assert response.status_code == 404
    assert 'data-status="404"' in response.content.decode()


def test_dashboard_403_is_the_sites_page_not_plain_text(client: Client) -> None:
    # Village monitoring staff are staff, but Oscar's order list is the platform's own.
    client.force_login(_user("dc-village"))

    response = client.get("/shop/dashboard/orders/")

    assert response.status_code == 403
    page = response.content.decode()
    assert "403 Forbidden" not in page
    assert 'data-status="403"' in page
    assert "您无权打开这个页面" in page
    assert HOME_LINK in page


def test_500_renders_with_an_empty_context() -> None:
    with translation.override("zh-hans"):
        page = get_template("500.html").render({})

    assert 'data-status="500"' in page
    assert "服务器出错了" in page
    assert HOME_LINK in page
    assert STYLESHEET in page
    assert "<script" not in page


def test_500_is_served_for_an_unhandled_error(settings) -> None:
    # A view that raises, behind the real middleware; the test client re-raises by default.
    settings.ROOT_URLCONF = "tests.common.urls_raising"
    client = Client(raise_request_exception=False)

    response = client.get("/boom/")

    assert response.status_code == 500
    assert 'data-status="500"' in response.content.decode()
