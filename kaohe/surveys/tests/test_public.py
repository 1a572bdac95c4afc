"""The respondent's pages: a household code answers once (also two at the same moment),
an open link's device and address limits, its minimum time and challenge, what a
stored response keeps (nothing of the respondent), the page's weight, a closed survey."""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.db import connection, models
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from kaohe.core import logs, sql
from kaohe.core.errors import ApplicationError
from kaohe.surveys import public, views_public
from kaohe.surveys.errors import SurveyErrorCode
from kaohe.surveys.models import (
    Answer,
    Channel,
    Comment,
    IndexKind,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyPolicy,
    SurveyState,
    Target,
    Throttle,
    Token,
)
from kaohe.surveys.services import new_token, parse_answers, response_submit, token_digest
from kaohe.testing import World

TODAY = dt.date(2026, 11, 20)
OPEN_KEY = "window-key-0001"
WEIGHT_LIMIT = 150 * 1024


@dataclass
class Place:
    world: World
    survey: Survey
    target: Target  # the bureau's 社保窗口, with an open link and household codes
    questions: list[Question]
    codes: list[str]


def build_place(world: World) -> Place:
    survey = Survey.objects.create(
        region=world.region,
        name="2026年度群众满意度调查",
        intro="请根据您的亲身感受作答。",
        state=SurveyState.OPEN,
        opens_on=TODAY - dt.timedelta(days=10),
        closes_on=TODAY + dt.timedelta(days=10),
    )
    specs: list[tuple[str, str, str, list[str], bool]] = [
        ("您对窗口的办事效率满意吗？", QuestionKind.SCALE5, IndexKind.SATISFACTION, [], True),
        ("您在本地生活感到安全吗？", QuestionKind.SCALE10, IndexKind.SECURITY, [], True),
        ("您是第一次来办事吗？", QuestionKind.SINGLE, "", ["是", "否"], True),
        ("您通过哪些渠道了解办事流程？", QuestionKind.MULTIPLE, "", ["窗口", "电话", "网上"], True),
        ("您还有什么意见建议？", QuestionKind.TEXT, "", [], False),
    ]
    questions = [
        Question.objects.create(
            survey=survey,
            position=i,
            text=text,
            kind=kind,
            index=index,
            choices=choices,
            required=required,
        )
        for i, (text, kind, index, choices, required) in enumerate(specs, start=1)
    ]
    target = Target.objects.create(
        survey=survey, unit=world.bureau, window="社保窗口", open_key=OPEN_KEY
    )
    codes = [new_token() for _ in range(3)]
    Token.objects.bulk_create(Token(target=target, digest=token_digest(c)) for c in codes)
    return Place(world, survey, target, questions, codes)


@pytest.fixture
def place(world: World, settings: SettingsWrapper) -> Place:
    settings.KAOHE_TODAY = TODAY
    return build_place(world)


def answers(place: Place) -> dict[str, Any]:
    q = place.questions
    return {
        f"q{q[0].pk}": "5",
        f"q{q[1].pk}": "9",
        f"q{q[2].pk}": "1",
        f"q{q[3].pk}": ["1", "3"],
        f"q{q[4].pk}": "办事很快，态度很好",
    }


def code_url(code: str) -> str:
    return f"/s/c/{code}/"


OPEN_URL = f"/s/w/{OPEN_KEY}/"


def open_form(place: Place, *, seconds_ago: float = 60, right: bool = True) -> dict[str, Any]:
    """Answers with a challenge issued `seconds_ago`, answered rightly or not."""
    challenge = public.challenge_new(place.target, issued_at=public.now() - seconds_ago)
    answer = challenge.answer if right else challenge.answer + 1
    return {**answers(place), "challenge": challenge.token, "challenge_answer": str(answer)}


def refusal_code(content: bytes) -> str:
    found = re.search(rb'data-code="([a-z_.]+)"', content)
    return found[1].decode() if found else ""


def follow_on(content: bytes) -> tuple[str, int]:
    """The challenge token a form shown again carries, and its answer (read from the
    question's Chinese words, as a respondent would)."""
    html = content.decode()
    token = re.search(r'name="challenge" value="([^"]+)"', html)
    sum_ = re.search(r"验证问题：(.)加(.)等于几？", html)
    assert token and sum_, html
    a, b = public.read_number(sum_[1]), public.read_number(sum_[2])
    assert a is not None and b is not None
    return token[1], a + b


# --- Household codes -------------------------------------------------------------------


def test_it_shows_the_form_to_anyone_without_a_session(place: Place) -> None:
    client = Client()
    response = client.get(code_url(place.codes[0]))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert 'name="viewport"' in html
    assert "您对窗口的办事效率满意吗？" in html
    assert html.count("<fieldset") == 4 and html.count("<legend") == 4
    assert f'<label class="sv-legend" for="q{place.questions[4].pk}">' in html
    assert "1 分表示很差，10 分表示很好" in html
    assert "评价对象：区人力资源和社会保障局 · 社保窗口" in html
    assert "challenge" not in html  # a code needs no challenge
    assert "csrfmiddlewaretoken" in html
    assert "sessionid" not in response.cookies
    assert 'class="topbar"' not in html


def test_a_code_answers_once(place: Place) -> None:
    client = Client()
    first = client.post(code_url(place.codes[0]), answers(place))
    assert first.status_code == 302 and first["Location"] == "/s/thanks/"
    stored = Response.objects.get()
    assert stored.channel == Channel.TOKEN and stored.counted and stored.day == TODAY
    assert sorted(Answer.objects.values_list("value", flat=True)) == [1, 1, 3, 5, 9]
    assert Comment.objects.get().text == "办事很快，态度很好"
    assert Token.objects.get(digest=token_digest(place.codes[0])).used

    again = Client().post(code_url(place.codes[0]), answers(place))
    assert again.status_code == 410
    assert "该二维码已使用" in again.content.decode()
    assert Client().get(code_url(place.codes[0])).status_code == 410
    assert Response.objects.count() == 1
    # The other codes still answer.
    assert Client().post(code_url(place.codes[1]), answers(place)).status_code == 302
    assert Response.objects.count() == 2


def test_a_refusal_keeps_the_answers_in_place(place: Place) -> None:
    form = answers(place)
    del form[f"q{place.questions[1].pk}"]
    response = Client().post(code_url(place.codes[0]), form)
    assert response.status_code == 400
    html = response.content.decode()
    assert refusal_code(response.content) == SurveyErrorCode.ANSWER_REQUIRED
    assert "第 2 题尚未作答，请作答。" in html
    assert f'name="q{place.questions[0].pk}" value="5" checked' in html
    assert "办事很快，态度很好</textarea>" in html
    assert Response.objects.count() == 0
    assert not Token.objects.get(digest=token_digest(place.codes[0])).used


def test_unknown_and_malformed_codes_are_a_friendly_not_found(place: Place) -> None:
    unknown = Client().get(code_url("x" * 22))
    assert unknown.status_code == 404
    assert "无法识别该问卷链接" in unknown.content.decode()
    assert Client().post(code_url("y" * 22), answers(place)).status_code == 404
    assert Client().get("/s/c/short/").status_code == 404
    assert Client().get("/s/w/nosuchkey1/").status_code == 404


@pytest.mark.parametrize("how", ["state", "day"])
def test_a_closed_survey_is_refused(place: Place, how: str) -> None:
    if how == "state":
        place.survey.state = SurveyState.CLOSED
    else:
        place.survey.closes_on = TODAY - dt.timedelta(days=1)
    place.survey.save()
    for url in (code_url(place.codes[0]), OPEN_URL):
        shown = Client().get(url)
        assert shown.status_code == 404
        assert "问卷已关闭" in shown.content.decode()
    assert Client().post(code_url(place.codes[0]), answers(place)).status_code == 404
    assert Client().post(OPEN_URL, open_form(place)).status_code == 404
    assert Response.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_one_code_at_the_same_moment_stores_one_response(settings: SettingsWrapper) -> None:
    from kaohe.testing import build_world

    settings.KAOHE_TODAY = TODAY
    place = build_place(build_world())
    parsed = parse_answers(
        place.questions,
        {k: list(v) if isinstance(v, list) else [v] for k, v in answers(place).items()},
    )
    code = place.codes[0]

    def submit() -> str:
        try:
            response_submit(target=place.target, channel=Channel.TOKEN, answers=parsed, token=code)
        except ApplicationError as exc:
            return str(exc.code)
        return "stored"

    # Sequential double use, on every database.
    assert submit() == "stored"
    assert submit() == SurveyErrorCode.CODE_USED
    assert Response.objects.count() == 1

    if not sql.is_postgres():
        return  # SQLite serialises writers: the threaded race below needs PostgreSQL
    code = place.codes[1]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def racer() -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(submit())
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=racer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == sorted(["stored", SurveyErrorCode.CODE_USED])
    assert Response.objects.count() == 2


# --- Open links ------------------------------------------------------------------------


def test_an_open_link_shows_a_challenge_in_chinese_words(place: Place) -> None:
    response = Client().get(OPEN_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"验证问题：[一二三四五六七八九]加[一二三四五六七八九]等于几？", html)
    assert 'name="challenge"' in html and 'for="challenge-answer"' in html


def test_an_open_link_refuses_answers_past_the_device_limit(place: Place) -> None:
    SurveyPolicy.objects.create(region=place.world.region, device_limit=2)
    device = Client()
    for _ in range(2):
        sent = device.post(OPEN_URL, open_form(place))
        assert sent.status_code == 302, refusal_code(sent.content)
    assert public.DEVICE_COOKIE in device.cookies
    refused = device.post(OPEN_URL, open_form(place))
    assert refused.status_code == 200
    assert "本设备已填写过本问卷" in refused.content.decode()
    assert "本设备已填写过本问卷" in device.get(OPEN_URL).content.decode()
    assert Response.objects.filter(channel=Channel.OPEN).count() == 2
    # An altered cookie counts nothing, as a missing one; another device answers.
    device.cookies[public.DEVICE_COOKIE] = device.cookies[public.DEVICE_COOKIE].value + "x"
    assert device.post(OPEN_URL, open_form(place)).status_code == 302
    assert Client().post(OPEN_URL, open_form(place)).status_code == 302
    assert Response.objects.count() == 4


def test_an_open_link_refuses_an_address_past_its_hourly_limit(place: Place) -> None:
    SurveyPolicy.objects.create(region=place.world.region, address_hourly_limit=2)
    for _ in range(2):  # each a new device, from one address
        assert Client(REMOTE_ADDR="10.1.2.3").post(OPEN_URL, open_form(place)).status_code == 302
    refused = Client(REMOTE_ADDR="10.1.2.3").post(OPEN_URL, open_form(place))
    assert refused.status_code == 429
    assert "过去一小时内来自该网络的答卷过多" in refused.content.decode()
    assert Client(REMOTE_ADDR="10.9.9.9").post(OPEN_URL, open_form(place)).status_code == 302
    assert Response.objects.count() == 3


def test_the_address_limit_starts_again_each_hour(
    place: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    SurveyPolicy.objects.create(region=place.world.region, address_hourly_limit=1)
    start = 1_790_000_000.0
    monkeypatch.setattr(public, "now", lambda: start)
    assert Client().post(OPEN_URL, open_form(place)).status_code == 302
    assert Client().post(OPEN_URL, open_form(place)).status_code == 429
    monkeypatch.setattr(public, "now", lambda: start + 3600)
    assert Client().post(OPEN_URL, open_form(place)).status_code == 302


def test_too_fast_an_answer_is_refused_and_may_be_sent_again(
    place: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    form = open_form(place, seconds_ago=3)  # the default minimum is 15 s
    refused = Client().post(OPEN_URL, form)
    assert refused.status_code == 400
    assert refusal_code(refused.content) == SurveyErrorCode.TOO_FAST
    assert f'name="q{place.questions[0].pk}" value="5" checked' in refused.content.decode()
    assert Response.objects.count() == 0
    later = public.now() + 20
    monkeypatch.setattr(public, "now", lambda: later)
    # The form shown again carries a follow-on challenge timed from the first form.
    token, answer = follow_on(refused.content)
    again = {**form, "challenge": token, "challenge_answer": str(answer)}
    assert Client().post(OPEN_URL, again).status_code == 302
    assert Response.objects.count() == 1
    # The first token was spent when the follow-on was issued.
    replayed = Client().post(OPEN_URL, form)
    assert refusal_code(replayed.content) == SurveyErrorCode.CHALLENGE_REPLAYED


def test_a_wrong_challenge_answer_is_refused(place: Place) -> None:
    challenge = public.challenge_new(place.target, issued_at=public.now() - 60)
    form = {**answers(place), "challenge": challenge.token}
    refused = Client().post(OPEN_URL, {**form, "challenge_answer": str(challenge.answer + 1)})
    assert refused.status_code == 400
    assert refusal_code(refused.content) == SurveyErrorCode.CHALLENGE_WRONG
    assert "验证问题回答不正确" in refused.content.decode()
    assert 'name="challenge" value="' + challenge.token not in refused.content.decode()
    # A wrong guess spends the token: the right answer cannot follow it.
    again = Client().post(OPEN_URL, {**form, "challenge_answer": str(challenge.answer)})
    assert refusal_code(again.content) == SurveyErrorCode.CHALLENGE_REPLAYED
    assert Response.objects.count() == 0


def test_a_replayed_or_forged_challenge_is_refused(place: Place) -> None:
    form = open_form(place)
    assert Client().post(OPEN_URL, form).status_code == 302
    replayed = Client().post(OPEN_URL, form)
    assert replayed.status_code == 400
    assert refusal_code(replayed.content) == SurveyErrorCode.CHALLENGE_REPLAYED
    forged = Client().post(OPEN_URL, {**open_form(place), "challenge": "x:y:z"})
    assert refusal_code(forged.content) == SurveyErrorCode.CHALLENGE_FAILED
    stale = Client().post(OPEN_URL, open_form(place, seconds_ago=5 * 3600))
    assert refusal_code(stale.content) == SurveyErrorCode.CHALLENGE_FAILED
    assert Response.objects.count() == 1


def test_a_challenge_of_another_target_is_refused(place: Place) -> None:
    other = Target.objects.create(
        survey=place.survey, unit=place.world.centre, window="就业窗口", open_key="window-key-0002"
    )
    challenge = public.challenge_new(other, issued_at=public.now() - 60)
    form = {**answers(place), "challenge": challenge.token, "challenge_answer": challenge.answer}
    refused = Client().post(OPEN_URL, form)
    assert refusal_code(refused.content) == SurveyErrorCode.CHALLENGE_FAILED
    assert Response.objects.count() == 0


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("12", 12),
        ("１２", 12),
        (" 7 ", 7),
        ("七", 7),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十三", 23),
        ("", None),
        ("十十", None),
        ("abc", None),
        ("一二", None),
        ("1234", None),
        ("２", 2),
        ("１８", 18),
        ("\u3000十八\u3000", 18),
        ("²", None),  # isdigit() and NFKC would make it 2, int('²') raises
        ("١", None),  # an Arabic-Indic digit: int() reads it, we do not
        ("١٢", None),
        ("1²", None),
        ("𝟏", None),
        ("⑤", None),
    ],
)
def test_read_number(raw: str, number: int | None) -> None:
    assert public.read_number(raw) == number


# --- Anonymity -------------------------------------------------------------------------

SUSPECT_NAMES = ("token", "digest", "code", "address", "ip", "addr", "agent", "cookie", "nonce")


@pytest.mark.parametrize("model", [Response, Answer, Comment])
def test_no_response_column_can_hold_a_token_an_address_or_a_moment(
    model: type[models.Model],
) -> None:
    for field in model._meta.concrete_fields:
        assert not isinstance(field, models.DateTimeField | models.TimeField), field
        assert not isinstance(field, models.GenericIPAddressField), field
        assert not any(s in field.name.split("_") for s in SUSPECT_NAMES), field
    dates = [f for f in model._meta.concrete_fields if isinstance(f, models.DateField)]
    assert [f.name for f in dates] == (["day"] if model is Response else [])


def test_a_stored_response_holds_nothing_of_the_respondent(place: Place) -> None:
    code = place.codes[0]
    Client(REMOTE_ADDR="10.7.7.7").post(code_url(code), answers(place))
    Client(REMOTE_ADDR="10.8.8.8").post(OPEN_URL, open_form(place))
    assert Response.objects.count() == 2
    secrets = [code, token_digest(code), "10.7.7.7", "10.8.8.8", OPEN_KEY]
    for model in (Response, Answer, Comment):
        for row in model.objects.values():
            text = " ".join(str(v) for v in row.values())
            assert not any(s in text for s in secrets), (model, row)
            for value in row.values():
                assert not isinstance(value, dt.datetime), (model, row)
    assert set(Response.objects.values_list("day", flat=True)) == {TODAY}
    # The token row only says it was used.
    assert [f.name for f in Token._meta.concrete_fields] == ["id", "target", "digest", "used"]


def test_no_session_is_written_for_a_respondent(place: Place) -> None:
    from django.contrib.sessions.models import Session

    client = Client()
    client.get(OPEN_URL)
    sent = client.post(OPEN_URL, open_form(place))
    client.post(code_url(place.codes[0]), answers(place))
    thanks = client.get("/s/thanks/")
    assert sent.status_code == 302
    assert "sessionid" not in client.cookies
    assert Session.objects.count() == 0
    assert thanks.status_code == 200
    assert "感谢您的参与" in thanks.content.decode()


# --- Weight ----------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["code", "open", "thanks"])
def test_a_public_page_weighs_under_150_kb(place: Place, which: str) -> None:
    url = {"code": code_url(place.codes[0]), "open": OPEN_URL, "thanks": "/s/thanks/"}[which]
    response = Client().get(url)
    assert response.status_code == 200
    html = response.content.decode()
    static = re.findall(r'(?:href|src)="/static/([^"]+)"', html)
    assert static == ["kaohe/survey.css"]
    total = len(response.content)
    for name in static:
        found = finders.find(name)
        assert isinstance(found, str)
        total += Path(found).stat().st_size
    assert total < WEIGHT_LIMIT, total
    assert "<script" not in html


def test_the_pages_show_no_english(place: Place) -> None:
    form = answers(place)
    del form[f"q{place.questions[0].pk}"]
    pages = [
        Client().get(code_url(place.codes[0])),
        Client().get(OPEN_URL),
        Client().post(OPEN_URL, form),
        Client().post(OPEN_URL, open_form(place, seconds_ago=1)),
        Client().get(code_url("z" * 22)),
        Client().get("/s/thanks/"),
    ]
    for page in pages:
        html = page.content.decode()
        body = re.sub(r"<[^>]*>", " ", html.split("<body>", 1)[1])
        assert not re.findall(r"[A-Za-z]{2,}", body), (page.status_code, body)


# --- The hostile review's attacks on an open link ----------------------------------------


def missing_one(place: Place, challenge: str) -> dict[str, Any]:
    form = {**answers(place), "challenge": challenge, "challenge_answer": "1"}
    del form[f"q{place.questions[1].pk}"]
    return form


def test_one_aged_challenge_yields_one_aged_follow_on(place: Place) -> None:
    """A form re-posted with missing answers cannot be used to obtain a second aged
    challenge from the same one (each post used to return a new token carrying the
    old issue time, so one aged token minted any number of aged ones)."""
    aged = public.challenge_new(place.target, issued_at=public.now() - 60)
    first = Client().post(OPEN_URL, missing_one(place, aged.token))
    assert refusal_code(first.content) == SurveyErrorCode.ANSWER_REQUIRED
    token1, answer1 = follow_on(first.content)
    read1 = public.challenge_read(place.target, token1)
    assert read1 is not None and read1.issued_at == int(public.now() - 60)

    second = Client().post(OPEN_URL, missing_one(place, aged.token))
    assert refusal_code(second.content) == SurveyErrorCode.ANSWER_REQUIRED
    token2, answer2 = follow_on(second.content)
    read2 = public.challenge_read(place.target, token2)
    assert read2 is not None and read2.issued_at >= int(public.now()) - 1  # a new timer
    too_fast = {**answers(place), "challenge": token2, "challenge_answer": str(answer2)}
    assert refusal_code(Client().post(OPEN_URL, too_fast).content) == SurveyErrorCode.TOO_FAST

    # The one aged follow-on answers; the first token itself is spent.
    sent = {**answers(place), "challenge": token1, "challenge_answer": str(answer1)}
    assert Client().post(OPEN_URL, sent).status_code == 302
    used = {**answers(place), "challenge": aged.token, "challenge_answer": str(aged.answer)}
    assert refusal_code(Client().post(OPEN_URL, used).content) == (
        SurveyErrorCode.CHALLENGE_REPLAYED
    )
    assert Response.objects.count() == 1


def test_too_fast_posts_of_one_token_yield_one_aged_follow_on(place: Place) -> None:
    form = open_form(place, seconds_ago=3)
    first = Client().post(OPEN_URL, form)
    second = Client().post(OPEN_URL, form)
    read1 = public.challenge_read(place.target, follow_on(first.content)[0])
    read2 = public.challenge_read(place.target, follow_on(second.content)[0])
    assert read1 is not None and read1.issued_at == int(public.now() - 3)
    assert read2 is not None and read2.issued_at >= int(public.now()) - 1


def test_a_spent_nonce_is_a_throttle_row_not_a_cache_entry(place: Place) -> None:
    form = open_form(place)
    assert Client().post(OPEN_URL, form).status_code == 302
    nonce = public.challenge_read(place.target, form["challenge"])
    assert nonce is not None
    row = Throttle.objects.get(key="n:" + nonce.nonce)
    assert row.expires == dt.datetime.fromtimestamp(
        nonce.issued_at + public.CHALLENGE_MAX_SECONDS, tz=dt.UTC
    )
    # A sequential replay is refused, on every database.
    replayed = Client().post(OPEN_URL, form)
    assert refusal_code(replayed.content) == SurveyErrorCode.CHALLENGE_REPLAYED
    assert Response.objects.count() == 1
    assert not hasattr(public, "cache")


def race(count: int, work: Any) -> list[Any]:
    """`work(i)` in `count` threads let go at the same moment, each on its own
    connection; their results."""
    barrier = threading.Barrier(count)
    outcomes: list[Any] = []

    def racer(i: int) -> None:
        try:
            barrier.wait(timeout=20)
            outcomes.append(work(i))
        finally:
            connection.close()

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_one_solved_challenge_replayed_at_the_same_moment_stores_one_response(
    settings: SettingsWrapper,
) -> None:
    if not sql.is_postgres():
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")
    from kaohe.testing import build_world

    settings.KAOHE_TODAY = TODAY
    place = build_place(build_world())
    form = open_form(place)

    def post(i: int) -> int:
        return Client(REMOTE_ADDR=f"10.0.0.{i + 1}").post(OPEN_URL, form).status_code

    outcomes = race(12, post)
    assert sorted(outcomes) == [302] + [400] * 11
    assert Response.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_address_limit_holds_at_the_same_moment(settings: SettingsWrapper) -> None:
    if not sql.is_postgres():
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")
    from kaohe.testing import build_world

    settings.KAOHE_TODAY = TODAY
    place = build_place(build_world())
    SurveyPolicy.objects.create(region=place.world.region, address_hourly_limit=3)
    forms = [open_form(place) for _ in range(10)]

    def post(i: int) -> int:
        return Client(REMOTE_ADDR="10.1.2.3").post(OPEN_URL, forms[i]).status_code

    outcomes = race(10, post)
    assert sorted(outcomes) == [302] * 3 + [429] * 7
    assert Response.objects.count() == 3


def test_the_address_is_counted_before_the_answers_are_stored(
    place: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    SurveyPolicy.objects.create(region=place.world.region, address_hourly_limit=1)
    seen: list[list[int]] = []

    def watched(**kwargs: Any) -> Any:
        counts = Throttle.objects.filter(key__startswith="a:").values_list("count", flat=True)
        seen.append(list(counts))
        return response_submit(**kwargs)

    monkeypatch.setattr(views_public, "response_submit", watched)
    assert Client(REMOTE_ADDR="10.1.2.3").post(OPEN_URL, open_form(place)).status_code == 302
    assert seen == [[1]]
    # Past the limit the answers never reach the submit.
    assert Client(REMOTE_ADDR="10.1.2.3").post(OPEN_URL, open_form(place)).status_code == 429
    assert len(seen) == 1 and Response.objects.count() == 1
    # The address itself is in no row.
    assert not Throttle.objects.filter(key__contains="10.1.2.3").exists()


def test_a_wrong_answer_counts_against_the_address(place: Place) -> None:
    SurveyPolicy.objects.create(region=place.world.region, address_hourly_limit=1)
    wrong = Client(REMOTE_ADDR="10.1.2.3").post(OPEN_URL, open_form(place, right=False))
    assert refusal_code(wrong.content) == SurveyErrorCode.CHALLENGE_WRONG
    assert Client(REMOTE_ADDR="10.1.2.3").post(OPEN_URL, open_form(place)).status_code == 429
    assert Response.objects.count() == 0


def test_an_ipv6_client_is_one_address_across_its_64(place: Place) -> None:
    SurveyPolicy.objects.create(region=place.world.region, address_hourly_limit=1)

    def post(address: str) -> int:
        return Client(REMOTE_ADDR=address).post(OPEN_URL, open_form(place)).status_code

    assert post("2001:db8:1:2::1") == 302
    assert post("2001:db8:1:2:ffff:eeee:dddd:9") == 429  # another address in the /64
    assert post("2001:db8:1:3::1") == 302  # another /64
    assert Response.objects.count() == 2


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("10.1.2.3", "10.1.2.3"),
        ("2001:db8:1:2:ffff::9", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::1", "2001:db8:1:2::/64"),
        ("::ffff:10.1.2.3", "10.1.2.3"),
        ("", ""),
        ("not-an-address", "not-an-address"),
    ],
)
def test_address_of(raw: str, key: str) -> None:
    assert public.address_of(raw) == key


@pytest.mark.parametrize("answer", ["²", "١", "١٢", "𝟏𝟐"])
def test_other_unicode_digits_are_a_wrong_answer_not_an_error(place: Place, answer: str) -> None:
    form = {**open_form(place), "challenge_answer": answer}
    refused = Client().post(OPEN_URL, form)
    assert refused.status_code == 400
    assert refusal_code(refused.content) == SurveyErrorCode.CHALLENGE_WRONG


def test_the_daily_check_deletes_expired_throttles(
    place: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kaohe.notices import daily

    assert public.throttles_expire in daily._DAILY
    at = 1_790_000_000.0
    monkeypatch.setattr(public, "now", lambda: at)
    moment = dt.datetime.fromtimestamp(at, tz=dt.UTC)
    Throttle.objects.bulk_create(
        [
            Throttle(key="n:old", expires=moment - dt.timedelta(seconds=1)),
            Throttle(key="a:old", expires=moment - dt.timedelta(hours=2)),
            Throttle(key="n:live", expires=moment + dt.timedelta(seconds=1)),
            Throttle(key="a:live", expires=moment + dt.timedelta(minutes=30)),
        ]
    )
    today = dt.datetime.fromtimestamp(at).date()
    assert public.throttles_expire(today) == 0
    assert sorted(Throttle.objects.values_list("key", flat=True)) == ["a:live", "n:live"]
    # An earlier day deletes only what had expired by its end.
    Throttle.objects.create(key="n:yesterday", expires=moment - dt.timedelta(days=2))
    public.throttles_expire(today - dt.timedelta(days=5))
    assert Throttle.objects.filter(key="n:yesterday").exists()


# --- The logs leave out the public pages ---------------------------------------------------


def record(path: str, message: str = "Not Found: %s") -> logging.LogRecord:
    made = logging.LogRecord("django.request", logging.WARNING, __file__, 1, message, (path,), None)
    made.request = SimpleNamespace(path=path)
    return made


def test_the_request_log_leaves_out_public_paths() -> None:
    keep = logs.PublicPathFilter()
    assert not keep.filter(record("/s/c/AbCdEfGh12345678/"))
    assert not keep.filter(record("/s/w/window-key-0001/", "Gone: %s"))
    assert not keep.filter(record("//s/c/AbCdEfGh12345678/"))
    assert keep.filter(record("/surveys/"))
    assert keep.filter(record("/reviews/1/"))
    bare = logging.LogRecord("django.request", 30, __file__, 1, "Gone: %s", ("/s/c/x/",), None)
    assert not keep.filter(bare)
    # Configured in the settings on Django's request logger.
    configured = logging.getLogger("django.request").filters
    assert any(isinstance(f, logs.PublicPathFilter) for f in configured)


def test_django_writes_no_line_for_a_used_or_unknown_code(
    place: Place, caplog: pytest.LogCaptureFixture
) -> None:
    Client().post(code_url(place.codes[0]), answers(place))
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert Client().get(code_url(place.codes[0])).status_code == 410
        assert Client().get(code_url("z" * 22)).status_code == 404
        assert Client().get("/no-such-page/").status_code == 404
    paths = [r.getMessage() for r in caplog.records if r.name == "django.request"]
    assert paths == ["Not Found: /no-such-page/"]


def access_lines(path: str, raw: str | None = None) -> list[str]:
    from gunicorn.config import Config  # type: ignore[import-untyped]

    config = Config()
    config.set("accesslog", "-")
    logger = logs.AccessLogger(config)
    lines: list[str] = []

    class Lines(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    logger.access_log.handlers = [Lines()]
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": raw if raw is not None else path,
        "PATH_INFO": path,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.1.2.3",
    }
    logger.access(response, SimpleNamespace(headers=[]), environ, dt.timedelta(seconds=1))
    return lines


def test_the_access_log_leaves_out_public_paths() -> None:
    assert access_lines("/s/c/AbCdEfGh12345678/") == []
    assert access_lines("/s/w/window-key-0001/", raw="/s/w/window-key-0001/?x=1") == []
    assert access_lines("/s/thanks/") == []
    assert access_lines("/s/c/x/", raw="http://example.org/s/c/x/") == []
    kept = access_lines("/reviews/")
    assert len(kept) == 1 and "GET /reviews/ HTTP/1.1" in kept[0]
    assert access_lines("/surveys/") != []


def test_the_server_runs_gunicorn_with_the_logger_class() -> None:
    path = Path(__file__).resolve().parents[3] / "tools" / "serve.py"
    spec = importlib.util.spec_from_file_location("serve", path)
    assert spec is not None and spec.loader is not None
    serve = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(serve)
    web = serve.commands("127.0.0.1:8000", 2)["web"]
    at = web.index("--logger-class")
    assert web[at + 1] == "kaohe.core.logs.AccessLogger"
    assert importlib.import_module("kaohe.core.logs").AccessLogger is logs.AccessLogger
