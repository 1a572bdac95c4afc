"""Hostile GETs: every page's path ids and query parameters, as several personas, never a 500.

The issue's fuzzing run found 26 server errors in 2,500 requests (months past 9999,
ids past 2**63, dates at the ends of the calendar). This walks every URL pattern of
the project (admin and API included) instead of a hand-kept list, so a new page is
fuzzed the day it is added.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from kaohe.conduct.models import DisciplineKind, DisciplineRecord
from kaohe.dueprocess import services as dueprocess_services
from kaohe.dueprocess.models import Notice, Objection, Publicity, PublicityEntry
from kaohe.jobs.models import Job
from kaohe.notices.models import Channel, Delivery
from kaohe.outcomes.models import ConsequenceKind, ConsequenceTask
from kaohe.outcomes.tests.test_archive_pages import record as archived_year
from kaohe.performance import services as performance_services
from kaohe.performance.models import UnitYearMark
from kaohe.performance.tests.helpers import setup_months
from kaohe.reviews import services as review_services
from kaohe.reviews.models import ReviewRound, RoundUnit
from kaohe.schemes.models import SchemeVersion
from kaohe.scoring.models import AnnualRun, QuarterResult, QuarterRun
from kaohe.supervision.models import Finding, FindingEvidence, SupervisionGroup
from kaohe.surveys import services as survey_services
from kaohe.teams.models import TeamYearResult
from kaohe.testing import World
from kaohe.worklogs import services as worklog_services

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"
HOSTILE_IDS = ["0", HUGE, "abc", "-1"]
HOSTILE_VALUES = [
    "9999-12",
    "0001-01",
    "9999-12-31",
    "0001-01-01",
    HUGE,
    "-1",
    "",
    "a\x00b",
    "x" * 2000,
    "中文‮",
]
SHARP_VALUES = ["9999-12", "0001-01", "9999-12-31", HUGE, "a\x00b"]
# Parameters read by helpers rather than in the view's own source, and the admin's own.
ALWAYS = ["page", "q", "unit", "person", "date", "start", "end"]
ADMIN_PARAMS = ["q", "o", "p"]
PERSONAS = ["region_admin", "unit_admin", "cadre", "public"]
CHANGE_LIST = re.compile(r"admin/\w+/\w+/")
GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
READS = re.compile(r"""\.get(?:list)?\(\s*["'](\w+)["']""")


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Callable[..., Any]]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def _params_read(view: Callable[..., Any], route: str) -> list[str]:
    """The query parameters the view's own source reads (the admin's: its change list's)."""
    if route.startswith("admin/"):
        if not CHANGE_LIST.fullmatch(route):
            return []
        # A change list reads its page, ordering and date hierarchy's year, month and day.
        return ADMIN_PARAMS + [
            f"{model_admin.date_hierarchy}__{part}"
            for model, model_admin in admin.site._registry.items()
            if model_admin.date_hierarchy
            and route == f"admin/{model._meta.app_label}/{model._meta.model_name}/"
            for part in ("year", "month", "day")
        ]
    try:
        source = inspect.getsource(inspect.unwrap(view))
    except (OSError, TypeError):
        return []
    return sorted(set(READS.findall(source)))


def _fill(route: str, values: dict[str, str]) -> str:
    route = route.replace("^", "").replace("$", "")
    route = GROUP.sub(lambda m: values.get(m.group(1), "org"), route)
    return "/" + CONVERTER.sub(lambda m: quote(values[m.group(2)], safe=""), route)


@pytest.fixture
def ids(graded: QuarterRun, drafted: SchemeVersion, world: World) -> dict[str, str]:
    """A real id for every path parameter: a round with units, a scheme, a run, a log."""
    admin = world.users["region_admin"]
    round_ = review_services.round_create(
        actor=admin,
        region=world.region,
        year=2026,
        number=2,
        starts_on=dt.date(2026, 7, 1),
        ends_on=dt.date(2026, 7, 10),
    )
    review_services.round_open(actor=admin, round_=round_)
    log = worklog_services.worklog_submit(
        actor=world.users["cadre"],
        day=dt.date(2026, 4, 30),
        content="走访三户困难群众，登记就业意向。",
        today=dt.date(2026, 4, 30),
    )
    version = drafted
    channel = Channel.objects.create(
        region=world.region, name="考核群", kind="wecom", target="http://127.0.0.1:9/robot"
    )
    delivery = Delivery.objects.create(
        region=world.region, channel=channel, kind="test", text="通知", state="failed"
    )
    result = QuarterResult.objects.filter(run=graded).first()
    assert result is not None
    record = DisciplineRecord.objects.create(
        region=world.region,
        person=world.people["cadre"],
        kind=DisciplineKind.WARNING,
        start=dt.date(2026, 3, 2),
        document="区纪发〔2026〕3号",
    )
    task = ConsequenceTask.objects.create(
        region=world.region,
        person=world.people["cadre"],
        year=2026,
        quarter=1,
        kind=ConsequenceKind.QUARTER_TALK,
        citation="第一季度考核等次为较差",
        unit=world.bureau,
        owner_role="unit_head",
        issued_on=dt.date(2026, 4, 20),
        due_on=dt.date(2026, 5, 20),
    )
    # due process: the cadre's notice, their 复核 of it with a file
    year_record = archived_year(world, "cadre")
    notice = Notice.objects.create(
        region=world.region,
        person=year_record.person,
        unit=world.bureau,
        year=2026,
        record=year_record,
        grade=year_record.grade,
        issued_on=dt.date(2026, 11, 2),
        sign_due_on=dt.date(2026, 11, 9),
    )
    case = dueprocess_services.review_request(
        actor=world.users["cadre"],
        notice_id=notice.pk,
        text="请求复核年度考核结果",
        upload=dueprocess_services.Upload("scan.png", b"\x89PNG\r\n\x1a\n0000"),
        today=dt.date(2026, 11, 3),
    )
    assert ReviewRound.objects.filter(region=world.region).count() == 2
    # due process: a 公示 with a candidate and an objection
    year_run = AnnualRun.objects.create(region=world.region, year=2026)
    publicity = Publicity.objects.create(
        region=world.region,
        run=year_run,
        year=2026,
        starts_on=dt.date(2026, 9, 28),
        ends_on=dt.date(2026, 10, 9),
    )
    entry = PublicityEntry.objects.create(
        publicity=publicity,
        person=world.people["cadre"],
        unit=world.bureau,
        name="张小明",
        grade="excellent",
        listed_on=publicity.starts_on,
        ends_on=publicity.ends_on,
    )
    objection = Objection.objects.create(
        publicity=publicity, entry=entry, raised_on=publicity.starts_on, text="异议"
    )
    # supervision: a finding in the bureau with its group's file
    group = SupervisionGroup.objects.create(region=world.region, name="第一督导组")
    finding = Finding.objects.create(
        region=world.region,
        group=group,
        unit=world.bureau,
        category="scheme",
        severity="general",
        description="考核方案不够精细",
        found_on=dt.date(2026, 11, 2),
        deadline=dt.date(2026, 11, 23),
    )
    # Its file: the ids of both apps' file pages are fuzzed through one "file_id".
    FindingEvidence.objects.create(
        finding=finding, file_name="记录.pdf", content_type="application/pdf", content=b"%PDF-"
    )
    team_result = TeamYearResult.objects.create(
        region=world.region, unit=world.bureau, year=2026, missing=["performance"]
    )
    # unit performance: a computed month with a unit's evidence file
    months = setup_months(world)
    performance_services.month_compute(actor=admin, month=months.month)
    performance_services.month_report_save(
        actor=world.users["unit_admin"],
        month=months.month,
        unit=world.bureau,
        text="完成项目签约3个。",
        items={},
        upload=performance_services.Upload("scan.png", b"\x89PNG\r\n\x1a\n0000"),
    )
    # performance: a mark on a unit's year (the category is the months')
    mark = UnitYearMark.objects.create(
        unit=world.bureau, year=2026, kind=UnitYearMark.Kind.INCENTIVE, reason="区委办〔2026〕12号"
    )
    # public surveys: an open survey with a window target, a code and a pending paper one
    survey = survey_services.survey_create(
        actor=admin,
        fields=survey_services.SurveyFields(
            name="窗口满意度调查",
            intro="",
            opens_on=dt.date(2026, 1, 1),
            closes_on=dt.date(2026, 12, 31),
        ),
        template="satisfaction",
    )
    survey_target = survey_services.target_add(
        actor=admin, survey=survey, unit_id=world.bureau.pk, window="社保窗口", open_link=True
    )
    survey_question = survey.questions.order_by("position").first()
    assert survey_question is not None
    survey_services.survey_open(actor=admin, survey=survey)
    return {
        "survey_id": str(survey.pk),
        "target_id": str(survey_target.pk),
        "question_id": str(survey_question.pk),
        "code": "AbCdEfGhIjKlMnOpQrStUv",
        "key": survey_target.open_key,
        "month_id": str(months.month.pk),
        "category_id": str(months.category.pk),
        "file_id": str(performance_services.ReportFile.objects.get().pk),
        "mark_id": str(mark.pk),
        "notice_id": str(notice.pk),
        "case_id": str(case.pk),
        "evidence_id": str(case.evidence.get().pk),
        "unit_id": str(world.bureau.pk),
        "person_id": str(world.people["cadre"].pk),
        "log_id": str(log.pk),
        "day": log.day.isoformat(),  # the API's POST /api/logs/{day}
        "round_id": str(round_.pk),
        "round_unit_id": str(RoundUnit.objects.filter(round=round_).first().pk),  # type: ignore[union-attr]
        "scheme_id": str(version.scheme_id),
        "number": str(version.number),
        "indicator_id": str(version.indicators.first().pk),  # type: ignore[union-attr]
        "year": "2026",
        "quarter": "1",
        "run_id": str(graded.pk),
        "kind": "quarter",
        "result_id": str(result.pk),
        "object_id": str(world.bureau.pk),
        "content_type_id": "1",
        "id": str(world.users["cadre"].pk),
        "url": "nowhere/",
        "delivery_id": str(delivery.pk),
        "record_id": str(record.pk),
        "task_id": str(task.pk),
        "publicity_id": str(publicity.pk),
        "entry_id": str(entry.pk),
        "objection_id": str(objection.pk),
        "finding_id": str(finding.pk),
        "team_result_id": str(team_result.pk),
        "job_id": str(
            Job.objects.create(
                region=world.region, kind="scoring.quarter", key="quarter:2026-2", actor=admin
            ).pk
        ),
    }


def test_no_hostile_get_is_a_server_error(
    ids: dict[str, str], world: World, client_as: Callable[[str], Client]
) -> None:
    foreign = {
        "unit_id": str(world.foreign_unit.pk),
        "person_id": str(world.people["foreign"].pk),
        "object_id": str(world.foreign_unit.pk),
    }
    failures: list[str] = []
    clients = {name: client_as(name) for name in PERSONAS}
    for client in clients.values():
        client.raise_request_exception = False

    def get(persona: str, url: str, query: dict[str, str] | None = None) -> None:
        response = clients[persona].get(url, query)
        if response.status_code >= 500:
            failures.append(f"{persona} {url} {query!r}"[:300])

    for route, view in _routes(get_resolver().url_patterns):
        names = [m.group(2) for m in CONVERTER.finditer(route)] + GROUP.findall(route)
        params = _params_read(view, route)
        url = _fill(route, ids)
        # The admin turns every non-administrator away at one gate, tried on its index.
        admin_route = route.startswith("admin/")
        personas = ["region_admin"] if admin_route and route != "admin/" else PERSONAS
        for persona in personas:
            get(persona, url)
            # One hostile value in one path slot at a time, the others real.
            for name in names:
                for bad in [*HOSTILE_IDS, foreign.get(name, "0")]:
                    get(persona, _fill(route, {**ids, name: bad}))
            if persona in ("public", "unit_admin") or (admin_route and not params):
                continue  # a login redirect reads no parameter; unit_admin pages are region_admin's
            # Every parameter at once, the shared ones too (read by helpers, not the view).
            for bad in HOSTILE_VALUES:
                get(persona, url, dict.fromkeys({*params, *ALWAYS}, bad))
        # Then one at a time, so that an early refusal of one parameter hides no other.
        for param in params:
            for bad in SHARP_VALUES:
                get("region_admin", url, {param: bad})
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures[:40])


@pytest.mark.parametrize("year", ["10000", HUGE, "1999"])
def test_a_forged_summary_year_is_no_server_error(
    world: World, client_as: Callable[[str], Client], year: str
) -> None:
    client = client_as("cadre")
    client.raise_request_exception = False
    response = client.post(
        "/logs/summaries/",
        {
            "year": year,
            "quarter": "1",
            "kind": "quarterly",
            "content": "本季度完成就业补贴审核。" * 20,
        },
    )
    # A year the calendar cannot end (10000) was a server error; now a 404, and a
    # value that is no year at all falls back to this year.
    assert response.status_code == (200 if year == HUGE else 404)
