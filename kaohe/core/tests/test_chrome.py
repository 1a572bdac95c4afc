"""base.html's chrome: the top bar is rendered once per shape (language, role flags) and
filled per request, so it must show each user their own links, in their language, with
a live CSRF token and their own unread count."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from kaohe.accounts.access import user_facts
from kaohe.accounts.models import Role, RoleGrant
from kaohe.accounts.services import role_grant, role_revoke
from kaohe.core.services import notifications_mark_read
from kaohe.notices.services import notify
from kaohe.testing import World

EVERYONE = ["home", "worklogs:feed", "scoring:mine", "org:unit_tree", "performance:months"]
ROLE_LINKS = {
    "cadre": [*EVERYONE, "worklogs:today", "reviews:mine", "outcomes:archive_mine"],
    "unit_head": [
        *EVERYONE,
        "worklogs:today",
        "reviews:mine",
        "scoring:overview",
        "results_hub",
        "worklogs:compliance",
        "supervision:ledger",
        "outcomes:archive_mine",
        "teams:year",
    ],
    "supervisor": [*EVERYONE, "worklogs:compliance", "supervision:ledger"],
    "region_admin": [
        *EVERYONE,
        "reviews:mine",
        "scoring:overview",
        "results_hub",
        "plans:current",
        "schemes:list",
        "worklogs:compliance",
        "supervision:ledger",
        "surveys:list",
        "org:roster_import",
        "audit_log",
        "admin:index",
        "teams:year",
    ],
}


def nav_links(page: str) -> set[str]:
    found = re.search(r'<nav class="mainnav".*?</nav>', page, re.S)
    assert found is not None, "no navigation"
    return set(re.findall(r'href="([^"]+)"', found.group(0)))


def page_of(client: Client, path: str = "/notifications/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", sorted(ROLE_LINKS))
def test_each_role_sees_exactly_its_links(
    world: World, client_as: Callable[[str], Client], persona: str
) -> None:
    client = client_as(persona)
    expected = {reverse(name) for name in ROLE_LINKS[persona]}
    assert nav_links(page_of(client)) == expected
    # Again from the process's rendered top bar: the same links.
    assert nav_links(page_of(client, reverse("home"))) == expected


@pytest.mark.django_db(transaction=True)
def test_a_granted_then_revoked_role_changes_the_links_on_the_next_request(
    world: World, client_as: Callable[[str], Client]
) -> None:
    cadre = world.users["cadre"]
    client, other = client_as("cadre"), client_as("cadre_other")
    grades, compliance = reverse("scoring:overview"), reverse("worklogs:compliance")
    assert not {grades, compliance} & nav_links(page_of(client))
    role_grant(actor=None, user=cadre, role=Role.UNIT_HEAD, unit=world.bureau)
    assert {grades, compliance} <= nav_links(page_of(client))
    # Another cadre's top bar, rendered from the same shapes, is unchanged.
    assert not {grades, compliance} & nav_links(page_of(other))
    grant = RoleGrant.objects.get(user=cadre, role=Role.UNIT_HEAD)
    role_revoke(actor=world.users["region_admin"], grant=grant)
    assert not {grades, compliance} & nav_links(page_of(client))


@pytest.mark.django_db
def test_the_chrome_speaks_the_chosen_language(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("cadre")
    for _ in range(2):  # each language's rendered top bar, after the other's
        client.cookies["django_language"] = "en"
        page = page_of(client)
        assert '<html lang="en">' in page
        assert ">My log</a>" in page and ">Log out</button>" in page
        assert '<option value="en" selected>English</option>' in page
        client.cookies["django_language"] = "zh-hans"
        page = page_of(client)
        assert '<html lang="zh-hans">' in page
        assert ">晒实绩</a>" in page and ">退出</button>" in page
        assert '<option value="zh-hans" selected>简体中文</option>' in page
        assert "My log" not in page


@pytest.mark.django_db
def test_every_request_gets_a_live_csrf_token_that_the_forms_accept(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["cadre"])

    def tokens() -> list[str]:
        return re.findall(
            r'"X-CSRFToken": "(\w+)"|name="csrfmiddlewaretoken" value="(\w+)"',
            page_of(client),
        )

    first, second = tokens(), tokens()
    found = {t for pair in first for t in pair if t}
    assert len(first) == 3 and len(found) == 1  # the body's header, the two forms
    assert found != {t for pair in second for t in pair if t}  # masked afresh
    token = found.pop()
    gone = client.post(reverse("logout"), {"csrfmiddlewaretoken": token})
    assert gone.status_code == 302
    assert client.get(reverse("notifications")).status_code == 302  # signed out


@pytest.mark.django_db
def test_the_language_forms_return_path_is_the_requests_own_and_escaped(
    world: World, client_as: Callable[[str], Client]
) -> None:
    page = page_of(client_as("cadre"), '/notifications/?q=<b>"x')
    assert 'name="next" type="hidden" value="/notifications/?q=%3Cb%3E%22x"' in page
    page = page_of(client_as("cadre"), "/notifications/?a=1&b=2")
    assert 'value="/notifications/?a=1&amp;b=2"' in page


@pytest.mark.django_db
def test_a_signed_out_visitor_gets_only_the_language_form(world: World) -> None:
    page = page_of(Client(), reverse("login"))
    assert 'class="lang"' in page and 'name="csrfmiddlewaretoken"' in page
    assert "mainnav" not in page and "unread-count" not in page
    assert reverse("logout") not in page


@pytest.mark.django_db
def test_the_count_is_each_users_own(world: World, client_as: Callable[[str], Client]) -> None:
    notify(users=[world.users["cadre"]], text="请查收", kind="test")
    notify(users=[world.users["cadre"]], text="再请查收", kind="test")
    assert '<span class="pill" id="unread-count">2</span>' in page_of(client_as("cadre"))
    assert "unread-count" not in page_of(client_as("cadre_other"))


@pytest.mark.django_db
def test_a_write_in_the_same_request_is_seen_by_the_users_kept_facts(world: World) -> None:
    # The facts kept on a user object are dropped by any forget in this thread.
    cadre = world.users["cadre"]
    assert user_facts(cadre).unread == 0
    assert user_facts(cadre) is user_facts(cadre)
    notify(users=[cadre], text="请查收", kind="test")
    assert user_facts(cadre).unread == 1
    notifications_mark_read(user=cadre)
    assert user_facts(cadre).unread == 0
    assert {g.role for g in user_facts(cadre).grants} == {Role.CADRE}
    role_grant(actor=None, user=world.users["cadre"], role=Role.UNIT_HEAD, unit=world.bureau)
    assert {g.role for g in user_facts(cadre).grants} == {Role.CADRE, Role.UNIT_HEAD}
