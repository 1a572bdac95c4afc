"""The OpenAPI schema lists every router's endpoints, and every endpoint asks for a login."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from kaohe.testing import World

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


HOSTILE = ["", "-1", "0", "99999999999999999999", "abc", "a\x00b", "9999-12-31.1", "x" * 2000]
QUERY_PARAMS = {"/api/logs/feed": ["before"], "/api/units": ["parent", "page"]}


def test_no_hostile_query_value_is_a_server_error(
    world: World, client_as: Callable[[str], Client]
) -> None:
    """tests/attacks/test_hostile_params.py walks every route's path slots, but reads a
    view's query parameters from its source, which a ninja operation hides: these are
    tried here, each alone and all at once, by a user with a wide scope."""
    client = client_as("region_admin")
    client.raise_request_exception = False
    for path, params in QUERY_PARAMS.items():
        for bad in HOSTILE:
            for query in [*({p: bad} for p in params), dict.fromkeys(params, bad)]:
                status = client.get(path, query).status_code
                assert status < 500, (path, query, status)  # 400 for a NUL: middleware
