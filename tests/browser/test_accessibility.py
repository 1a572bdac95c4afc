"""Issue 13 (GB/T 37668): axe-core finds no serious or critical violation on the main
pages of every persona, at 375 px and at 1366 px.

axe-core comes inside the axe-playwright-python wheel (`axe.min.js`) and is evaluated
in the page from that local file: nothing is fetched, and the request guard of the
`browser` fixture would fail the test if anything were.

To add a page: append one (persona, builder) entry to PAGES; the builder gets the
`Pages` data made below and returns the path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from kaohe.conduct.models import AbsenceRecord, DisciplineRecord
from kaohe.outcomes.services import archive_year
from kaohe.performance.models import UnitMonthResult
from kaohe.reviews import services as review_services
from kaohe.reviews.models import ReviewRound, RoundUnit
from kaohe.schemes import services as scheme_services
from kaohe.schemes.models import SchemeVersion
from kaohe.scoring import services as scoring_services
from kaohe.scoring.models import AnnualRun, QuarterResult, QuarterRun, RunState
from kaohe.testing import PASSWORD, World
from kaohe.worklogs.models import Timeliness, WorkLog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Serious and critical only, as the issue asks; moderate findings are printed too.
FAILING = {"serious", "critical"}


@dataclass
class Pages:
    world: World
    quarter: QuarterRun
    annual: AnnualRun
    open_round: ReviewRound
    closed_round: ReviewRound
    ballot: RoundUnit
    version: SchemeVersion
    log: WorkLog
    result: QuarterResult


Builder = Callable[[Pages], str]


def _consequence(p: Pages) -> int:
    """A 提醒谈话 for the bureau's cadre (issue 16's consequences), made once."""
    from kaohe.outcomes.models import ConsequenceTask

    task, _made = ConsequenceTask.objects.get_or_create(
        person=p.world.people["cadre"],
        year=2026,
        quarter=None,
        kind="reminder_talk",
        defaults={
            "region": p.world.region,
            "citation": "2026年度在本单位年度考核排名末位：由单位主要负责人进行提醒谈话。",
            "unit": p.world.bureau,
            "owner_role": "unit_head",
            "issued_on": dt.date(2026, 4, 1),
            "due_on": dt.date(2026, 4, 20),
        },
    )
    return task.pk


def _survey_results(p: Pages) -> int:
    """A closed public survey (issue 19) where the bureau has 12 counted responses and
    the town 3 (below k), with a released comment, made once."""
    from kaohe.surveys.models import (
        Answer,
        Channel,
        Comment,
        CommentState,
        IndexKind,
        Question,
        QuestionKind,
        Response,
        Survey,
        Target,
    )

    made = Survey.objects.filter(region=p.world.region, name="无障碍民评").first()
    if made is not None:
        return made.pk
    survey = Survey.objects.create(
        region=p.world.region,
        name="无障碍民评",
        state="closed",
        opens_on=dt.date(2026, 10, 1),
        closes_on=dt.date(2026, 10, 31),
    )
    happy = Question.objects.create(
        survey=survey,
        position=1,
        text="幸福吗",
        kind=QuestionKind.SCALE5,
        index=IndexKind.HAPPINESS,
    )
    say = Question.objects.create(survey=survey, position=2, text="意见", kind=QuestionKind.TEXT)
    for unit, values in ((p.world.bureau, [5, 4, 3] * 4), (p.world.town, [5, 5, 2])):
        target = Target.objects.create(survey=survey, unit=unit)
        for value in values:
            response = Response.objects.create(
                target=target, channel=Channel.TOKEN, day=dt.date(2026, 10, 9), counted=True
            )
            Answer.objects.create(response=response, question=happy, value=value)
        Comment.objects.create(
            response=response,
            question=say,
            text="窗口服务好",
            state=CommentState.RELEASED,
            released_text="窗口服务好",
        )
    return survey.pk


def _notice(p: Pages) -> int:
    """The cadre's written notice of 2026 (issue 17), made once."""
    from kaohe.dueprocess.models import Notice
    from kaohe.outcomes.models import YearRecord

    rec = YearRecord.objects.get(person=p.world.people["cadre"], year=2026)
    notice, _made = Notice.objects.get_or_create(
        person=rec.person,
        year=2026,
        defaults={
            "region": p.world.region,
            "unit": p.world.bureau,
            "record": rec,
            "grade": rec.grade,
            "issued_on": dt.date(2026, 4, 20),
            "sign_due_on": dt.date(2026, 4, 27),
        },
    )
    return notice.pk


def _case(p: Pages) -> int:
    """The cadre's 复核 of that notice (issue 17), made once."""
    from kaohe.dueprocess import services as dueprocess_services
    from kaohe.dueprocess.models import Case

    case = Case.objects.filter(notice_id=_notice(p)).first()
    if case is None:
        case = dueprocess_services.review_request(
            actor=p.world.users["cadre"],
            notice_id=_notice(p),
            text="对年度考核等次有异议，请求复核。",
            statement="第三季度的实绩材料未计入。",
            today=dt.date(2026, 4, 22),
        )
    return case.pk


def _publicity(p: Pages) -> tuple[int, int, int]:
    """The year's 公示 (issue 17): its id, its first candidate's, an objection's."""
    from kaohe.dueprocess.models import Objection, Publicity

    publicity = Publicity.objects.get(run=p.annual)
    objection = Objection.objects.get(publicity=publicity)
    return publicity.pk, objection.entry_id, objection.pk


def _team_result(p: Pages) -> int:
    """The bureau's leadership team in a published year (issue 18), made once."""
    from kaohe.performance.models import UnitYearResult
    from kaohe.teams import selectors as team_selectors
    from kaohe.teams import services as team_services
    from kaohe.teams.models import TeamYearResult

    found = TeamYearResult.objects.filter(unit=p.world.bureau, year=2026).first()
    if found is not None:
        return found.pk
    admin = p.world.users["region_admin"]
    region_id = p.world.region.pk
    rows = team_selectors.entry_rows(region_id, 2026)
    for row in rows:
        UnitYearResult.objects.get_or_create(
            unit=row.unit, year=2026, defaults={"computed": Decimal(80 + row.unit.pk % 15)}
        )
    team_services.team_entries_save(
        actor=admin,
        region_id=region_id,
        year=2026,
        rows=[
            team_services.EntryInput(
                unit_id=row.unit.pk,
                shown_version=row.version,
                democratic=Decimal(90),
                leader=Decimal(88),
                public=Decimal(85),
                party=Decimal(92),
                evidence="年度述职评议汇总表",
            )
            for row in rows
        ],
    )
    team_services.team_year_compute(actor=admin, region_id=region_id, year=2026)
    team_services.team_year_publish(actor=admin, region_id=region_id, year=2026)
    return TeamYearResult.objects.get(unit=p.world.bureau, year=2026).pk


def _months(p: Pages) -> tuple[int, int, int]:
    """Unit performance (issue 18): October scored, computed and published, November
    open; their ids and category A's. Made once."""
    from kaohe.performance import selectors as performance_selectors
    from kaohe.performance import services as performance_services
    from kaohe.performance.models import PerformanceMonth
    from kaohe.performance.tests.helpers import cells, setup_months

    november = PerformanceMonth.objects.filter(year=2026, month=11).first()
    if november is None:
        m = setup_months(p.world)
        admin = p.world.users["region_admin"]
        performance_services.month_scores_save(
            actor=admin,
            month=m.month,
            category=m.category,
            unit_ids=[p.world.bureau.pk],
            cells=cells(m, p.world.bureau, invest="35", public="12", evidence="测评"),
            stamp=performance_selectors.grid_stamp(m.month, m.category.pk),
        )
        performance_services.month_compute(actor=admin, month=m.month)
        performance_services.month_publish(actor=admin, month=m.month)
        november = performance_services.month_open(
            actor=admin, region_id=p.world.region.pk, year=2026, month=11
        )
    october = PerformanceMonth.objects.get(year=2026, month=10)
    category = UnitMonthResult.objects.filter(month=october).values_list("category_id", flat=True)[
        0
    ]
    return october.pk, november.pk, category


def _objection_form(p: Pages) -> str:
    publicity_id, entry_id, _objection = _publicity(p)
    return f"/dueprocess/publicity/{publicity_id}/candidates/{entry_id}/object/"


def _findings(p: Pages) -> tuple[int, int]:
    """The ledger (issue 18): 第一督导组 (the supervisor) covers the bureau, where one
    finding waits on the unit and one on the group's verification; made once."""
    from kaohe.supervision import services as supervision
    from kaohe.supervision.models import Finding, FindingState, SupervisionGroup

    group, made = SupervisionGroup.objects.get_or_create(region=p.world.region, name="第一督导组")
    if made:
        group.members.add(p.world.users["supervisor"])
        group.units.add(p.world.bureau)
        for text in ("考核方案未经班子集体研究", "部分纪实记录集中补写"):
            supervision.finding_record(
                actor=p.world.users["supervisor"],
                group_id=group.pk,
                unit_id=p.world.bureau.pk,
                category="scheme",
                severity="general",
                description=text,
                found_on=dt.date(2026, 3, 2),
                uploads=[supervision.Upload("记录.png", b"\x89PNG\r\n\x1a\n0")],
            )
        supervision.rectification_submit(
            actor=p.world.users["unit_admin"],
            finding=Finding.objects.filter(group=group).order_by("pk")[1],
            text="已补写并建立每周检查制度",
            uploads=[supervision.Upload("整改.pdf", b"%PDF-1.4")],
        )
    rows = Finding.objects.filter(group=group)
    return (
        rows.get(state=FindingState.OPEN).pk,
        rows.get(state=FindingState.RECTIFYING).pk,
    )


def _ledger(p: Pages, query: str) -> str:
    _findings(p)
    return f"/supervision/{query}"


def _survey(p: Pages) -> tuple[int, int]:
    """An open survey of the bureau (issue 19) with a window's open link, a paper
    questionnaire awaiting its check and a comment awaiting moderation; made once."""
    from kaohe.core import clock
    from kaohe.surveys import services as surveys
    from kaohe.surveys.models import Channel, Question, Survey, Target

    made = Survey.objects.filter(region=p.world.region).first()
    if made is None:
        admin = p.world.users["region_admin"]
        today = clock.today()
        made = surveys.survey_create(
            actor=admin,
            fields=surveys.SurveyFields(
                name="窗口满意度调查",
                intro="",
                opens_on=today - dt.timedelta(days=5),
                closes_on=today + dt.timedelta(days=20),
            ),
            template="satisfaction",
        )
        target = surveys.target_add(actor=admin, survey=made, unit_id=p.world.bureau.pk)
        surveys.target_add(
            actor=admin, survey=made, unit_id=p.world.bureau.pk, window="社保窗口", open_link=True
        )
        surveys.survey_open(actor=admin, survey=made)
        questions = list(Question.objects.filter(survey=made))
        form = {f"q{q.pk}": ["4" if q.kind.startswith("scale") else "1"] for q in questions}
        texts = [q for q in questions if q.kind == "text"]
        form.update({f"q{q.pk}": ["电话13812345678，办事很快"] for q in texts})
        surveys.paper_enter(actor=p.world.users["unit_admin"], target=target, form=form)
        target.refresh_from_db()
        target.survey.refresh_from_db()
        surveys.response_submit(
            target=target, channel=Channel.OPEN, answers=surveys.parse_answers(questions, form)
        )
    first = Target.objects.filter(survey=made, window="").first()
    assert first is not None
    return made.pk, first.pk


def _year_end(p: Pages) -> str:
    """The year-end grid of a category holding the bureau, with a mark on its year
    (the units' year, issue 18)."""
    from kaohe.org.models import PerformanceCategory, Unit
    from kaohe.performance.models import UnitYearMark

    category, _new = PerformanceCategory.objects.get_or_create(region=p.world.region, name="A类")
    Unit.objects.filter(pk=p.world.bureau.pk).update(performance_category=category)
    UnitYearMark.objects.get_or_create(
        unit=p.world.bureau, year=2026, kind="incentive", reason="区委办〔2026〕12号"
    )
    return f"/performance/year/category/{category.pk}/year-end/?year=2026"


PAGES: list[tuple[str, Builder]] = [
    ("anonymous", lambda p: "/login/"),
    ("cadre", lambda p: "/"),
    ("cadre", lambda p: "/logs/today/"),
    ("cadre", lambda p: "/logs/month/?month=2026-04"),
    ("cadre", lambda p: "/logs/summaries/"),
    ("cadre", lambda p: f"/logs/{p.log.pk}/history/"),
    ("cadre", lambda p: "/reviews/"),
    ("cadre", lambda p: "/scoring/mine/"),
    ("cadre", lambda p: f"/scoring/mine/quarter/{p.result.pk}/"),
    ("cadre", lambda p: "/notifications/"),
    ("cadre", lambda p: "/outcomes/archive/mine/"),
    ("cadre", lambda p: f"/outcomes/archive/{p.world.people['cadre'].pk}/2026/"),
    ("cadre", lambda p: "/password/"),
    ("cadre", lambda p: f"/dueprocess/notices/{_notice(p)}/review/"),
    ("cadre", lambda p: f"/dueprocess/cases/{_case(p)}/"),
    ("cadre", lambda p: "/dueprocess/cases/mine/"),
    ("cadre", lambda p: f"/dueprocess/publicity/{_publicity(p)[0]}/"),
    ("cadre", lambda p: _objection_form(p)),
    ("cadre", lambda p: f"/dueprocess/notices/{_notice(p)}/"),
    ("unit_head", lambda p: "/"),
    ("unit_head", lambda p: "/logs/feed/"),
    ("unit_head", lambda p: "/reviews/"),
    ("unit_head", lambda p: f"/reviews/ballots/{p.ballot.pk}/"),
    ("unit_head", lambda p: "/scoring/"),
    ("unit_head", lambda p: f"/scoring/quarters/{p.quarter.pk}/units/{p.world.bureau.pk}/"),
    ("unit_head", lambda p: f"/schemes/entry/{p.world.bureau.pk}/2026/1/"),
    ("unit_head", lambda p: f"/outcomes/consequences/{_consequence(p)}/"),
    ("unit_head", lambda p: "/outcomes/consequences/"),
    ("unit_head", lambda p: "/outcomes/lists/"),
    ("unit_head", lambda p: "/outcomes/lists/promotion/"),
    ("unit_head", lambda p: "/outcomes/"),
    ("unit_head", lambda p: "/dueprocess/notices/overdue/"),
    ("unit_head", lambda p: f"/performance/year/unit/{p.world.bureau.pk}/?year=2026"),
    ("supervisor", lambda p: "/"),
    ("supervisor", lambda p: "/logs/compliance/"),
    ("unit_admin", lambda p: "/"),
    ("unit_admin", lambda p: "/org/roster/"),
    ("region_admin", lambda p: "/"),
    ("region_admin", lambda p: "/logs/feed/"),
    ("region_admin", lambda p: "/logs/compliance/"),
    ("region_admin", lambda p: "/reviews/rounds/"),
    ("region_admin", lambda p: f"/reviews/rounds/{p.open_round.pk}/"),
    (
        "region_admin",
        lambda p: f"/reviews/rounds/{p.closed_round.pk}/units/{p.world.bureau.pk}/results/",
    ),
    ("region_admin", lambda p: "/schemes/"),
    ("region_admin", lambda p: f"/schemes/{p.version.scheme_id}/v{p.version.number}/"),
    ("region_admin", lambda p: "/scoring/"),
    ("region_admin", lambda p: f"/scoring/quarters/{p.quarter.pk}/"),
    ("region_admin", lambda p: f"/scoring/years/{p.annual.pk}/"),
    ("region_admin", lambda p: "/org/units/"),
    ("region_admin", lambda p: f"/org/units/{p.world.bureau.pk}/"),
    ("region_admin", lambda p: f"/org/people/{p.world.people['cadre'].pk}/"),
    ("region_admin", lambda p: "/audit/"),
    ("region_admin", lambda p: "/conduct/"),
    ("region_admin", lambda p: "/conduct/?show=absence"),
    ("region_admin", lambda p: "/conduct/discipline/new/"),
    ("region_admin", lambda p: "/conduct/absences/new/"),
    ("region_admin", lambda p: "/outcomes/import/"),
    ("region_admin", lambda p: "/outcomes/"),
    ("region_admin", lambda p: f"/scoring/years/{p.annual.pk}/publish/"),
    ("region_admin", lambda p: "/outcomes/consequences/?state=all"),
    ("region_admin", lambda p: "/notifications/"),
    ("region_admin", lambda p: "/outcomes/archive/?year=2026"),
    ("region_admin", lambda p: f"/outcomes/archive/{p.world.people['cadre'].pk}/2026/"),
    ("region_admin", lambda p: "/dueprocess/cases/docket/review/"),
    ("region_admin", lambda p: f"/dueprocess/cases/{_case(p)}/"),
    ("region_admin", lambda p: f"/dueprocess/publicity/{_publicity(p)[0]}/"),
    ("region_admin", lambda p: "/dueprocess/objections/"),
    ("region_admin", lambda p: f"/dueprocess/objections/{_publicity(p)[2]}/"),
    ("supervisor", lambda p: _ledger(p, f"?unit={p.world.bureau.pk}")),
    ("supervisor", lambda p: "/supervision/findings/new/"),
    ("supervisor", lambda p: f"/supervision/findings/{_findings(p)[1]}/"),
    ("unit_admin", lambda p: f"/supervision/findings/{_findings(p)[0]}/"),
    ("region_admin", lambda p: _ledger(p, "?overdue=1")),
    ("region_admin", lambda p: "/admin/"),
    ("region_admin", lambda p: f"/teams/?year=2026&made={_team_result(p)}"),
    ("region_admin", lambda p: "/teams/entry/?year=2026"),
    ("unit_head", lambda p: f"/teams/result/{_team_result(p)}/"),
    ("unit_head", lambda p: "/teams/?year=2026"),
    ("region_admin", lambda p: "/performance/months/"),
    ("region_admin", lambda p: f"/performance/months/{_months(p)[0]}/"),
    (
        "region_admin",
        lambda p: f"/performance/months/{_months(p)[1]}/categories/{_months(p)[2]}/scores/",
    ),
    ("region_admin", lambda p: f"/performance/months/{_months(p)[0]}/categories/{_months(p)[2]}/"),
    ("region_admin", lambda p: f"/performance/months/{_months(p)[0]}/rewards/"),
    ("unit_admin", lambda p: f"/performance/months/{_months(p)[1]}/units/{p.world.bureau.pk}/"),
    ("unit_head", lambda p: f"/performance/months/{_months(p)[0]}/units/{p.world.bureau.pk}/"),
    ("unit_head", lambda p: f"/performance/lead/{p.world.bureau.pk}/?year=2026"),
    ("region_admin", _year_end),
    ("region_admin", lambda p: "/performance/year/?year=2026"),
    ("region_admin", lambda p: f"/performance/year/unit/{p.world.bureau.pk}/?year=2026"),
    ("region_admin", lambda p: "/performance/year/marks/?year=2026"),
    ("region_admin", lambda p: f"/surveys/?made={_survey(p)[0]}"),
    ("region_admin", lambda p: "/surveys/new/"),
    ("region_admin", lambda p: f"/surveys/{_survey(p)[0]}/"),
    ("region_admin", lambda p: f"/surveys/{_survey(p)[0]}/checks/"),
    ("region_admin", lambda p: f"/surveys/{_survey(p)[0]}/comments/"),
    ("unit_admin", lambda p: f"/surveys/{_survey(p)[0]}/targets/{_survey(p)[1]}/paper/"),
    ("region_admin", lambda p: f"/surveys/results/?made={_survey_results(p)}"),
    ("region_admin", lambda p: f"/surveys/results/{_survey_results(p)}/"),
    ("unit_admin", lambda p: f"/surveys/results/?made={_survey_results(p)}"),
    (
        "unit_admin",
        lambda p: f"/surveys/results/units/{p.world.bureau.pk}/?made={_survey_results(p)}",
    ),
]
# Not /api/docs: a developer's page drawn by Swagger UI, whose own markup nests controls
# (axe nested-interactive) and whose colours are its own; tests/browser/test_own_host.py
# checks that it renders from our files.


@pytest.fixture
def pages(big: World, graded: QuarterRun, drafted: SchemeVersion, settings: Settings) -> Pages:
    """A year in progress: Q1 graded, confirmed and published, Q2's round open, the
    year computed, an approved scheme, a month of logs."""
    from kaohe.scoring import guards
    from kaohe.scoring.tests.fixtures import year_ready
    from kaohe.scoring.tests.test_annual import publish_quarters

    settings.KAOHE_TODAY = dt.date(2026, 4, 30)
    admin = big.users["region_admin"]
    closed = ReviewRound.objects.get(year=2026, number=1, cadence="quarterly")
    # The fixture's round holds results only; its results page needs the unit's entry.
    RoundUnit.objects.create(round=closed, unit=big.bureau, leader_weight=30, team_weight=20)
    scoring_services.quarter_confirm(actor=admin, run=graded)
    scoring_services.quarter_publish(
        actor=admin, run=graded, confirmation=guards.publish_token(graded)
    )
    scheme_services.version_submit(actor=big.users["unit_admin"], version=drafted)
    scheme_services.version_approve(actor=admin, version=drafted)
    cadre = big.people["cadre"]
    WorkLog.objects.bulk_create(
        WorkLog(
            region=big.region,
            person=cadre,
            unit=big.bureau,
            day=dt.date(2026, 4, 1) + dt.timedelta(days=i),
            content=f"日常窗口服务，办理社保业务第{i + 1}天",
            timeliness=Timeliness.ON_TIME,
        )
        for i in range(0, 29, 2)
    )
    result = QuarterResult.objects.get(run=graded, person=cadre)
    # A discipline record and an absence, so the conduct lists have a row each.
    DisciplineRecord.objects.create(
        region=big.region,
        person=cadre,
        kind="warning",
        start=dt.date(2026, 3, 2),
        document="区纪发〔2026〕3号",
    )
    AbsenceRecord.objects.create(
        region=big.region,
        person=cadre,
        kind="leave",
        start=dt.date(2026, 3, 9),
        end=dt.date(2026, 3, 13),
        days=Decimal(5),
    )
    # Q2–Q4 published copies of Q1, so the year can be computed.
    publish_quarters(big, graded)
    year_ready(big, 2026)
    annual = scoring_services.annual_compute(actor=admin, region=big.region, year=2026)
    # The year frozen into the archive as its publish would (the run itself stays
    # computed for the pages above that need it).
    archive_year(run=annual)
    # Its 公示, running on the page's day, with an objection to answer.
    from kaohe.dueprocess import services as dueprocess_services

    publicity = dueprocess_services.publicity_start(
        actor=admin, run=annual, today=dt.date(2026, 4, 30)
    )
    dueprocess_services.objection_raise(
        actor=big.users["cadre"],
        entry=publicity.entries.order_by("pk")[0],
        text="该同志年内曾迟报工作日志",
        anonymous=True,
        today=dt.date(2026, 4, 30),
    )
    # The year's evaluation made way for one still open (the ballot pages need it).
    ReviewRound.objects.filter(year=2026, cadence=ReviewRound.Cadence.ANNUAL).delete()
    QuarterRun.objects.filter(pk=graded.pk).update(state=RunState.PUBLISHED)
    q2 = review_services.round_create(
        actor=admin,
        region=big.region,
        year=2026,
        number=1,  # the quarters' numbers are taken by the published copies above
        starts_on=dt.date(2026, 4, 20),
        ends_on=dt.date(2026, 5, 10),
        cadence=ReviewRound.Cadence.ANNUAL,
    )
    review_services.round_open(actor=admin, round_=q2)
    return Pages(
        world=big,
        quarter=graded,
        annual=annual,
        open_round=q2,
        closed_round=closed,
        ballot=RoundUnit.objects.get(round=q2, unit=big.bureau),
        version=drafted,
        log=WorkLog.objects.filter(person=cadre).latest("day"),
        result=result,
    )


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def serious(results: dict[str, Any]) -> list[str]:
    """One line per failing node: rule, impact, what is wrong and where."""
    lines = []
    for violation in results.get("violations", []):
        for node in violation["nodes"]:
            impact = node.get("impact") or violation.get("impact")
            if impact in FAILING:
                lines.append(
                    f"{violation['id']} ({impact}): {violation['help']}\n"
                    f"    at {node['target']}: {node.get('failureSummary', '')[:300]}"
                )
    return lines


def test_no_page_has_a_serious_accessibility_violation(
    browser: Browser, live_server: LiveServer, pages: Pages
) -> None:
    axe = Axe()
    found: list[str] = []
    visited = 0
    for persona, entries in groupby(PAGES, key=lambda entry: entry[0]):
        page = browser.new_page()
        if persona != "anonymous":
            log_in(page, live_server.url, persona)
        for _persona, build in entries:
            path = build(pages)
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, (persona, path, response)
            results = axe.run(page).response
            visited += 1
            found += [f"{persona} {path}: {line}" for line in serious(results)]
        page.context.close()
    assert visited == len(PAGES)
    assert not found, "\n".join(found)
