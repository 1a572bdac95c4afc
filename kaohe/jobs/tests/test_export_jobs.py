"""Large Excel exports as background jobs (issue 13, item 5): above KAOHE_EXPORT_JOB_ROWS
the button starts a job whose page serves the same workbook the streamed download
gives, scoped like the job, replaced by a newer export and deleted after a day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from kaohe.core import workbooks
from kaohe.core.tests.downloads import read_download
from kaohe.jobs.models import Job, JobState
from kaohe.jobs.services import jobs_sweep, run_job
from kaohe.reviews.models import ReviewRound
from kaohe.scoring.exports import QUARTER_EXPORT
from kaohe.scoring.models import AnnualRun, QuarterRun
from kaohe.scoring.tests.test_exports import annual_run, quarter_run
from kaohe.testing import World

pytestmark = pytest.mark.django_db


def _export_url(name: str, world: World, q1: ReviewRound) -> tuple[str, str, dict[str, str]]:
    """(persona, URL, query) of each export, over a small set of rows."""
    if name == "quarter":
        return "region_admin", reverse("scoring:quarter_export", args=[quarter_run(world).pk]), {}
    if name == "proposal":
        run = QuarterRun.objects.first() or quarter_run(world)
        url = reverse("scoring:proposal_export", args=[run.pk, world.bureau.pk])
        return "unit_head", url, {}
    if name == "annual":
        return "region_admin", reverse("scoring:annual_export", args=[annual_run(world, 3).pk]), {}
    if name == "compliance":
        url = reverse("worklogs:compliance_export")
        return "region_admin", url, {"start": "2026-03-02", "end": "2026-03-13"}
    return "region_admin", reverse("reviews:non_voters_export", args=[q1.pk]), {}


def _through_job(
    client: Client, url: str, query: dict[str, str]
) -> tuple[Job, dict[str, list[tuple[Any, ...]]], str]:
    response = client.get(url, query)
    assert response.status_code == 302
    job = Job.objects.get(kind__contains=".export.", state=JobState.DONE, pk=_job_id(response))
    page = client.get(response["Location"]).content.decode()
    file_url = reverse("jobs:file", args=[job.pk])
    assert f'href="{file_url}"' in page and "下载文件" in page
    download = client.get(file_url)
    name = job.result_name
    return job, read_download(download, name), name


def _job_id(response: Any) -> int:
    return int(str(response["Location"]).rstrip("/").rsplit("/", 1)[1])


def _filename(disposition: str) -> str:
    return unquote(disposition.split("''", 1)[1])


@pytest.mark.parametrize("name", ["quarter", "proposal", "annual", "compliance", "non_voters"])
def test_each_large_export_becomes_a_job_whose_file_holds_the_same_rows(
    name: str,
    big: World,
    q1: ReviewRound,
    client_as: Callable[[str], Client],
    settings: Settings,
) -> None:
    persona, url, query = _export_url(name, big, q1)
    client = client_as(persona)
    streamed = client.get(url, query)
    assert streamed.status_code == 200  # below the threshold: streamed as before
    expected = read_download(streamed)
    filename = _filename(streamed["Content-Disposition"])

    settings.KAOHE_EXPORT_JOB_ROWS = 0
    job, sheets, job_name = _through_job(client, url, query)
    assert sheets == expected
    assert job_name == filename
    assert job.actor_id == big.users[persona].pk and job.key.startswith("export:")


def _annual_job(world: World, client: Client, settings: Settings) -> tuple[AnnualRun, Job]:
    run = annual_run(world, 3)
    settings.KAOHE_EXPORT_JOB_ROWS = 2
    response = client.get(reverse("scoring:annual_export", args=[run.pk]))
    assert response.status_code == 302
    return run, Job.objects.get(pk=_job_id(response))


def test_only_the_starter_and_the_regions_office_get_the_file(
    world: World, client_as: Callable[[str], Client], settings: Settings
) -> None:
    _run, job = _annual_job(world, client_as("region_admin"), settings)
    file_url = reverse("jobs:file", args=[job.pk])
    assert client_as("region_admin").get(file_url).status_code == 200
    for persona in ("other_admin", "cadre", "unit_admin"):
        assert client_as(persona).get(file_url).status_code == 404, persona
        page = client_as(persona).get(reverse("jobs:job", args=[job.pk]))
        assert page.status_code == 404, persona
    assert Client().get(file_url).status_code == 302  # to the login page


def test_a_second_click_shows_the_running_job(
    world: World, client_as: Callable[[str], Client], settings: Settings
) -> None:
    run = annual_run(world, 3)
    settings.KAOHE_EXPORT_JOB_ROWS = 2
    running = Job.objects.create(
        region=world.region,
        kind="scoring.export.annual",
        key=f"export:annual:{run.pk}",
        actor=world.users["region_admin"],
        state=JobState.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    response = client_as("region_admin").get(reverse("scoring:annual_export", args=[run.pk]))
    assert response["Location"] == reverse("jobs:job", args=[running.pk])
    assert Job.objects.count() == 1
    # Not done: no file yet.
    file_url = reverse("jobs:file", args=[running.pk])
    assert client_as("region_admin").get(file_url).status_code == 404


def test_a_newer_export_of_the_same_key_replaces_the_older_file(
    world: World, client_as: Callable[[str], Client], settings: Settings
) -> None:
    client = client_as("region_admin")
    run, first = _annual_job(world, client, settings)
    second = _job_id(client.get(reverse("scoring:annual_export", args=[run.pk])))
    assert second != first.pk
    assert client.get(reverse("jobs:file", args=[first.pk])).status_code == 404
    assert client.get(reverse("jobs:file", args=[second])).status_code == 200
    page = client.get(reverse("jobs:job", args=[first.pk])).content.decode()
    assert "文件已删除" in page and "下载文件" not in page
    assert Job.objects.filter(result_file__isnull=False).count() == 1


def test_a_file_older_than_a_day_is_not_served_and_the_sweep_deletes_it(
    world: World, client_as: Callable[[str], Client], settings: Settings
) -> None:
    client = client_as("region_admin")
    _run, job = _annual_job(world, client, settings)
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - dt.timedelta(hours=25))
    assert client.get(reverse("jobs:file", args=[job.pk])).status_code == 404
    assert "文件已删除" in client.get(reverse("jobs:job", args=[job.pk])).content.decode()
    # Looking wrote nothing; the daily sweep lets the file go.
    assert Job.objects.get(pk=job.pk).result_file is not None
    assert jobs_sweep() == (0, 1)
    assert Job.objects.get(pk=job.pk).result_file is None


def test_a_new_export_deletes_the_regions_expired_files(
    world: World, client_as: Callable[[str], Client], settings: Settings
) -> None:
    client = client_as("region_admin")
    _run, old = _annual_job(world, client, settings)
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - dt.timedelta(days=2))
    run = quarter_run(world)
    response = client.get(reverse("scoring:quarter_export", args=[run.pk]))
    assert response.status_code == 302
    assert Job.objects.get(pk=old.pk).result_file is None


def test_the_job_checks_the_starters_rights_again_when_it_runs(world: World) -> None:
    run = quarter_run(world)
    job = Job.objects.create(
        region=world.region,
        kind=QUARTER_EXPORT,
        key=f"export:quarter:{run.pk}",
        params={"run_id": run.pk},
        actor=world.users["cadre"],  # never the office: as if their role was taken away
    )
    run_job.call(job.pk)
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "无权" in job.error
    assert job.result_file is None and job.result_url == ""


def _job_queries(client: Client, url: str) -> tuple[int, int, int]:
    """Queries of the click (the job runs in it in tests), of the file's download, and
    the rows the file holds."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 302
    with CaptureQueriesContext(connection) as fetched:
        rows = read_download(client.get(reverse("jobs:file", args=[_job_id(response)])))
    return len(queries), len(fetched), len(rows["季度考核等次"])


def test_an_export_job_reads_the_same_queries_for_more_rows(
    world: World,
    client_as: Callable[[str], Client],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(workbooks, "EXPORT_CHUNK", 5)
    settings.KAOHE_EXPORT_JOB_ROWS = 0
    client = client_as("region_admin")
    small = quarter_run(world)
    few, few_file, few_rows = _job_queries(
        client, reverse("scoring:quarter_export", args=[small.pk])
    )
    QuarterRun.objects.all().delete()
    Job.objects.all().delete()
    large = quarter_run(world, extra=60)
    many, many_file, many_rows = _job_queries(
        client, reverse("scoring:quarter_export", args=[large.pk])
    )
    assert (few, few_file) == (many, many_file)
    assert many_rows == few_rows + 60
