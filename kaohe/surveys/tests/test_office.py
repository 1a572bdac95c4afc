"""The survey office: who sees which survey (404 outside), the survey's states, codes
kept as digests and answering once, paper questionnaires counted only after a second
person's check, the moderation's suggested text, the code sheet's PDF and the
templates' questions."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader
from pytest_django.fixtures import Settings

from kaohe.core.models import AuditEvent
from kaohe.surveys import selectors, services
from kaohe.surveys.errors import SurveyErrorCode
from kaohe.surveys.models import (
    Channel,
    Comment,
    CommentState,
    IndexKind,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyState,
    Target,
    Token,
)
from kaohe.surveys.templates import TEMPLATES
from kaohe.testing import World, refused

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def today(settings: Settings) -> dt.date:
    settings.KAOHE_TODAY = TODAY
    return TODAY


def make_survey(
    world: World, template: str = "satisfaction", name: str = "窗口满意度调查"
) -> Survey:
    return services.survey_create(
        actor=world.users["region_admin"],
        fields=services.SurveyFields(
            name=name,
            intro="",
            opens_on=dt.date(2026, 11, 1),
            closes_on=dt.date(2026, 11, 30),
            year=2026,
            month=11,
        ),
        template=template,
    )


def opened(world: World) -> tuple[Survey, Target]:
    survey = make_survey(world)
    target = services.target_add(
        actor=world.users["region_admin"], survey=survey, unit_id=world.bureau.pk
    )
    services.survey_open(actor=world.users["region_admin"], survey=survey)
    survey.refresh_from_db()
    target.refresh_from_db()
    return survey, target


def answers_form(survey: Survey, value: str = "5", text: str = "") -> dict[str, list[str]]:
    form: dict[str, list[str]] = {}
    for q in Question.objects.filter(survey=survey):
        if q.kind == QuestionKind.TEXT:
            form[f"q{q.pk}"] = [text]
        elif q.kind in (QuestionKind.SCALE5, QuestionKind.SCALE10):
            form[f"q{q.pk}"] = [value]
        else:
            form[f"q{q.pk}"] = ["1"]
    return form


def test_templates_make_their_questions(world: World, today: dt.date) -> None:
    for key, template in TEMPLATES.items():
        survey = make_survey(world, key, name=f"调查{key}")
        questions = list(Question.objects.filter(survey=survey).order_by("position"))
        assert 5 <= len(questions) <= 7
        assert [q.position for q in questions] == list(range(1, len(questions) + 1))
        scale = [q for q in questions if q.kind == QuestionKind.SCALE5]
        assert 4 <= len(scale) <= 6
        assert {q.index for q in scale} == {key}, key
        assert key in IndexKind.values
        free = [q for q in questions if q.kind == QuestionKind.TEXT]
        assert [q.text for q in free] == ["意见和建议"]
        assert all(not q.text.isascii() for q in questions)  # stored in Chinese
        assert survey.intro and not survey.intro.isascii()
        assert len(template.questions) == len(questions)
    choice = Question.objects.get(survey__name="调查satisfaction", kind=QuestionKind.SINGLE)
    assert len(choice.choices) == 4


def test_scoping(world: World, today: dt.date, client_as: Callable[[str], Client]) -> None:
    survey, target = opened(world)
    town_survey = make_survey(world, name="城关镇安全感调查")
    services.target_add(
        actor=world.users["region_admin"], survey=town_survey, unit_id=world.town.pk
    )
    page = reverse("surveys:survey", args=[survey.pk])
    assert client_as("region_admin").get(reverse("surveys:list")).status_code == 200
    assert client_as("region_admin").get(page).status_code == 200
    # Another region's office, a cadre: 404 on every page of the survey.
    for persona in ("other_admin", "cadre", "unit_head"):
        client = client_as(persona)
        assert client.get(page).status_code == 404, persona
        assert client.get(reverse("surveys:checks", args=[survey.pk])).status_code == 404
        assert client.get(reverse("surveys:paper", args=[survey.pk, target.pk])).status_code == 404
        assert client.get(reverse("surveys:moderation", args=[survey.pk])).status_code == 404
    assert client_as("cadre").get(reverse("surveys:list")).status_code == 404
    assert client_as("cadre").get(reverse("surveys:create")).status_code == 404
    assert client_as("public").get(page).status_code == 302
    # The bureau's administrator reaches the bureau's paper entry, not the town's survey,
    # and not the office's acts.
    unit_admin = world.users["unit_admin"]
    assert set(selectors.visible_surveys(unit_admin)) == {survey}
    assert client_as("unit_admin").get(page).status_code == 200
    assert (
        client_as("unit_admin")
        .get(reverse("surveys:paper", args=[survey.pk, target.pk]))
        .status_code
        == 200
    )
    assert (
        client_as("unit_admin").get(reverse("surveys:survey", args=[town_survey.pk])).status_code
        == 404
    )
    assert (
        client_as("unit_admin").get(reverse("surveys:moderation", args=[survey.pk])).status_code
        == 404
    )
    assert (
        client_as("unit_admin").post(reverse("surveys:close", args=[survey.pk])).status_code == 404
    )
    assert set(selectors.visible_surveys(world.users["other_admin"])) == set()
    # A target of another survey is not reachable through this one.
    other_target = Target.objects.get(survey=town_survey)
    url = reverse("surveys:paper", args=[survey.pk, other_target.pk])
    assert client_as("region_admin").get(url).status_code == 404


def test_state_machine(world: World, today: dt.date) -> None:
    admin = world.users["region_admin"]
    survey = make_survey(world)
    with refused(SurveyErrorCode.WRONG_STATE):
        services.survey_open(actor=admin, survey=survey)  # no unit yet
    with refused(SurveyErrorCode.WRONG_STATE):
        services.survey_close(actor=admin, survey=survey)  # not open
    with refused(SurveyErrorCode.NOT_OFFICE):
        services.survey_open(actor=world.users["unit_admin"], survey=survey)
    with refused(SurveyErrorCode.NOT_OFFICE):
        services.survey_open(actor=world.users["other_admin"], survey=survey)
    q = services.question_save(
        actor=admin, survey=survey, text="办事是否便捷？", kind="scale5", index="satisfaction"
    )
    assert q.position == Question.objects.filter(survey=survey).count()
    services.question_delete(
        actor=admin, survey=survey, question=Question.objects.get(survey=survey, position=1)
    )
    assert list(Question.objects.filter(survey=survey).values_list("position", flat=True)) == list(
        range(1, Question.objects.filter(survey=survey).count() + 1)
    )
    with refused(SurveyErrorCode.BAD_QUESTION):
        services.question_save(
            actor=admin, survey=survey, text="意见", kind="text", index="security"
        )
    with refused(SurveyErrorCode.BAD_QUESTION):
        services.question_save(
            actor=admin, survey=survey, text="来源", kind="single", choices="只有一个"
        )
    target = services.target_add(actor=admin, survey=survey, unit_id=world.bureau.pk)
    with refused(SurveyErrorCode.BAD_TARGET):
        services.target_add(actor=admin, survey=survey, unit_id=world.foreign_unit.pk)
    with refused(SurveyErrorCode.BAD_TARGET):  # the town's cadre does not work in the bureau
        services.target_add(
            actor=admin,
            survey=survey,
            unit_id=world.bureau.pk,
            person_id=world.people["town_cadre"].pk,
        )
    named = services.target_add(
        actor=admin, survey=survey, unit_id=world.bureau.pk, person_id=world.people["cadre"].pk
    )
    assert named.person == world.people["cadre"]
    services.survey_open(actor=admin, survey=survey)
    survey.refresh_from_db()
    assert survey.state == SurveyState.OPEN
    with refused(SurveyErrorCode.WRONG_STATE):
        services.question_save(actor=admin, survey=survey, text="新问题", kind="scale5")
    with refused(SurveyErrorCode.WRONG_STATE):
        services.question_delete(actor=admin, survey=survey, question=q)
    with refused(SurveyErrorCode.WRONG_STATE):
        services.target_remove(actor=admin, target=named)
    with refused(SurveyErrorCode.WRONG_STATE):
        services.survey_open(actor=admin, survey=survey)
    window = services.target_add(
        actor=admin, survey=survey, unit_id=world.bureau.pk, window="社保窗口", open_link=True
    )
    assert len(window.open_key) >= 20
    services.survey_close(actor=admin, survey=survey)
    survey.refresh_from_db()
    assert survey.state == SurveyState.CLOSED
    target.refresh_from_db()
    with refused(SurveyErrorCode.CLOSED):
        services.response_submit(
            target=target, channel=Channel.OPEN, answers=services.parse_answers([], {})
        )
    with refused(SurveyErrorCode.WRONG_STATE):
        services.tokens_issue(actor=admin, target=target, count=3)
    actions = set(
        AuditEvent.objects.filter(object_id=str(survey.pk)).values_list("action", flat=True)
    )
    assert {"surveys.survey.save", "surveys.survey.open", "surveys.survey.close"} <= actions


def test_codes_are_digests_and_answer_once(world: World, today: dt.date) -> None:
    admin = world.users["region_admin"]
    survey, target = opened(world)
    with refused(SurveyErrorCode.BAD_COUNT):
        services.tokens_issue(actor=admin, target=target, count=501)
    with refused(SurveyErrorCode.BAD_COUNT):
        services.tokens_issue(actor=admin, target=target, count=0)
    codes = services.tokens_issue(actor=admin, target=target, count=5)
    assert len(set(codes)) == 5
    stored = set(Token.objects.filter(target=target).values_list("digest", flat=True))
    assert stored == {hashlib.sha256(c.encode()).hexdigest() for c in codes}
    assert not stored & set(codes)
    event = AuditEvent.objects.get(action="surveys.tokens.issue")
    assert all(c not in str(event.details) for c in codes)
    questions = list(Question.objects.filter(survey=survey))
    parsed = services.parse_answers(questions, answers_form(survey))
    for code in codes:
        services.response_submit(target=target, channel=Channel.TOKEN, answers=parsed, token=code)
        with refused(SurveyErrorCode.CODE_USED):
            services.response_submit(
                target=target, channel=Channel.TOKEN, answers=parsed, token=code
            )
    assert Response.objects.filter(target=target, counted=True).count() == 5
    assert not Token.objects.filter(target=target, used=False).exists()


def test_paper_needs_a_second_person(
    world: World, today: dt.date, client_as: Callable[[str], Client]
) -> None:
    admin, unit_admin = world.users["region_admin"], world.users["unit_admin"]
    survey, target = opened(world)
    form = answers_form(survey, "4", "窗口工作人员态度很好")
    # The bureau's administrator types it; the survey office checks it, never the rated
    # unit (two of its administrators could otherwise type and check each other's).
    response = services.paper_enter(actor=unit_admin, target=target, form=form)
    assert response.channel == Channel.PAPER and not response.counted
    assert response.entered_by == unit_admin
    with refused(SurveyErrorCode.NOT_OFFICE):
        services.paper_check(actor=unit_admin, response=response)
    with refused(SurveyErrorCode.NOT_OFFICE):
        services.paper_check(actor=world.users["cadre"], response=response)
    checks = reverse("surveys:checks", args=[survey.pk])
    client_as("unit_admin").post(checks, {"response": str(response.pk), "act": "confirm"})
    response.refresh_from_db()
    assert not response.counted
    assert selectors.pending_comments(admin, survey).count() == 0  # not counted yet
    # The office checks it on the page: it counts from then.
    page = client_as("region_admin").get(checks)
    assert page.status_code == 200 and "窗口工作人员态度很好" in page.content.decode()
    done = client_as("region_admin").post(checks, {"response": str(response.pk), "act": "confirm"})
    assert done.status_code == 302
    response.refresh_from_db()
    assert response.counted and response.checked_by == admin
    with refused(SurveyErrorCode.ALREADY_CHECKED):
        services.paper_check(actor=admin, response=response)
    assert selectors.pending_comments(admin, survey).count() == 1
    # One typed by the office itself: not checked by the same person; discarded; a bad
    # id is a 404.
    other = services.paper_enter(actor=admin, target=target, form=form)
    with refused(SurveyErrorCode.SAME_PERSON):
        services.paper_check(actor=admin, response=other)
    # A unit's administrator lists only what they typed themselves.
    assert str(other.pk) not in client_as("unit_admin").get(checks).content.decode()
    assert (
        client_as("region_admin")
        .post(checks, {"response": str(other.pk), "act": "discard"})
        .status_code
        == 302
    )
    assert not Response.objects.filter(pk=other.pk).exists()
    assert client_as("region_admin").post(checks, {"response": "nonsense"}).status_code == 404
    # The paper form itself: a missing answer is refused in place, a full one entered.
    entry = reverse("surveys:paper", args=[survey.pk, target.pk])
    assert client_as("unit_admin").post(entry, {}).status_code == 400
    assert client_as("unit_admin").post(entry, form).status_code == 302
    assert Response.objects.filter(target=target, channel=Channel.PAPER, counted=False).count() == 1
    # No audit row names a response.
    ids = {str(r) for r in Response.objects.values_list("pk", flat=True)} | {
        str(response.pk),
        str(other.pk),
    }
    for event in AuditEvent.objects.filter(action__startswith="surveys."):
        assert event.object_id not in ids and not any(i in str(event.details) for i in ids)


def test_moderation_suggests_without_phone_and_name(
    world: World, today: dt.date, client_as: Callable[[str], Client]
) -> None:
    names = selectors.region_names(world.region.pk)
    text = "张小明态度差，电话13812345678，座机0571-87654321，身份证110101199003071234"
    suggested = selectors.suggested_text(text, names)
    for gone in ("张小明", "13812345678", "87654321", "110101199003071234"):
        assert gone not in suggested
    assert "某某" in suggested and "态度差" in suggested
    assert selectors.suggested_text("办事很快，三天办完", names) == "办事很快，三天办完"
    survey, target = opened(world)
    services.response_submit(
        target=target,
        channel=Channel.OPEN,
        answers=services.parse_answers(
            list(Question.objects.filter(survey=survey)), answers_form(survey, text=text)
        ),
    )
    comment = Comment.objects.get()
    url = reverse("surveys:moderation", args=[survey.pk])
    page = client_as("region_admin").get(url).content.decode()
    assert suggested in page
    assert client_as("unit_admin").get(url).status_code == 404
    client_as("region_admin").post(
        url, {"comment": comment.pk, "text": "某某态度差", "act": "release"}
    )
    comment.refresh_from_db()
    assert comment.state == CommentState.RELEASED and comment.released_text == "某某态度差"
    assert comment.moderated_by == world.users["region_admin"]
    # Moderated once: no longer in the queue.
    assert (
        client_as("region_admin").post(url, {"comment": comment.pk, "act": "withhold"}).status_code
        == 404
    )


def test_code_sheet_pdf_names_survey_and_unit(
    world: World, today: dt.date, client_as: Callable[[str], Client]
) -> None:
    survey, target = opened(world)
    url = reverse("surveys:codes", args=[survey.pk, target.pk])
    response = client_as("region_admin").post(url, {"count": "14"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 2  # twelve a page
    text = "".join(page.extract_text() for page in reader.pages)
    assert survey.name in text and world.bureau.name in text
    assert Token.objects.filter(target=target).count() == 14
    assert client_as("region_admin").post(url, {"count": "x"}).status_code == 400
    assert client_as("unit_admin").post(url, {"count": "3"}).status_code == 404


def test_window_qr_and_pages(
    world: World, today: dt.date, client_as: Callable[[str], Client]
) -> None:
    admin = client_as("region_admin")
    page = admin.post(
        reverse("surveys:create"),
        {
            "template": "security",
            "name": "社区安全感调查",
            "opens_on": "2026-11-01",
            "closes_on": "2026-11-30",
            "year": "",
            "month": "",
            "group": "",
        },
    )
    assert page.status_code == 302
    survey = Survey.objects.get(name="社区安全感调查")
    url = reverse("surveys:target_add", args=[survey.pk])
    assert (
        admin.post(
            url, {"unit": world.town.pk, "window": "便民服务窗口", "open_link": "1"}
        ).status_code
        == 302
    )
    target = Target.objects.get(survey=survey)
    svg = admin.get(reverse("surveys:window_qr", args=[survey.pk, target.pk]))
    assert svg.status_code == 200 and svg.content.lstrip().startswith(b"<?xml")
    shown = admin.get(reverse("surveys:survey", args=[survey.pk])).content.decode()
    assert target.open_key in shown and "便民服务窗口" in shown
    assert admin.post(reverse("surveys:open", args=[survey.pk])).status_code == 302
    assert admin.get(reverse("surveys:paper", args=[survey.pk, target.pk])).status_code == 200
    bad = admin.post(reverse("surveys:create"), {"name": "x", "opens_on": "2026-13-01"})
    assert bad.status_code == 400


def test_settings_change_until_closed(
    world: World, today: dt.date, client_as: Callable[[str], Client]
) -> None:
    survey, _target = opened(world)
    url = reverse("surveys:edit", args=[survey.pk])
    admin = client_as("region_admin")
    assert admin.get(url).status_code == 200
    assert client_as("unit_admin").get(url).status_code == 404
    form = {
        "name": "窗口满意度调查（延期）",
        "intro": "",
        "opens_on": "2026-11-01",
        "closes_on": "2026-12-15",
        "year": "2026",
        "month": "",
        "group": "",
    }
    assert admin.post(url, form).status_code == 400  # a year without its month
    form["month"] = "11"
    assert admin.post(url, form).status_code == 302
    survey.refresh_from_db()
    assert survey.closes_on == dt.date(2026, 12, 15) and survey.name.endswith("（延期）")
    services.survey_close(actor=world.users["region_admin"], survey=survey)
    assert admin.get(url).status_code == 404
    with refused(SurveyErrorCode.WRONG_STATE):
        services.survey_update(
            actor=world.users["region_admin"],
            survey=survey,
            fields=services.SurveyFields(
                name="改名", intro="", opens_on=survey.opens_on, closes_on=survey.closes_on
            ),
        )
