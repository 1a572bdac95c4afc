"""Two admins of a region upload large rosters at once (one import per region).

The second upload was answered with the first one's job: its file silently dropped
and its admin sent to a job page that is not theirs to watch (404). Now the page says
that another import is running and that the file must be uploaded again."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from kaohe.jobs.models import Job, JobState
from kaohe.testing import World, roster_row, roster_xlsx

pytestmark = pytest.mark.django_db


def test_a_second_admins_large_roster_is_refused_in_words_not_dropped(
    world: World, client_as: Callable[[str], Client], settings: Settings
) -> None:
    settings.KAOHE_ROSTER_JOB_BYTES = 0
    running = Job.objects.create(
        region=world.region,
        kind="org.roster.import",
        key="roster",
        state=JobState.QUEUED,
        actor=world.users["region_admin"],
    )
    content = roster_xlsx([roster_row("N001", "欧阳明")])
    response = client_as("unit_admin").post(
        reverse("org:roster_import"), {"file": SimpleUploadedFile("名册.xlsx", content)}
    )
    assert response.status_code == 200
    assert "另一份人员名册正在导入" in response.content.decode()
    assert list(Job.objects.values_list("pk", flat=True)) == [running.pk]
    assert client_as("unit_admin").get(reverse("jobs:job", args=[running.pk])).status_code == 404


def test_the_roster_page_shows_another_admins_import_to_the_office_only(
    world: World, client_as: Callable[[str], Client]
) -> None:
    running = Job.objects.create(
        region=world.region,
        kind="org.roster.import",
        key="roster",
        state=JobState.RUNNING,
        actor=world.users["unit_admin"],
    )
    poll = reverse("jobs:job", args=[running.pk])
    assert poll in client_as("unit_admin").get(reverse("org:roster_import")).content.decode()
    assert poll in client_as("region_admin").get(reverse("org:roster_import")).content.decode()
    other = Job.objects.create(
        region=world.region,
        kind="org.roster.import",
        key="roster-2",
        state=JobState.RUNNING,
        actor=world.users["region_admin"],
    )
    Job.objects.filter(pk=running.pk).update(state=JobState.DONE)
    Job.objects.filter(pk=other.pk).update(key="roster")
    page = client_as("unit_admin").get(reverse("org:roster_import")).content.decode()
    assert reverse("jobs:job", args=[other.pk]) not in page
