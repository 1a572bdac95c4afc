"""The refusals and the filled pages of conduct and outcomes read in Chinese: what the
crawl cannot reach (it only follows links, and its world holds no conduct record),
posted and read with the crawl's own checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kaohe.conduct.models import AbsenceRecord, DisciplineRecord
from kaohe.outcomes.models import ConsequenceKind, ConsequenceTask
from kaohe.testing import World
from tests.attacks.test_wording_crawl import _offences, _Page, english_msgids, raw_codes

pytestmark = pytest.mark.django_db


def _text(html: bytes) -> str:
    page = _Page()
    page.feed(html.decode())
    return "\n".join(page.texts)


def test_every_refusal_and_filled_page_reads_in_chinese(
    world: World, client_as: Callable[[str], Client]
) -> None:
    cadre = world.people["cadre"]
    no = cadre.staff_no
    record = DisciplineRecord.objects.create(
        region=world.region,
        person=cadre,
        kind="party_warning",
        start=dt.date(2026, 3, 2),
        document="区纪发〔2026〕3号",
    )
    AbsenceRecord.objects.create(
        region=world.region,
        person=cadre,
        kind="late_early",
        start=dt.date(2026, 5, 1),
        end=dt.date(2026, 5, 31),
        times=3,
    )
    task = ConsequenceTask.objects.create(
        region=world.region,
        person=cadre,
        year=2026,
        quarter=1,
        kind=ConsequenceKind.QUARTER_TALK,
        citation="第一季度考核等次为较差",
        unit=world.bureau,
        owner_role="unit_head",
        issued_on=dt.date(2026, 4, 20),
        due_on=dt.date(2026, 5, 20),
    )
    new, absence = reverse("conduct:discipline_new"), reverse("conduct:absence_new")
    end = reverse("conduct:discipline_end", args=[record.pk])
    consequence = reverse("outcomes:consequence", args=[task.pk])
    good = {"person": no, "kind": "warning", "start": "2026-03-02", "document": "文件一号"}
    leave = {"person": no, "kind": "leave", "start": "2026-03-02", "end": "2026-03-04"}
    posts: list[tuple[str, dict[str, object]]] = [
        (new, {**good, "start": "2026/03/02"}),
        (new, {**good, "start": ""}),
        (new, {**good, "start": "9999-12-01"}),
        (new, {**good, "end": "2026-01-01"}),
        (new, {**good, "kind": "nonsense"}),
        (new, {**good, "person": "NOPE"}),
        (new, {**good, "person": world.people["foreign"].staff_no}),
        (new, {**good, "document": "号"}),
        (new, {**good, "note": "注" * 301}),
        (new, {**good, "note": "a\u200bb"}),
        (absence, {**leave, "days": "abc"}),
        (absence, {**leave, "days": "NaN"}),
        (absence, {**leave, "days": "0.3"}),
        (absence, {**leave, "days": "4"}),
        (absence, {**leave, "kind": "late_early", "times": "0"}),
        (end, {"end": "x"}),
        (end, {"end": "2026-01-01"}),
        (consequence, {"done_on": "x", "note": "谈过了"}),
        (consequence, {"done_on": "2099-01-01", "note": "谈过了"}),
        (consequence, {"done_on": "2026-01-01", "note": "谈过了"}),
        (consequence, {"done_on": "2026-11-01", "note": ""}),
        (consequence, {"done_on": "2026-11-01", "note": "谈" * 501}),
        (reverse("outcomes:priors_import"), {}),
        (reverse("outcomes:priors_import"), {"file": SimpleUploadedFile("a.xlsx", b"not xlsx")}),
    ]
    gets = [
        reverse("conduct:list"),
        reverse("conduct:list") + "?show=absence",
        reverse("outcomes:archive", args=[cadre.pk, 2026]),
    ]
    codes, msgids = raw_codes(), english_msgids()
    client = client_as("region_admin")
    found: list[str] = []
    with translation.override("zh-hans"):
        for url, data in posts:
            response = client.post(url, data, follow=True)
            assert response.status_code in (200, 400), (url, data)
            text = _text(response.content)
            found += [f"{url} {data}: {kind} “{s}”" for kind, s in _offences(text, codes, msgids)]
        for url in gets:
            text = _text(client.get(url).content)
            found += [f"{url}: {kind} “{s}”" for kind, s in _offences(text, codes, msgids)]
    assert found == []
    assert DisciplineRecord.objects.count() == 1 and AbsenceRecord.objects.count() == 1
