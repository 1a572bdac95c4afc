"""Computing a quarter or a year from the pages runs as a background job: the page
starts it and shows its progress; the result page follows."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from kaohe.jobs.models import Job, JobState
from kaohe.jobs.worker import run_queued_tasks
from kaohe.scoring.models import QuarterRun, RunState
from kaohe.testing import World

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def compute(client: Client, quarter: int = 1) -> str:
    response = client.post(
        reverse("scoring:overview"), {"action": "quarter", "year": "2026", "quarter": str(quarter)}
    )
    assert response.status_code == 302
    return str(response["Location"])


def test_the_page_starts_a_job_and_its_page_links_to_the_result(
    big: World, graded: QuarterRun, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")
    location = compute(client)
    job = Job.objects.get()
    assert location == reverse("jobs:job", args=[job.pk])
    assert (job.kind, job.key, job.state) == ("scoring.quarter", "quarter:2026-1", JobState.DONE)
    assert job.updates >= 2  # the phases at least
    page = client.get(location).content.decode()
    result = reverse("scoring:quarter", args=[graded.pk])  # recomputed in place
    assert f'href="{result}"' in page and "查看结果" in page
    assert client.get(result).status_code == 200


def test_a_second_click_shows_the_running_job_and_the_pages_show_it_after_a_reload(
    big: World, graded: QuarterRun, client_as: Callable[[str], Client], settings: Settings
) -> None:
    settings.TASKS = DUMMY
    client = client_as("region_admin")
    first = compute(client)
    assert compute(client) == first
    assert Job.objects.count() == 1
    # Recompute from the quarter's page: the same quarter, so the same job.
    response = client.post(reverse("scoring:quarter", args=[graded.pk]), {"action": "recompute"})
    assert response["Location"] == first
    for page in (reverse("scoring:overview"), reverse("scoring:quarter", args=[graded.pk])):
        html = client.get(page).content.decode()
        assert 'hx-trigger="every 1s"' in html and "季度考核计算" in html, page


def test_the_worker_computes_the_quarter_with_progress(
    big: World, graded: QuarterRun, client_as: Callable[[str], Client], settings: Settings
) -> None:
    settings.TASKS = DATABASE
    compute(client_as("region_admin"))
    job = Job.objects.get()
    assert job.state == JobState.QUEUED
    assert run_queued_tasks() == 1
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.percent == 100
    assert job.result_url == reverse("scoring:quarter", args=[graded.pk])
    graded.refresh_from_db()
    assert graded.state == RunState.COMPUTED


def test_a_refused_compute_fails_the_job_with_the_reason(
    big: World, graded: QuarterRun, client_as: Callable[[str], Client]
) -> None:
    QuarterRun.objects.filter(pk=graded.pk).update(state=RunState.PUBLISHED)
    client = client_as("region_admin")
    html = client.get(compute(client)).content.decode()
    job = Job.objects.get()
    assert job.state == JobState.FAILED
    assert "重新" in job.error or "重开" in job.error or "打开" in job.error
    assert job.error in html
    # What the guards see blocks the year before any job is queued: the page says why.
    response = client.post(reverse("scoring:overview"), {"action": "year", "year": "2026"})
    assert not Job.objects.filter(kind="scoring.year").exists()
    assert response.status_code == 200 and "尚未公布" in response.content.decode()
