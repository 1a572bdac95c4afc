"""The eligibility lists read a year and a unit with str.isdigit(), which takes "²"
for a digit that int() then cannot read: a 500. They now read both with
core.http.parse_id (ASCII digits, bounded)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from kaohe.testing import World

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        reverse("outcomes:lists") + "?year=²",
        reverse("outcomes:list", args=["promotion"]) + "?unit=²",
    ],
)
def test_a_superscript_digit_in_the_lists_filters_is_not_a_500(
    world: World, client_as: Callable[[str], Client], url: str
) -> None:
    client = client_as("region_admin")
    client.raise_request_exception = False
    assert client.get(url).status_code != 500
