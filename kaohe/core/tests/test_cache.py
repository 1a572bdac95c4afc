"""core.cache: values served from the shared cache, dropped on forget, and never stored
from a transaction that has not committed."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction

from kaohe.core.cache import (
    forget,
    forget_user,
    forget_users,
    region_cached,
    region_key,
    user_cached,
    user_key,
)

# Real transactions: on-commit hooks run and a rollback is a rollback.
pytestmark = pytest.mark.django_db(transaction=True)


class Builder:
    """Counts its builds and returns the value it is told."""

    def __init__(self, value: object) -> None:
        self.value = value
        self.builds = 0

    def __call__(self) -> object:
        self.builds += 1
        return self.value


def test_it_serves_the_built_value_until_it_is_forgotten() -> None:
    build = Builder(["a"])
    assert user_cached("topic", 7, build) == ["a"]
    assert user_cached("topic", 7, build) == ["a"] and build.builds == 1
    build.value = ["b"]
    forget_user("topic", 7)
    assert user_cached("topic", 7, build) == ["b"] and build.builds == 2


def test_users_and_regions_and_topics_never_share_a_value() -> None:
    assert user_cached("topic", 1, lambda: "user 1") == "user 1"
    assert user_cached("topic", 2, lambda: "user 2") == "user 2"
    assert user_cached("other", 1, lambda: "other of 1") == "other of 1"
    assert region_cached("topic", 1, lambda: "region 1") == "region 1"
    assert user_key("topic", 1) != region_key("topic", 1)


def test_forget_users_drops_each_of_them_and_no_one_else() -> None:
    for pk in (1, 2, 3):
        user_cached("unread", pk, lambda: 0)
    forget_users("unread", [1, 2])
    assert cache.get(user_key("unread", 1)) is None
    assert cache.get(user_key("unread", 2)) is None
    assert cache.get(user_key("unread", 3)) is not None


def test_a_value_stored_with_another_stamp_is_not_served() -> None:
    # An id that a reloaded database gives to another account.
    assert user_cached("grants", 5, lambda: ["former"], stamp="2026-01-01") == ["former"]
    assert user_cached("grants", 5, lambda: ["new"], stamp="2026-06-01") == ["new"]
    assert user_cached("grants", 5, lambda: ["other"], stamp="2026-06-01") == ["new"]


def test_nothing_built_inside_the_forgetting_transaction_is_stored() -> None:
    region_cached("rules", 3, lambda: "committed")
    user_cached("grants", 3, lambda: "committed")
    with transaction.atomic():
        forget("rules", 3)
        forget_user("grants", 3)
        # Built from rows this transaction wrote: served to it, stored for no one.
        assert region_cached("rules", 3, lambda: "uncommitted") == "uncommitted"
        assert user_cached("grants", 3, lambda: "uncommitted") == "uncommitted"
        assert cache.get(region_key("rules", 3)) is None
        assert cache.get(user_key("grants", 3)) is None
    # Committed: the next reader builds from the committed rows and stores that.
    assert user_cached("grants", 3, lambda: "after") == "after"
    assert user_cached("grants", 3, lambda: "later") == "after"


def test_a_rolled_back_transaction_leaves_nothing_of_its_own() -> None:
    user_cached("grants", 4, lambda: "committed")
    with pytest.raises(RuntimeError), transaction.atomic():
        forget_user("grants", 4)
        user_cached("grants", 4, lambda: "rolled back")
        raise RuntimeError
    assert user_cached("grants", 4, lambda: "rebuilt") == "rebuilt"


def test_a_reader_between_the_forget_and_the_commit_is_dropped_at_commit() -> None:
    user_cached("grants", 6, lambda: "old")
    with transaction.atomic():
        forget_user("grants", 6)
        # Another process reads the old committed rows and caches them meanwhile.
        cache.set(user_key("grants", 6), (None, "old"))
    assert user_cached("grants", 6, lambda: "new") == "new"


def test_a_build_that_forgets_its_own_key_is_not_stored() -> None:
    def build() -> str:
        forget("rules", 9)  # the policy created on first read, in a savepoint
        return "built in a transaction"

    with transaction.atomic():
        assert region_cached("rules", 9, build) == "built in a transaction"
    assert cache.get(region_key("rules", 9)) is None
