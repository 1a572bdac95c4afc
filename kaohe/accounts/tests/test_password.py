"""Item 19: every user changes their own password; an account whose password an
administrator chose must change it before anything else."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from kaohe.accounts.models import User
from kaohe.core.models import AuditEvent
from kaohe.testing import PASSWORD, World

pytestmark = pytest.mark.django_db

NEW = "Qiang-Mima-2026!"
PAGE = "/password/"


def log_in(client: Client, username: str, password: str) -> bool:
    """Through the login page, as a browser does (axes needs the request)."""
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302


def change(client: Client, old: str, new1: str, new2: str | None = None) -> str:
    response = client.post(
        PAGE, {"old_password": old, "new_password1": new1, "new_password2": new2 or new1}
    )
    return response.content.decode() if response.status_code == 200 else ""


@pytest.mark.parametrize(
    "persona", ["region_admin", "unit_admin", "unit_head", "team_member", "cadre", "supervisor"]
)
def test_every_user_finds_the_page_in_the_navigation_and_changes_their_password(
    world: World, persona: str
) -> None:
    client = Client()
    assert log_in(client, persona, PASSWORD)
    home = client.get(reverse("home")).content.decode()
    assert f'href="{PAGE}"' in home and "修改密码" in home
    response = client.post(
        PAGE, {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}, follow=True
    )
    assert "密码已修改。" in response.content.decode()
    assert response.wsgi_request.user.is_authenticated  # still logged in on this device
    assert log_in(Client(), persona, NEW)
    assert AuditEvent.objects.filter(
        action="accounts.password.change", object_id=str(world.users[persona].pk)
    ).exists()


def test_the_public_is_sent_to_log_in() -> None:
    response = Client().get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("old", "new1", "new2", "message"),
    [
        ("wrong-old-password", NEW, NEW, "你的旧密码不正确"),
        (PASSWORD, "Qx7!kz", "Qx7!kz", "密码太短，至少需要 10 个字符"),
        (PASSWORD, "password123", "password123", "这个密码太常见了"),
        (PASSWORD, "8302749175", "8302749175", "密码只包含数字"),
        (PASSWORD, NEW, NEW + "x", "输入的两个密码不一致"),
    ],
)
def test_a_refused_password_says_why_in_chinese(
    world: World, client_as: Callable[[str], Client], old: str, new1: str, new2: str, message: str
) -> None:
    page = change(client_as("cadre"), old, new1, new2)
    assert message in page, page
    assert User.objects.get(username="cadre").check_password(PASSWORD)


def test_an_account_made_by_an_administrator_must_choose_its_own_password_first(
    world: World, client_as: Callable[[str], Client]
) -> None:
    admin = client_as("region_admin")
    response = admin.post(
        reverse("admin:accounts_user_add"),
        {"username": "newcomer", "password1": NEW, "password2": NEW},
    )
    assert response.status_code == 302
    assert User.objects.get(username="newcomer").must_change_password

    client = Client()
    assert log_in(client, "newcomer", NEW)
    for path in (reverse("home"), reverse("worklogs:feed"), "/admin/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == PAGE, path
    assert client.get(PAGE, headers={"HX-Request": "true"}).status_code == 200
    hx = client.get(reverse("worklogs:feed"), headers={"HX-Request": "true"})
    assert hx["HX-Redirect"] == PAGE
    api = client.get("/api/my/results")
    assert api.status_code == 403 and "请先设置您自己的密码" in api.json()["detail"]
    page = client.get(PAGE).content.decode()
    assert "您的密码由管理员设置" in page

    change(client, NEW, "Ziji-De-Mima-88")
    assert not User.objects.get(username="newcomer").must_change_password
    assert client.get(reverse("home")).status_code == 200


def test_a_password_an_administrator_sets_must_be_replaced(
    world: World, client_as: Callable[[str], Client]
) -> None:
    cadre = world.users["cadre"]
    response = client_as("region_admin").post(
        reverse("admin:auth_user_password_change", args=[cadre.pk]),
        {"password1": NEW, "password2": NEW, "usable_password": "true"},
    )
    assert response.status_code == 302
    cadre.refresh_from_db()
    assert cadre.must_change_password and cadre.check_password(NEW)


def test_the_personas_and_the_demo_accounts_are_not_forced(world: World) -> None:
    assert not User.objects.filter(must_change_password=True).exists()


def test_the_admins_password_messages_are_chinese(
    world: World, client_as: Callable[[str], Client]
) -> None:
    """Django 5.2's too-short message has a msgid its own zh_Hans catalog lacks."""
    response = client_as("region_admin").post(
        reverse("admin:accounts_user_add"),
        {"username": "newcomer", "password1": "Qx7!kz", "password2": "Qx7!kz"},
    )
    page = response.content.decode()
    assert "密码太短，至少需要 10 个字符" in page
    assert "too short" not in page
