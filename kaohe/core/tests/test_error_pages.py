"""Item 21: with debug off, 400, 403, 404 and 500 are Chinese pages in the site's style."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.views import defaults
from pytest_django.fixtures import Settings

from kaohe.testing import PASSWORD, World

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kaohe.core.tests.error_urls")]

ENGLISH = ("Not Found", "Server Error", "Bad Request", "Forbidden", "CSRF verification failed")


@pytest.fixture(autouse=True)
def _debug_off(settings: Settings) -> None:
    settings.DEBUG = False


def assert_chinese_page(body: str, title: str) -> None:
    assert f"<h1>{title}</h1>" in body, body
    assert "kaohe/kaohe.css" in body and 'class="topbar"' in body  # the site's style
    assert not any(word in body for word in ENGLISH), body


def test_404_for_anyone(client_as: Callable[[str], Client]) -> None:
    for persona in ("public", "cadre"):
        response = client_as(persona).get("/no-such-page/")
        assert response.status_code == 404
        assert_chinese_page(response.content.decode(), "页面不存在")


def test_404_for_an_object_outside_the_scope(client_as: Callable[[str], Client]) -> None:
    response = client_as("cadre").get("/logs/999999/history/")
    assert response.status_code == 404
    assert_chinese_page(response.content.decode(), "页面不存在")


def test_403(client_as: Callable[[str], Client]) -> None:
    response = client_as("cadre").get("/test-forbidden/")
    assert response.status_code == 403
    assert_chinese_page(response.content.decode(), "无权操作")


def test_403_for_a_form_without_its_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "cadre", "password": PASSWORD})
    assert response.status_code == 403
    body = response.content.decode()
    assert_chinese_page(body, "无权操作")
    assert "请刷新页面后重新提交" in body


def test_400_for_hostile_input_and_a_foreign_host() -> None:
    client = Client()
    response = client.get("/test-suspicious/")
    assert response.status_code == 400
    assert_chinese_page(response.content.decode(), "请求有误")
    response = client.get("/", headers={"host": "evil.example"})
    assert response.status_code == 400
    assert_chinese_page(response.content.decode(), "请求有误")


def test_500(client_as: Callable[[str], Client]) -> None:
    client = client_as("cadre")
    client.raise_request_exception = False
    response = client.get("/test-boom/")
    assert response.status_code == 500
    assert_chinese_page(response.content.decode(), "服务器出错")


def test_the_500_page_needs_no_database_and_no_context_processors() -> None:
    request = RequestFactory().get("/")
    with CaptureQueriesContext(connection) as queries:
        response = defaults.server_error(request)
    assert len(queries) == 0
    assert_chinese_page(response.content.decode(), "服务器出错")
