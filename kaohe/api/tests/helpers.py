"""What the API tests share: counting an endpoint's queries from cold caches."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kaohe.core import cache as region_cache


def count_queries(client: Client, path: str, params: dict[str, Any] | None = None) -> int:
    """The endpoint's queries with the region's and the user's cached facts built afresh
    (as after a write), once every per-process value has been built by a first call."""
    assert client.get(path, params or {}).status_code == 200
    cache.clear()
    region_cache.reset()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params or {})
    assert response.status_code == 200
    return len(captured)
