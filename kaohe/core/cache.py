"""Per-region derived data (calendars, rules, unit trees, role scopes), cached across
the app's processes and dropped when it is written.

Pages read the same few facts of a region on every request; building them costs
queries and Python work that only a write can change. `region_cached` keeps the
built value in the shared cache (settings.CACHES: a directory every process of one
machine reads, so a write in one gunicorn worker is seen by the other and by the job
worker); the service that writes calls `forget` with the same topic.

`forget` drops the value at once and again when the transaction commits: a reader in
another process between the two may have cached the old committed value, and the
second drop removes it. Until the transaction ends, this thread neither reads nor
stores that key, so a value built from uncommitted rows never reaches the cache,
even when the transaction is then rolled back. `seconds` bounds any other staleness
(a process killed between its commit and the second drop).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar, cast

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")

DEFAULT_SECONDS = 600

_MISSING = object()


class _Dirty(threading.local):
    """Keys this thread has forgotten in a transaction that has not ended yet."""

    def __init__(self) -> None:
        self.keys: set[str] = set()


_dirty = _Dirty()


def region_key(topic: str, region_id: int) -> str:
    return f"kaohe:{topic}:{region_id}"


def region_cached(
    topic: str, region_id: int, build: Callable[[], T], seconds: int = DEFAULT_SECONDS
) -> T:
    """The region's `topic`, built by `build()` when no process has it cached."""
    key = region_key(topic, region_id)
    if key in _dirty.keys:
        if transaction.get_connection().in_atomic_block:
            return build()
        # The transaction that forgot it ended (a rollback runs no on-commit hook).
        _dirty.keys.discard(key)
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = build()
        cache.set(key, value, seconds)
    return cast(T, value)


def forget(topic: str, region_id: int) -> None:
    """Drop the region's `topic` everywhere: call it in the service that changes it."""
    key = region_key(topic, region_id)
    cache.delete(key)
    if not transaction.get_connection().in_atomic_block:
        return
    _dirty.keys.add(key)

    def after_commit() -> None:
        _dirty.keys.discard(key)
        cache.delete(key)

    transaction.on_commit(after_commit)


def reset() -> None:
    """Forget which keys this thread holds back (tests: each starts afresh)."""
    _dirty.keys.clear()
