"""A scheme's and an indicator's "Name" is 名称; a person's stays 姓名."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from kaohe.schemes.models import SchemeVersion

pytestmark = pytest.mark.django_db


def test_schemes_and_indicators_have_a_name_not_a_persons_name(
    template: SchemeVersion, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")
    listing = client.get(reverse("schemes:list")).content.decode()
    assert "<th>名称</th>" in listing and "<th>姓名</th>" not in listing
    url = reverse("schemes:version", args=[template.scheme_id, template.number])
    page = client.get(url).content.decode()
    # The header's search box may say 姓名 (it finds people); the page's own content may not.
    main = page.split("<main", 1)[1]
    assert "姓名" not in main
