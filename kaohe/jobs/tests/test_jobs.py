"""Background jobs: one active job per key, failures in Chinese, bounded progress, a
scoped poll with constant queries, stale jobs, and the worker's path (database queue)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult
from pytest_django import DjangoAssertNumQueries
from pytest_django.fixtures import Settings as SettingsWrapper

from kaohe.accounts.errors import AccountErrorCode
from kaohe.core.errors import ApplicationError
from kaohe.jobs.models import Job, JobState
from kaohe.jobs.progress import Progress
from kaohe.jobs.registry import register
from kaohe.jobs.services import job_start, jobs_sweep
from kaohe.jobs.worker import run_queued_tasks
from kaohe.testing import World

# Test kinds, registered once for this module's tests.
STEPS = 1000


@register("test.count", "测试任务")
def _count(job: Job, progress: Progress) -> str:
    for n in range(1, STEPS + 1):
        progress(n, STEPS, "正在计数")
    return "/done/"


@register("test.refuse", "测试任务")
def _refuse(job: Job, progress: Progress) -> str:
    raise ApplicationError(
        _("Only the region's assessment office may do this."),
        code=AccountErrorCode.NOT_REGION_OFFICE,
    )


@register("test.crash", "测试任务")
def _crash(job: Job, progress: Progress) -> str:
    raise RuntimeError("boom: an internal detail")


DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def queued(settings: SettingsWrapper) -> Iterator[None]:
    # Jobs stay queued: nothing runs them.
    settings.TASKS = DUMMY
    yield


def start(
    world: World, kind: str = "test.count", key: str = "test:1", who: str = "region_admin"
) -> Job:
    return job_start(actor=world.users[who], region=world.region, kind=kind, key=key)


def test_a_second_start_returns_the_active_job(world: World, queued: None) -> None:
    first = start(world)
    second = start(world)
    assert second.pk == first.pk
    assert first.state == JobState.QUEUED
    assert Job.objects.count() == 1
    # Another key is another job.
    assert start(world, key="test:2").pk != first.pk


def test_one_active_job_per_key_is_a_database_rule(world: World, queued: None) -> None:
    start(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(region=world.region, kind="test.count", key="test:1")
    # A finished job does not block the next one.
    Job.objects.update(state=JobState.DONE)
    assert start(world).state == JobState.QUEUED
    assert Job.objects.count() == 2


def test_a_job_runs_to_done_with_bounded_progress(world: World) -> None:
    job = start(world)
    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert job.result_url == "/done/"
    assert (job.done, job.total, job.percent) == (STEPS, STEPS, 100)
    # 1,000 calls, within a second: the first, the message and the last are written.
    assert 1 <= job.updates <= 3
    assert job.started_at is not None and job.finished_at is not None


def test_progress_writes_every_two_percent_at_most() -> None:
    class Clock:
        now = 0.0

        def __call__(self) -> float:
            self.now += 0.5
            return self.now

    job = Job(pk=1)
    progress = Progress(job, clock=Clock())
    progress._write = lambda target, done, total, message: None  # type: ignore[method-assign]
    for n in range(100_000):
        progress(n, 100_000)
    assert 40 <= progress.writes <= 51


def test_a_refusal_fails_the_job_with_its_chinese_message(world: World) -> None:
    job = start(world, kind="test.refuse")
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.error == "只有本地区考核办可以进行此操作。"


def test_a_crash_fails_the_job_in_chinese_and_logs_the_traceback(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="kaohe.jobs"):
        job = start(world, kind="test.crash")
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "boom" not in job.error
    assert "管理员" in job.error
    assert "boom: an internal detail" in caplog.text


def test_a_silent_running_job_shows_failed_and_the_sweep_records_it(
    world: World, queued: None, client_as: Callable[[str], Client], settings: SettingsWrapper
) -> None:
    job = start(world)
    long_ago = timezone.now() - dt.timedelta(minutes=settings.KAOHE_JOB_STALE_MINUTES + 1)
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, heartbeat_at=long_ago)
    response = client_as("region_admin").get(reverse("jobs:job", args=[job.pk]))
    # The page shows the truth without writing it (reading a page never writes).
    assert "重新" in response.content.decode()
    assert Job.objects.get(pk=job.pk).state == JobState.RUNNING
    assert jobs_sweep() == (1, 0)
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "重新" in job.error
    assert job.error in response.content.decode()
    assert jobs_sweep() == (0, 0)


def test_a_new_start_records_the_dead_job_of_its_key_failed(
    world: World, queued: None, settings: SettingsWrapper
) -> None:
    job = start(world)
    long_ago = timezone.now() - dt.timedelta(minutes=settings.KAOHE_JOB_STALE_MINUTES + 1)
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, heartbeat_at=long_ago)
    again = start(world)
    assert again.pk != job.pk
    assert Job.objects.get(pk=job.pk).state == JobState.FAILED


def test_the_poll_is_scoped(world: World, queued: None, client_as: Callable[[str], Client]) -> None:
    job = start(world, who="unit_admin")
    url = reverse("jobs:job", args=[job.pk])
    assert client_as("unit_admin").get(url).status_code == 200  # who started it
    assert client_as("region_admin").get(url).status_code == 200  # the region's office
    for other in ("other_admin", "cadre", "unit_head"):
        assert client_as(other).get(url).status_code == 404, other
    assert client_as("region_admin").get(reverse("jobs:job", args=[job.pk + 99])).status_code == 404


def test_the_poll_fragment_polls_while_active_and_stops_when_done(
    world: World,
    queued: None,
    client_as: Callable[[str], Client],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    job = start(world)
    client = client_as("region_admin")
    url = reverse("jobs:job", args=[job.pk])
    client.get(url, headers={"HX-Request": "true"})  # session warmed up
    # Session, user, job, grants: the same at any moment. (A fragment shows no unread
    # count, and a read saves no session: core.middleware.IdleSessionMiddleware.)
    with django_assert_num_queries(4) as queued_queries:
        html = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert "<progress" in html and "0%" in html
    assert "<html" not in html
    Job.objects.filter(pk=job.pk).update(
        state=JobState.DONE, done=10, total=10, result_url="/scoring/"
    )
    with django_assert_num_queries(len(queued_queries)):
        html = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in html
    assert "100%" in html and 'href="/scoring/"' in html
    # Without htmx: the whole page, in Chinese.
    page = client.get(url).content.decode()
    assert "<html" in page and "查看结果" in page


def test_the_worker_runs_a_queued_job(world: World, settings: SettingsWrapper) -> None:
    settings.TASKS = DATABASE
    job = start(world)
    assert job.state == JobState.QUEUED
    assert DBTaskResult.objects.count() == 1
    assert run_queued_tasks() == 1
    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert job.done == STEPS and job.updates >= 1
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
