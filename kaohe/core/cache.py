"""Derived data that pages read on every request (a region's calendars, rules, unit
trees; a user's role grants and unread count), cached across the app's processes and
dropped when it is written.

Pages read the same few facts of a region, or of the acting user, on every request;
building them costs queries and Python work that only a write can change.
`region_cached` and `user_cached` keep the built value in the shared cache
(settings.CACHES: a directory every process of one machine reads, so a write in one
gunicorn worker is seen by the other and by the job worker); the service that writes
calls `forget` (or `forget_user`, `forget_users`) with the same topic.

Forgetting drops the value at once and again when the transaction commits: a reader in
another process between the two may have cached the old committed value, and the
second drop removes it. Until the transaction ends, this thread neither reads nor
stores that key, so a value built from uncommitted rows never reaches the cache,
even when the transaction is then rolled back. `seconds` bounds any other staleness
(a process killed between its commit and the second drop).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterable
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


# Stored values are (stamp, value) pairs; the version in the keys keeps processes of an
# older release (a rolling restart) from reading them as bare values, and the reverse.
_VERSION = 2


def region_key(topic: str, region_id: int) -> str:
    return f"kaohe:{_VERSION}:{topic}:{region_id}"


def user_key(topic: str, user_id: int) -> str:
    # Apart from the regions' keys: a user id must never read a region's value.
    return f"kaohe:{_VERSION}:user:{topic}:{user_id}"


def _cached(key: str, build: Callable[[], T], seconds: int, stamp: object = None) -> T:
    if key in _dirty.keys:
        if transaction.get_connection().in_atomic_block:
            return build()
        # The transaction that forgot it ended (a rollback runs no on-commit hook).
        _dirty.keys.discard(key)
    stored = cache.get(key, _MISSING)
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == stamp:
        return cast(T, stored[1])
    value = build()
    # Building may itself write and forget the key (a policy created on first read).
    if key not in _dirty.keys:
        cache.set(key, (stamp, value), seconds)
    return value


def _forget(keys: list[str]) -> None:
    if not keys:
        return
    cache.delete_many(keys)
    if not transaction.get_connection().in_atomic_block:
        return
    _dirty.keys.update(keys)

    def after_commit() -> None:
        _dirty.keys.difference_update(keys)
        cache.delete_many(keys)

    transaction.on_commit(after_commit)


def region_cached(
    topic: str,
    region_id: int,
    build: Callable[[], T],
    seconds: int = DEFAULT_SECONDS,
    *,
    stamp: object = None,
) -> T:
    """The region's `topic`, built by `build()` when no process has it cached. A value
    stored with another `stamp` is not served (pass what shaped the value besides the
    rows that a forget covers, such as the limits of a rendered list)."""
    return _cached(region_key(topic, region_id), build, seconds, stamp)


def forget(topic: str, region_id: int) -> None:
    """Drop the region's `topic` everywhere: call it in the service that changes it."""
    _forget([region_key(topic, region_id)])


def region_token(topic: str, region_id: int, seconds: int = DEFAULT_SECONDS) -> str:
    """A random token that `forget(topic, region_id)` replaces: the stamp of values
    cached per user that derive from the region's rows, where no write could list the
    users whose values it changes (a moved cadre changes what a whole unit reads)."""
    return region_cached(topic, region_id, lambda: secrets.token_hex(8), seconds)


def user_cached(
    topic: str,
    user_id: int,
    build: Callable[[], T],
    seconds: int = DEFAULT_SECONDS,
    *,
    stamp: object = None,
) -> T:
    """The user's `topic` (their own data, never another user's), built by `build()`
    when no process has it cached. A value stored with another `stamp` is not served:
    pass the account's creation time, so that an id that a reloaded database gives to
    another account never reads the former holder's value."""
    return _cached(user_key(topic, user_id), build, seconds, stamp)


def forget_user(topic: str, user_id: int) -> None:
    """Drop the user's `topic` everywhere: call it in the service that changes it."""
    _forget([user_key(topic, user_id)])


def forget_users(topic: str, user_ids: Iterable[int]) -> None:
    """`forget_user` for many users at once (a notice sent to a whole region)."""
    _forget([user_key(topic, pk) for pk in set(user_ids)])


def reset() -> None:
    """Forget which keys this thread holds back (tests: each starts afresh)."""
    _dirty.keys.clear()
