"""Scope of the archive, the forms, the consequences and the conduct records, as each
persona: every object outside the persona's scope (another unit's, another region's)
is a 404, PDFs and writes included, and nothing is written. Issue 16's attack found no
hole here; this keeps it so."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from kaohe.conduct.models import DisciplineRecord
from kaohe.outcomes.models import ConsequenceKind, ConsequenceState, ConsequenceTask
from kaohe.testing import World

pytestmark = pytest.mark.django_db

# Persona → the people whose archive, forms and consequences it reads (the rest: 404).
READS = {
    "region_admin": {"cadre", "centre_cadre", "town_cadre"},
    "unit_head": {"cadre", "centre_cadre"},
    "team_member": {"cadre", "centre_cadre"},
    "cadre": {"cadre"},
    "cadre_other": {"town_cadre"},
    "supervisor": set(),
    "other_admin": {"foreign"},
}
# The unit administrator prints forms but reads no archive; the supervisor of the town
# sees its consequences (oversight) and nothing else.
FORMS = {**READS, "unit_admin": {"cadre", "centre_cadre"}}
TASKS = {**FORMS, "supervisor": {"town_cadre"}}
# Persona → whose consequence it may record, and whose discipline record it may end.
RECORDS = {"region_admin": {"cadre", "centre_cadre", "town_cadre"}, "other_admin": {"foreign"}}
RECORDS["unit_head"] = {"cadre", "centre_cadre"}
ENDS = {
    "region_admin": {"cadre", "centre_cadre", "town_cadre"},
    "unit_admin": {"cadre", "centre_cadre"},
    "other_admin": {"foreign"},
}
WHO = ("cadre", "centre_cadre", "town_cadre", "foreign")


@pytest.mark.parametrize("persona", [*READS, "unit_admin"])
def test_another_units_or_regions_objects_are_404_as_every_persona(
    world: World, client_as: Callable[[str], Client], persona: str
) -> None:
    units = {"cadre": world.bureau, "centre_cadre": world.centre, "town_cadre": world.town}
    tasks, records = {}, {}
    for who in WHO:
        person = world.people[who]
        tasks[who] = ConsequenceTask.objects.create(
            region_id=person.region_id,
            person=person,
            year=2026,
            quarter=1,
            kind=ConsequenceKind.QUARTER_TALK,
            citation="第一季度考核等次为较差",
            unit=units.get(who, world.foreign_unit),
            owner_role="unit_head",
            issued_on=dt.date(2026, 4, 20),
            due_on=dt.date(2026, 5, 20),
        )
        records[who] = DisciplineRecord.objects.create(
            region_id=person.region_id,
            person=person,
            kind="warning",
            start=dt.date(2026, 3, 2),
            document="文件",
        )
    client = client_as(persona)
    for who in WHO:
        pk = world.people[who].pk
        archive = [
            reverse("outcomes:archive", args=[pk, 2026]),
            reverse("outcomes:archive_pdf", args=[pk, 2026]),
        ]
        forms = [
            reverse("outcomes:forms_person_annual", args=[pk, 2026]),
            reverse("outcomes:forms_person_quarter", args=[pk, 2026, 1]),
        ]
        task_url = reverse("outcomes:consequence", args=[tasks[who].pk])
        for urls, allowed in ((archive, READS), (forms, FORMS), ([task_url], TASKS)):
            expected = 200 if who in allowed.get(persona, set()) else 404
            for url in urls:
                assert client.get(url).status_code == expected, (persona, url)
        response = client.post(task_url, {"done_on": "2026-11-01", "note": "已谈话"})
        tasks[who].refresh_from_db()
        may = who in RECORDS.get(persona, set())
        assert (tasks[who].state == ConsequenceState.DONE) == may, (persona, who)
        if not may:
            assert response.status_code in (400, 404), (persona, who)
        end = reverse("conduct:discipline_end", args=[records[who].pk])
        response = client.post(end, {"end": "2026-04-01"})
        records[who].refresh_from_db()
        assert (records[who].end is not None) == (who in ENDS.get(persona, set())), (persona, who)
        if who not in ENDS.get(persona, set()):
            assert response.status_code == 404, (persona, who)
