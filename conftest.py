"""Shared fixtures: the persona world and logged-in clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from kaohe.testing import World, build_world

# Fixtures shared across apps' tests and the browser tests.
pytest_plugins = [
    "kaohe.reviews.tests.fixtures",
    "kaohe.schemes.tests.fixtures",
    "kaohe.scoring.tests.fixtures",
    "kaohe.performance.tests.year_fixtures",
    "kaohe.supervision.tests.fixtures",
]


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def client_as(world: World) -> Callable[[str], Client]:
    """A client logged in as the named persona ("public" stays anonymous)."""

    def make(persona: str) -> Client:
        client = Client()
        if persona != "public":
            client.force_login(world.users[persona])
        return client

    return make


@pytest.fixture(autouse=True)
def _plain_passwords_are_fast(settings: Settings) -> None:
    # Hashing with PBKDF2 dominates test time; the algorithm is not under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _jobs_run_in_process(settings: Settings) -> None:
    # Tests run background jobs inside the request that enqueues them; a test that needs
    # the database queue sets TASKS back to django_tasks_db.DatabaseBackend itself.
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default"],
        }
    }
    # The test's transaction is never committed: another connection would not see the
    # job (kaohe.jobs.progress), so progress goes through the test's own connection.
    settings.KAOHE_JOB_PROGRESS_OWN_CONNECTION = False


@pytest.fixture(autouse=True)
def _fresh_cache(settings: Settings) -> Iterator[None]:
    # Rules and calendars are cached per process; each test's database starts afresh.
    # Cleared after the test too: a module-scoped fixture of the next module (the
    # demo's) runs before that module's first clear, and ids repeat after rollbacks.
    from django.core.cache import cache

    from kaohe.core import cache as region_cache

    # In memory, not in var/cache: a `make run` server on the same checkout shares that
    # directory, and test ids would be read as its regions'.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    region_cache.reset()
    cache.clear()
    yield
    cache.clear()
    region_cache.reset()
