"""A large roster file is imported by the background worker (kaohe.jobs)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from kaohe.jobs.models import Job, JobState
from kaohe.org.models import Person
from kaohe.testing import World, roster_row, roster_xlsx


def upload(client: Client, rows: list[list[object]]) -> str:
    content = roster_xlsx(rows)
    response = client.post(
        reverse("org:roster_import"), {"file": SimpleUploadedFile("名册.xlsx", content)}
    )
    assert response.status_code == 302
    return str(response["Location"])


def test_a_large_file_is_imported_as_a_job_with_the_counts(
    world: World, client_as: Callable[[str], Client], settings: Settings
) -> None:
    settings.KAOHE_ROSTER_JOB_BYTES = 0  # every file counts as large here
    client = client_as("unit_admin")
    location = upload(client, [roster_row("N001", "欧阳明"), roster_row("N002", "司马光")])
    job = Job.objects.get()
    assert location == reverse("jobs:job", args=[job.pk])
    assert (job.kind, job.state) == ("org.roster.import", JobState.DONE)
    assert job.payload is None  # the file is not kept
    assert Person.objects.filter(staff_no__in=["N001", "N002"]).count() == 2
    page = client.get(location).content.decode()
    assert "新增人员 2 人" in page


def test_a_wrong_large_file_lists_every_problem_and_imports_nothing(
    world: World, client_as: Callable[[str], Client], settings: Settings
) -> None:
    settings.KAOHE_ROSTER_JOB_BYTES = 0
    client = client_as("unit_admin")
    location = upload(client, [roster_row("N001", ""), roster_row("N002", "司马光", 单位编码="X")])
    job = Job.objects.get()
    assert job.state == JobState.FAILED
    assert len(job.problems) >= 2
    page = client.get(location).content.decode()
    assert job.error in page and job.problems[0] in page
    assert not Person.objects.filter(staff_no__in=["N001", "N002"]).exists()
