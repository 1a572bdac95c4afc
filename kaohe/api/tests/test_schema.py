"""The OpenAPI schema lists every router's endpoints, and every endpoint asks for a login."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/my/results": {"get"},
    "/api/my/results/{kind}/{result_id}": {"get"},
    "/api/logs/today": {"get"},
    "/api/logs/feed": {"get"},
    "/api/logs/{day}": {"post"},
    "/api/units": {"get"},
    "/api/units/{unit_id}": {"get"},
    "/api/ballots": {"get"},
    "/api/ballots/{round_unit_id}": {"get"},
}


def test_the_schema_and_the_docs_render_with_every_endpoint(
    client_as: Callable[[str], Client],
) -> None:
    client = client_as("cadre")
    schema = client.get("/api/openapi.json").json()
    assert {path: set(ops) for path, ops in schema["paths"].items()} == PATHS
    for ops in schema["paths"].values():
        for op in ops.values():
            assert op["security"] == [{"SessionAuth": []}]
    # A refusal's shape is documented where a refusal can come.
    assert "400" in schema["paths"]["/api/logs/{day}"]["post"]["responses"]
    assert client.get("/api/docs").status_code == 200


def test_every_endpoint_answers_401_without_a_login(client_as: Callable[[str], Client]) -> None:
    client = client_as("public")
    for path, ops in PATHS.items():
        url = path.format(kind="quarter", result_id=1, day="2026-03-16", unit_id=1, round_unit_id=1)
        for op in ops:
            if op == "get":
                response = client.get(url)
            else:
                response = client.post(url, "{}", content_type="application/json")
            assert response.status_code == 401, (op, url)
