"""Item 17: a user-supplied `next` never sends the browser off this site."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from kaohe.testing import World
from kaohe.worklogs.tests.test_visibility import make_log

pytestmark = pytest.mark.django_db

HOSTILE = [
    "https://evil.example/phish",
    "//evil.example/phish",
    "/\\evil.example/phish",
    "https:evil.example",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_marking_a_log_read_never_redirects_off_site(
    world: World, client_as: Callable[[str], Client], target: str
) -> None:
    log = make_log(world, "cadre")
    response = client_as("unit_head").post(
        reverse("worklogs:read", args=[log.pk]), {"next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("worklogs:feed")


@pytest.mark.parametrize("target", HOSTILE)
def test_commenting_on_a_log_never_redirects_off_site(
    world: World, client_as: Callable[[str], Client], target: str
) -> None:
    log = make_log(world, "cadre")
    response = client_as("unit_head").post(
        reverse("worklogs:comment", args=[log.pk]), {"content": "很好。", "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("worklogs:feed")


def test_a_same_site_next_is_followed(world: World, client_as: Callable[[str], Client]) -> None:
    log = make_log(world, "cadre")
    back = reverse("worklogs:feed") + "?page=2"
    response = client_as("unit_head").post(reverse("worklogs:read", args=[log.pk]), {"next": back})
    assert response["Location"] == back


@pytest.mark.parametrize("target", HOSTILE)
def test_logging_in_never_redirects_off_site(world: World, target: str) -> None:
    from kaohe.testing import PASSWORD

    response = Client().post(
        reverse("login") + "?next=x",
        {"username": "cadre", "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize("target", HOSTILE)
def test_switching_language_never_redirects_off_site(target: str) -> None:
    response = Client().post(reverse("set_language"), {"language": "en", "next": target})
    assert response.status_code == 302
    assert "evil" not in response["Location"]
    assert not response["Location"].startswith("javascript")
