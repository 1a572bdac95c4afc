"""Publishing runs as a background job (scoring.jobs): the confirmation page starts it
and the office watches its progress; the publish, the archive, the lists and the
consequences commit together or not at all; a second publish is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kaohe.core.models import Notification
from kaohe.jobs.models import Job, JobState
from kaohe.outcomes.models import ConsequenceTask, YearRecord
from kaohe.scoring import guards, jobs, services
from kaohe.scoring.models import AnnualRun, QuarterResult, QuarterRun, RunState
from kaohe.scoring.signals import quarter_published, year_published
from kaohe.scoring.tests.fixtures import year_ready
from kaohe.scoring.tests.test_annual import publish_quarters
from kaohe.testing import World, publicity_not_required

pytestmark = pytest.mark.django_db


@pytest.fixture
def year(big: World, graded: QuarterRun) -> AnnualRun:
    publish_quarters(big, graded)
    year_ready(big)
    publicity_not_required(big.region)  # about the job, not the 公示 before it
    Notification.objects.all().delete()
    return services.annual_compute(actor=big.users["region_admin"], region=big.region, year=2026)


def _publish(client: Client, run: AnnualRun) -> Any:
    url = reverse("scoring:annual_publish", args=[run.pk])
    return client.post(url, {"token": guards.publish_token(run), "confirm": "yes"})


def test_it_publishes_the_year_as_a_job_and_lands_on_its_progress_then_the_run(
    year: AnnualRun, client_as: Callable[[str], Client]
) -> None:
    response = _publish(client_as("region_admin"), year)
    job = Job.objects.get(kind=jobs.YEAR_PUBLISH)
    assert response.status_code == 302 and response.url == reverse("jobs:job", args=[job.pk])
    assert (job.key, job.state) == (jobs.year_key(2026), JobState.DONE)
    assert job.result_url == reverse("scoring:annual", args=[year.pk])
    assert job.message == "已公布，并已通知相关人员。"
    assert AnnualRun.objects.get(pk=year.pk).state == RunState.PUBLISHED
    assert YearRecord.objects.filter(year=2026).count() == year.results.count()
    assert Notification.objects.filter(text__contains="2026年度").exists()
    page = client_as("region_admin").get(response.url).content.decode()
    assert "公布年度结果" in page and reverse("scoring:annual", args=[year.pk]) in page


def test_a_failing_receiver_leaves_the_year_unpublished_and_nothing_written(
    year: AnnualRun, client_as: Callable[[str], Client]
) -> None:
    def explode(**kwargs: Any) -> None:
        raise RuntimeError("the consequences could not be written")

    # After the archive's receiver (connected first): what it wrote goes too.
    year_published.connect(explode, sender=AnnualRun, dispatch_uid="test-explode")
    try:
        _publish(client_as("region_admin"), year)
    finally:
        year_published.disconnect(dispatch_uid="test-explode", sender=AnnualRun)
    job = Job.objects.get(kind=jobs.YEAR_PUBLISH)
    assert job.state == JobState.FAILED and "管理员" in job.error
    assert AnnualRun.objects.get(pk=year.pk).state == RunState.COMPUTED
    assert not YearRecord.objects.exists()
    assert not ConsequenceTask.objects.exists()
    assert not Notification.objects.exists()
    # Fixed, the same confirmation publishes.
    _publish(client_as("region_admin"), year)
    assert AnnualRun.objects.get(pk=year.pk).state == RunState.PUBLISHED


def test_a_second_publish_is_refused_in_chinese_and_starts_nothing(
    year: AnnualRun, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")
    token = guards.publish_token(year)
    url = reverse("scoring:annual_publish", args=[year.pk])
    client.post(url, {"token": token, "confirm": "yes"})
    again = client.post(url, {"token": token, "confirm": "yes"}, follow=True)
    assert "已经公布" in again.content.decode()
    assert Job.objects.filter(kind=jobs.YEAR_PUBLISH).count() == 1


def test_a_publish_while_a_job_of_the_period_runs_is_refused(
    big: World, year: AnnualRun, client_as: Callable[[str], Client]
) -> None:
    running = Job.objects.create(
        region=big.region, kind=jobs.YEAR_REOPEN, key=jobs.year_key(2026), state=JobState.RUNNING
    )
    client = client_as("region_admin")
    url = reverse("scoring:annual_publish", args=[year.pk])
    page = client.get(url).content.decode()
    # The page shows the running job instead of the form.
    assert 'id="publish-form"' not in page and f'id="job-{running.pk}"' in page
    refused = client.post(url, {"token": guards.publish_token(year), "confirm": "yes"})
    assert "正在公布或计算" in refused.content.decode()
    assert not Job.objects.filter(kind=jobs.YEAR_PUBLISH).exists()
    assert AnnualRun.objects.get(pk=year.pk).state == RunState.COMPUTED


def test_a_publish_racing_another_start_is_refused_not_shown_the_other_job(
    big: World, year: AnnualRun, client_as: Callable[[str], Client], monkeypatch: Any
) -> None:
    # Another request inserted its job between this one's look and its insert.
    Job.objects.create(
        region=big.region, kind=jobs.YEAR_PUBLISH, key=jobs.year_key(2026), state=JobState.QUEUED
    )
    monkeypatch.setattr("kaohe.scoring.views.active_job", lambda region_id, key: None)
    response = _publish(client_as("region_admin"), year)
    assert response.status_code == 200 and "正在公布或计算" in response.content.decode()
    assert Job.objects.filter(kind=jobs.YEAR_PUBLISH).count() == 1


def test_the_receivers_report_their_steps_to_the_progress(big: World, year: AnnualRun) -> None:
    steps: list[tuple[int, int, str]] = []

    def progress(done: int, total: int, message: str = "") -> None:
        steps.append((done, total, message))

    services.annual_publish(
        actor=big.users["region_admin"],
        run=year,
        confirmation=guards.publish_token(year),
        progress=progress,
    )
    messages = [m for _d, _t, m in steps]
    assert messages == [
        "正在归档本年度……",
        "正在生成结果运用事项……",
        "正在下发书面通知……",  # due process's receiver, after outcomes'
    ]
    assert [d for d, _t, _m in steps] == sorted(d for d, _t, _m in steps)


def test_the_quarter_is_published_as_a_job_too(
    big: World, graded: QuarterRun, client_as: Callable[[str], Client]
) -> None:
    office = big.users["region_admin"]
    QuarterResult.objects.filter(run=graded, tie=True).update(change_reason="经研究确定")
    services.quarter_confirm(actor=office, run=graded)
    seen: list[str] = []

    def listen(progress: Any, **kwargs: Any) -> None:
        seen.append(type(progress).__name__)

    quarter_published.connect(listen, sender=QuarterRun, dispatch_uid="test-listen")
    try:
        response = client_as("region_admin").post(
            reverse("scoring:quarter_publish", args=[graded.pk]),
            {"token": guards.publish_token(graded), "confirm": "yes"},
        )
    finally:
        quarter_published.disconnect(dispatch_uid="test-listen", sender=QuarterRun)
    job = Job.objects.get(kind=jobs.QUARTER_PUBLISH)
    assert response["Location"] == reverse("jobs:job", args=[job.pk])
    assert job.state == JobState.DONE
    assert job.key == jobs.quarter_key(2026, 1)
    assert job.result_url == reverse("scoring:quarter", args=[graded.pk])
    assert QuarterRun.objects.get(pk=graded.pk).state == RunState.PUBLISHED
    assert seen == ["Progress"]  # the job's reporter reaches the receivers
