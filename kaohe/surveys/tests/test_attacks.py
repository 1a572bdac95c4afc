"""The holes a hostile review found in 民评, kept as tests: each attack now fails.

(The open link's challenge and throttles have theirs in test_public.py.)
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from kaohe.accounts.models import Role, User
from kaohe.accounts.services import role_grant
from kaohe.surveys import results, services
from kaohe.surveys.errors import SurveyErrorCode
from kaohe.surveys.models import Answer, IndexKind, Question, QuestionKind, Response, SurveyState
from kaohe.surveys.tests.test_office import answers_form, opened
from kaohe.surveys.tests.test_public import TODAY, answers, build_place, code_url
from kaohe.surveys.tests.test_results import make_survey, respond
from kaohe.testing import World, refused

pytestmark = pytest.mark.django_db


def test_a_survey_below_k_is_not_pooled_into_the_month(world: World) -> None:
    # Survey A is shown on its own (10 responses, all favourable); survey B has one
    # response. Pooled, the month's points would read B's lone answer by difference.
    a = make_survey(world, name="A")
    b = make_survey(world, name="B")
    respond(a, "bureau", [5] * 10, [10] * 10)
    respond(b, "bureau", [1], [1])
    got = results.unit_month_indices(world.region.pk, 2026, 10)[world.bureau.pk]
    assert got.n == 10 and got.survey_names == ("A",) and got.index == 100


def test_an_open_survey_shows_no_index_that_a_second_read_could_difference(
    world: World, settings: Settings
) -> None:
    settings.KAOHE_TODAY = dt.date(2026, 10, 20)
    r = make_survey(world, state=SurveyState.OPEN)
    respond(r, "bureau", [5] * 10, [10] * 10)
    unit_admin = world.users["unit_admin"]
    before = results.unit_results(unit_admin, world.bureau.pk).rows[0].result
    respond(r, "window", [1], [10])
    after = results.unit_results(unit_admin, world.bureau.pk).rows[0].result
    assert (before.n, after.n) == (10, 11)
    assert not before.shown and before.overall is None and before.indices == ()
    assert not after.shown and after.overall is None and after.indices == ()
    r.survey.state = SurveyState.CLOSED
    r.survey.save(update_fields=["state"])
    closed = results.unit_results(unit_admin, world.bureau.pk).rows[0].result
    assert closed.shown and closed.overall is not None


def test_an_index_kind_answered_by_fewer_than_k_is_not_shown(world: World) -> None:
    r = make_survey(world)
    q = Question.objects.create(
        survey=r.survey,
        position=9,
        text="安全吗",
        kind=QuestionKind.SCALE5,
        index=IndexKind.SECURITY,
        required=False,
    )
    respond(r, "bureau", [5] * 10, [10] * 10)
    lone = Response.objects.filter(target=r.targets["bureau"]).first()
    assert lone is not None
    Answer.objects.create(response=lone, question=q, value=1)
    tally = results.unit_tallies(results.tallies([r.survey.pk]))[(r.survey.pk, world.bureau.pk)]
    shown = results.result_of(tally, 10)
    assert shown.overall is not None and shown.of(IndexKind.SECURITY) is None


def test_an_index_question_is_always_required(world: World, settings: Settings) -> None:
    settings.KAOHE_TODAY = TODAY
    survey = services.survey_create(
        actor=world.users["region_admin"],
        fields=services.SurveyFields(
            name="空白调查", intro="", opens_on=TODAY, closes_on=TODAY + dt.timedelta(days=5)
        ),
        template="",
    )
    q = services.question_save(
        actor=world.users["region_admin"],
        survey=survey,
        text="您感到安全吗？",
        kind=QuestionKind.SCALE5,
        index=IndexKind.SECURITY,
        required=False,
    )
    assert q.required


def test_the_rated_unit_cannot_check_its_own_paper(world: World, settings: Settings) -> None:
    settings.KAOHE_TODAY = TODAY
    survey, target = opened(world)
    mate = User.objects.create_user(username="mate", password="x", region=world.region)
    office = world.users["region_admin"]
    role_grant(actor=office, user=mate, role=Role.UNIT_ADMIN, unit=world.bureau)
    typed = services.paper_enter(
        actor=world.users["unit_admin"], target=target, form=answers_form(survey, "5")
    )
    with refused(SurveyErrorCode.NOT_OFFICE):
        services.paper_check(actor=mate, response=typed)
    assert not Response.objects.filter(target=target, counted=True).exists()


def test_no_paper_check_after_the_survey_closes(world: World, settings: Settings) -> None:
    settings.KAOHE_TODAY = TODAY
    survey, target = opened(world)
    typed = services.paper_enter(
        actor=world.users["unit_admin"], target=target, form=answers_form(survey)
    )
    services.survey_close(actor=world.users["region_admin"], survey=survey)
    with refused(SurveyErrorCode.WRONG_STATE):
        services.paper_check(actor=world.users["region_admin"], response=typed)
    typed.refresh_from_db()
    assert not typed.counted


def test_a_digit_of_another_script_is_refused_not_a_server_error(
    world: World, settings: Settings
) -> None:
    settings.KAOHE_TODAY = TODAY
    place = build_place(world)
    client = Client(raise_request_exception=False)
    for digit in ("\u00b2", "\u0661", "\uff14"):  # ², Arabic-Indic one, full-width four
        form = {**answers(place), f"q{place.questions[0].pk}": digit}
        assert client.post(code_url(place.codes[0]), form).status_code == 400
    office = Client(raise_request_exception=False)
    office.force_login(world.users["region_admin"])
    page = office.post(
        "/surveys/new/",
        {
            "template": "satisfaction",
            "name": "测试调查",
            "intro": "",
            "opens_on": "2026-11-20",
            "closes_on": "2026-11-30",
            "year": "2026",
            "month": "\u00b9",
        },
    )
    assert page.status_code in (200, 400)


def test_answers_and_comments_have_random_keys(world: World, settings: Settings) -> None:
    settings.KAOHE_TODAY = TODAY
    place = build_place(world)
    for code in place.codes:
        Client().post(code_url(code), answers(place))
    # Ordered by their keys, the responses come in no order tied to their arrival: the
    # keys are random UUIDs, none a sequence.
    for model in (Response, Answer):
        assert model._meta.pk is not None
        assert model._meta.pk.get_internal_type() == "UUIDField"
