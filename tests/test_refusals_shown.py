"""Every view that catches an ApplicationError shows the refusal one way: its summary
and each problem of its list (kaohe.core.http.show_refusal / core/_refusal.html).

Each case makes the service its view calls refuse with a list of problems, sends the
view's form and reads the page the user lands on (after the redirect). The JSON API
answers the same refusal as {code, message, problems}.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from kaohe.core.errors import ApplicationError, CoreErrorCode, ValidationFailed
from kaohe.dueprocess.models import Publicity
from kaohe.notices.models import Channel, ChannelKind, Delivery
from kaohe.reviews.models import ReviewRound
from kaohe.schemes import entry
from kaohe.schemes.models import SchemeVersion, VersionState
from kaohe.schemes.views import _version_ids
from kaohe.scoring.models import AnnualRun, QuarterRun, RunState
from kaohe.surveys.models import Survey
from kaohe.testing import World
from kaohe.worklogs.rules import Period
from kaohe.worklogs.services import worklog_submit

SUMMARY = "两处不对，未保存。"
PROBLEMS = ["第一处：日期不对。", "第二处：内容太短。"]
CODE = CoreErrorCode.NOT_XLSX


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise ApplicationError(SUMMARY, code=CODE, problems=PROBLEMS)


def _refuse_validation(*args: Any, **kwargs: Any) -> Any:
    raise ValidationFailed(SUMMARY, code=CODE, problems=PROBLEMS)


Fixture = Callable[[str], Any]  # request.getfixturevalue
Form = dict[str, Any]


@dataclass(frozen=True)
class Case:
    persona: str
    target: str  # the function the view calls, made to refuse
    # The URL and the form (None: a GET) for the case's fixtures.
    make: Callable[[Fixture], tuple[str, Form | None]]
    raiser: Callable[..., Any] = _refuse
    htmx: bool = False


def _upload(fixture: Fixture) -> tuple[str, Form]:
    file = io.BytesIO(b"PK not really a workbook")
    file.name = "roster.xlsx"
    return "/org/roster/", {"file": file}


def _q1(fixture: Fixture) -> ReviewRound:
    round_: ReviewRound = fixture("q1")
    return round_


def _drafted(fixture: Fixture) -> SchemeVersion:
    version: SchemeVersion = fixture("drafted")
    return version


def _version_url(fixture: Fixture) -> str:
    version = _drafted(fixture)
    return f"/schemes/{version.scheme_id}/v{version.number}/"


def _indicator_url(fixture: Fixture) -> str:
    return f"/schemes/indicators/{_drafted(fixture).indicators.get(name='完成任务').pk}/"


def _entry_url(fixture: Fixture) -> str:
    world: World = fixture("world")
    return f"/schemes/entry/{world.bureau.pk}/2026/1/"


def _entry_save(fixture: Fixture) -> tuple[str, Form]:
    """The entry form of an approved scheme, sent with the versions it was built on."""
    world: World = fixture("world")
    version = _drafted(fixture)
    version.state = VersionState.APPROVED
    version.save(update_fields=["state"])
    grid = entry.entry_grid(world.users["unit_admin"], world.bureau.pk, Period(2026, 1))
    return _entry_url(fixture), {"versions": _version_ids(grid)}


def _graded(fixture: Fixture) -> QuarterRun:
    run: QuarterRun = fixture("graded")
    return run


def _receipt(fixture: Fixture) -> tuple[str, Form]:
    run = _graded(fixture)
    QuarterRun.objects.filter(pk=run.pk).update(state=RunState.PUBLISHED)
    world: World = fixture("big")
    mine = run.results.get(person=world.users["B00"].person)
    return f"/scoring/mine/quarter/{mine.pk}/receipt/", {}


def _logged(fixture: Fixture) -> tuple[str, Form]:
    world: World = fixture("world")
    day = dt.date(2026, 3, 2)
    log = worklog_submit(
        actor=world.users["cadre"],
        day=day,
        content="上午整理就业补贴申报材料，下午到城关镇走访两家企业。",
        today=day,
    )
    return f"/logs/{log.pk}/comment/", {"content": "好", "next": "/logs/feed/"}


def _delivery(fixture: Fixture) -> tuple[str, Form]:
    world: World = fixture("world")
    channel = Channel.objects.create(
        region=world.region, name="群", kind=ChannelKind.WECOM, target="https://robot.invalid/"
    )
    delivery = Delivery.objects.create(region=world.region, channel=channel, kind="t", text="x")
    return f"/notices/deliveries/{delivery.pk}/retry/", {}


def _year(fixture: Fixture) -> tuple[str, Form]:
    world: World = fixture("world")
    run = AnnualRun.objects.create(region=world.region, year=2026)
    return f"/scoring/years/{run.pk}/", {"action": "reopen", "reason": "补录"}


def _publicity_start(fixture: Fixture) -> tuple[str, Form]:
    world: World = fixture("world")
    run = AnnualRun.objects.create(region=world.region, year=2026)
    return f"/dueprocess/years/{run.pk}/publicity/", {}


def _publicity_sync(fixture: Fixture) -> tuple[str, Form]:
    world: World = fixture("world")
    run = AnnualRun.objects.create(region=world.region, year=2026)
    publicity = Publicity.objects.create(
        region=world.region,
        run=run,
        year=2026,
        starts_on=dt.date(2026, 9, 28),
        ends_on=dt.date(2026, 10, 9),
    )
    return f"/dueprocess/publicity/{publicity.pk}/sync/", {}


def _survey_send(fixture: Fixture) -> tuple[str, Form]:
    survey = Survey.objects.create(
        region=fixture("world").region,
        name="民评",
        state="closed",
        opens_on=dt.date(2026, 10, 1),
        closes_on=dt.date(2026, 10, 31),
    )
    return f"/surveys/results/{survey.pk}/send/", {}


CASES: dict[str, Case] = {
    "worklogs.today": Case(
        "cadre",
        "kaohe.worklogs.services.worklog_submit",
        lambda f: ("/logs/today/", {"content": "写了一点"}),
    ),
    "worklogs.summaries": Case(
        "cadre",
        "kaohe.worklogs.services.summary_submit",
        lambda f: (
            "/logs/summaries/",
            {"content": "写了一点", "kind": "quarterly", "year": "2026", "quarter": "1"},
        ),
    ),
    "worklogs.comment": Case("unit_head", "kaohe.worklogs.services.log_comment", _logged),
    "org.roster_import": Case(
        "region_admin", "kaohe.org.roster.roster_import", _upload, _refuse_validation
    ),
    "reviews.rounds": Case(
        "region_admin",
        "kaohe.reviews.services.round_create",
        lambda f: (
            "/reviews/rounds/",
            {
                "year": "2026",
                "number": "1",
                "starts_on": "2026-04-01",
                "ends_on": "2026-04-10",
                "cadence": "quarterly",
            },
        ),
    ),
    "reviews.round": Case(
        "region_admin",
        "kaohe.reviews.services.round_publish",
        lambda f: (f"/reviews/rounds/{_q1(f).pk}/", {"action": "publish"}),
    ),
    "reviews.raters": Case(
        "region_admin",
        "kaohe.reviews.services.extra_raters_propose",
        lambda f: (
            f"/reviews/rounds/{_q1(f).pk}/units/{f('big').town.pk}/raters/",
            {"action": "propose", "staff_nos": "", "note": "熟悉"},
        ),
    ),
    "reviews.ballot": Case(
        "B00",
        "kaohe.reviews.services.ballot_submit",
        lambda f: (
            f"/reviews/ballots/{_q1(f).units.get(unit=f('big').bureau).pk}/",
            {"action": "submit"},
        ),
    ),
    "schemes.list": Case(
        "region_admin",
        "kaohe.schemes.services.template_create",
        lambda f: ("/schemes/", {"action": "template", "name": "模板"}),
    ),
    "schemes.version": Case(
        "unit_admin",
        "kaohe.schemes.services.version_submit",
        lambda f: (_version_url(f), {"action": "submit"}),
    ),
    "schemes.indicator_add": Case(
        "unit_admin",
        "kaohe.schemes.services.indicator_add",
        lambda f: (_version_url(f) + "indicators/", {"name": "新指标"}),
    ),
    "schemes.indicator_add.htmx": Case(
        "unit_admin",
        "kaohe.schemes.services.indicator_add",
        lambda f: (_version_url(f) + "indicators/", {"name": "新指标"}),
        htmx=True,
    ),
    "schemes.indicator_change": Case(
        "unit_admin",
        "kaohe.schemes.services.indicator_update",
        lambda f: (_indicator_url(f), {"action": "edit", "name": "改"}),
    ),
    "schemes.indicator_change.htmx": Case(
        "unit_admin",
        "kaohe.schemes.services.indicator_update",
        lambda f: (_indicator_url(f), {"action": "edit", "name": "改"}),
        htmx=True,
    ),
    "schemes.entry_blocked": Case(
        "unit_admin", "kaohe.schemes.entry.entry_grid", lambda f: (_entry_url(f), None)
    ),
    "schemes.entry_save": Case(
        "unit_admin", "kaohe.schemes.entry.results_save", _entry_save, _refuse_validation
    ),
    "schemes.entry_declare": Case(
        "unit_admin",
        "kaohe.schemes.services.entry_declare_empty",
        lambda f: (_entry_url(f) + "declare/", {"reason": "本季度无任务"}),
    ),
    "schemes.entry_export": Case(
        "unit_admin",
        "kaohe.schemes.entry.entry_grid",
        lambda f: (_entry_url(f) + "export.xlsx", None),
    ),
    "scoring.overview": Case(
        "region_admin",
        "kaohe.scoring.guards.refuse",
        lambda f: ("/scoring/", {"year": "2026", "quarter": "1"}),
    ),
    "scoring.quarter": Case(
        "region_admin",
        "kaohe.scoring.services.quarter_confirm",
        lambda f: (f"/scoring/quarters/{_graded(f).pk}/", {"action": "confirm"}),
    ),
    "scoring.proposal": Case(
        "unit_head",
        "kaohe.scoring.services.quarter_propose",
        lambda f: (f"/scoring/quarters/{_graded(f).pk}/units/{f('big').bureau.pk}/", {}),
    ),
    "scoring.publish": Case(
        "region_admin",
        "kaohe.scoring.guards.require_confirmation",
        lambda f: (
            f"/scoring/quarters/{_graded(f).pk}/publish/",
            {"confirm": "yes", "token": "x"},
        ),
    ),
    "scoring.receipt": Case("B00", "kaohe.scoring.services.receipt_confirm", _receipt),
    # The year's reopening is a job: refused when it cannot start.
    "scoring.annual": Case("region_admin", "kaohe.scoring.views.job_start", _year),
    "notices.retry": Case("region_admin", "kaohe.notices.services.delivery_retry", _delivery),
    "dueprocess.publicity_start": Case(
        "region_admin", "kaohe.dueprocess.services.publicity_start", _publicity_start
    ),
    "dueprocess.publicity_sync": Case(
        "region_admin", "kaohe.dueprocess.services.publicity_sync", _publicity_sync
    ),
    "surveys.send_low_items": Case(
        "region_admin", "kaohe.surveys.services.survey_send_low_items", _survey_send
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", CASES)
def test_the_page_shows_the_refusal_and_each_of_its_problems(
    name: str,
    client_as: Callable[[str], Client],
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    case = CASES[name]
    url, form = case.make(request.getfixturevalue)
    monkeypatch.setattr(case.target, case.raiser)
    client = client_as(case.persona)
    headers = {"HX-Request": "true"} if case.htmx else {}
    if form is None:
        response = client.get(url, follow=True, headers=headers)
    else:
        response = client.post(url, form, follow=True, headers=headers)
    page = response.content.decode()
    assert response.status_code == 200, name
    for line in [SUMMARY, *PROBLEMS]:
        assert line in page, (name, line)


@pytest.mark.django_db
def test_the_api_answers_a_refusal_with_its_code_message_and_problems(
    client_as: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kaohe.scoring.presenters.my_result_displays", _refuse)
    response = client_as("cadre").get("/api/my/results")
    assert response.status_code == 400
    assert response.json() == {"code": "core.not_xlsx", "message": SUMMARY, "problems": PROBLEMS}


@pytest.mark.django_db
def test_the_api_reads_only_the_users_own_results(client_as: Callable[[str], Client]) -> None:
    assert client_as("cadre").get("/api/my/results/quarter/999999").status_code == 404
    assert client_as("cadre").get("/api/my/results").json() == []
