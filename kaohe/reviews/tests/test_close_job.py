"""Closing a round from its page runs as a background job (kaohe.jobs)."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from kaohe.jobs.models import Job, JobState
from kaohe.jobs.worker import run_queued_tasks
from kaohe.reviews.models import ReviewRound, RoundState
from kaohe.testing import World

DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def test_the_close_button_starts_a_job_the_round_page_shows_it_and_the_worker_closes(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client], settings: Settings
) -> None:
    settings.TASKS = DATABASE
    client = client_as("region_admin")
    page = reverse("reviews:round", args=[q1.pk])
    response = client.post(page, {"action": "close"})
    job = Job.objects.get()
    assert response["Location"] == reverse("jobs:job", args=[job.pk])
    assert (job.kind, job.key, job.state) == ("reviews.round.close", f"round:{q1.pk}", "queued")
    # A second click and a reload show the same job.
    assert client.post(page, {"action": "close"})["Location"] == response["Location"]
    assert "结束投票并计算结果" in client.get(page).content.decode()
    assert run_queued_tasks() == 1
    job.refresh_from_db()
    q1.refresh_from_db()
    assert job.state == JobState.DONE and q1.state == RoundState.CLOSED
    assert job.result_url == page
    assert "结果" in job.message
    assert "hx-trigger" not in client.get(page).content.decode()


def test_a_refused_close_shows_its_reason_on_the_job_page(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    ReviewRound.objects.filter(pk=q1.pk).update(state=RoundState.CLOSED)
    client = client_as("region_admin")
    response = client.post(reverse("reviews:round", args=[q1.pk]), {"action": "close"})
    job = Job.objects.get()
    assert job.state == JobState.FAILED and job.error
    assert job.error in client.get(response["Location"]).content.decode()
