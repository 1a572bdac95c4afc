"""The demo county's public surveys (民评, issue 19; seed 002: 幸福感, 满意度 and 安全感
weigh 15 points of a unit's performance).

- October's 群众满意度调查 (performance month 2026-10), closed: eight units (the personas'
  unit first) with 12–30 counted responses each by household codes, the windows' open
  links and checked paper questionnaires; some units below 60 favourable; a ninth unit
  with only five responses, to show that fewer than k show nothing; its comments
  moderated (released with names and numbers taken out, or withheld).
- November's 服务窗口满意度调查, open: the personas' unit's household target with 20
  codes printed and unused, and its 社保服务窗口 with an open link; a few answers, three
  paper questionnaires typed by the unit's administrator awaiting the office's check,
  and comments awaiting moderation.

Responses carry the day only, written in bulk (seeded: the same every load) with one
summarising audit row; a no-op when the region has a survey.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from dataclasses import dataclass

from django.utils import translation

from kaohe.accounts.models import User
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.demo.org import PERSONA_UNIT
from kaohe.org.models import Region, Unit
from kaohe.supervision.models import SupervisionGroup
from kaohe.surveys.models import (
    FAVOURABLE_FROM,
    SCALE_TOP,
    Answer,
    Channel,
    Comment,
    CommentState,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyState,
    Target,
    Token,
)
from kaohe.surveys.selectors import region_names, suggested_text
from kaohe.surveys.services import token_digest
from kaohe.surveys.templates import CHOICES, TEMPLATES

# (share of favourable scale answers, counted responses) of the closed survey's units,
# the personas' unit first; the last unit has fewer than k (10) responses.
UNIT_PLAN: tuple[tuple[float, int], ...] = (
    (0.86, 28),
    (0.78, 22),
    (0.52, 18),  # below 60
    (0.91, 16),
    (0.47, 14),  # below 60
    (0.70, 24),
    (0.64, 12),
    (0.83, 20),
    (0.80, 5),  # fewer than k
)
COMMENTS = (
    "窗口工作人员态度热情，办事效率高，点赞！",
    "排队时间有点长，建议增加周末服务。",
    "政策解释很耐心，一次就办成了。",
    "希望网上能办的事情再多一些，少跑腿。",
    "办事指南不够清楚，来回跑了两趟。",
    "工作人员{name}服务很好，电话{phone}随时能联系上。",
    "上次{name}说材料不全，但没有一次性告知，希望改进。",
)
PHONES = ("13912345678", "0571-86012345", "15800001111")


@dataclass
class DemoSurveys:
    surveys: int = 0
    targets: int = 0
    responses: int = 0
    pending_paper: int = 0
    pending_comments: int = 0
    codes: int = 0


def _questions(survey: Survey, key: str) -> list[Question]:
    template = TEMPLATES[key]
    with translation.override("zh-hans"):
        rows = [
            Question(
                survey=survey,
                position=n,
                text=translation.gettext(q.text),
                kind=q.kind,
                index=q.index,
                choices=[translation.gettext(c) for c in CHOICES.get(q.text, ())],
                required=q.required,
            )
            for n, q in enumerate(template.questions, start=1)
        ]
    return Question.objects.bulk_create(rows)


def _units(region_id: int) -> list[Unit]:
    units = list(Unit.objects.filter(region_id=region_id, parent__isnull=True).order_by("path"))
    first = [u for u in units if u.name == PERSONA_UNIT]
    rest = [u for u in units if u.name != PERSONA_UNIT]
    return (first + rest)[: len(UNIT_PLAN)]


def _value(rng: random.Random, kind: str, favourable: float) -> int:
    top = SCALE_TOP[QuestionKind(kind)]
    low = FAVOURABLE_FROM[QuestionKind(kind)]
    if rng.random() < favourable:
        return rng.randint(low, top)
    return rng.randint(1, low - 1)


def _comment(rng: random.Random, names: list[str]) -> str:
    text = rng.choice(COMMENTS)
    return text.format(name=rng.choice(names) if names else "某某", phone=rng.choice(PHONES))


class _Writer:
    """Collects the rows and writes them in a few bulk inserts."""

    def __init__(self, rng: random.Random, names: list[str]) -> None:
        self.rng, self.names = rng, names
        self.responses: list[Response] = []
        self.answers: list[Answer] = []
        self.comments: list[Comment] = []
        self.tokens: list[Token] = []

    def response(
        self,
        target: Target,
        questions: list[Question],
        *,
        channel: str,
        day: dt.date,
        favourable: float,
        counted: bool = True,
        entered_by: User | None = None,
        checked_by: User | None = None,
        comment_state: str | None = None,
        moderator: User | None = None,
        comment_share: float = 0.25,
    ) -> None:
        rng = self.rng
        response = Response(
            target=target,
            channel=channel,
            day=day,
            counted=counted,
            entered_by=entered_by,
            checked_by=checked_by,
        )
        self.responses.append(response)
        if channel == Channel.TOKEN:
            digest = token_digest(f"demo-{rng.getrandbits(128):032x}")
            self.tokens.append(Token(target=target, digest=digest, used=True))
        for q in questions:
            if q.kind in SCALE_TOP:
                self.answers.append(
                    Answer(response=response, question=q, value=_value(rng, q.kind, favourable))
                )
            elif q.kind == QuestionKind.SINGLE and q.choices:
                self.answers.append(
                    Answer(response=response, question=q, value=rng.randint(1, len(q.choices)))
                )
            elif q.kind == QuestionKind.TEXT and rng.random() < comment_share:
                text = _comment(rng, self.names)
                state = comment_state or CommentState.PENDING
                if state == CommentState.RELEASED and rng.random() < 0.15:
                    state = CommentState.WITHHELD
                self.comments.append(
                    Comment(
                        response=response,
                        question=q,
                        text=text,
                        state=state,
                        released_text=(
                            suggested_text(text, self.names)
                            if state == CommentState.RELEASED
                            else ""
                        ),
                        moderated_by=moderator if state != CommentState.PENDING else None,
                    )
                )

    def save(self) -> None:
        Response.objects.bulk_create(self.responses)
        Answer.objects.bulk_create(self.answers, batch_size=2000)
        Comment.objects.bulk_create(self.comments)
        Token.objects.bulk_create(self.tokens)


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def generate_demo_surveys(*, region_id: int, year: int, today: dt.date) -> DemoSurveys:
    if Survey.objects.filter(region_id=region_id).exists():
        return DemoSurveys()
    rng = random.Random(f"surveys-{year}")  # noqa: S311 - demo data, not security
    region = Region.objects.get(pk=region_id)
    office = User.objects.filter(region_id=region_id, username="region_admin").first()
    unit_admin = User.objects.filter(region_id=region_id, username="unit_admin").first()
    group = SupervisionGroup.objects.filter(region_id=region_id).order_by("name", "pk").first()
    names = region_names(region_id)
    writer = _Writer(rng, names)
    done = DemoSurveys()
    units = _units(region_id)

    # October's survey, closed.
    october_start, october_end = dt.date(year, 10, 1), dt.date(year, 10, 31)
    with translation.override("zh-hans"):
        intro = translation.gettext(TEMPLATES["satisfaction"].intro)
    closed = Survey.objects.create(
        region=region,
        name=f"{year}年10月群众满意度调查",
        intro=intro,
        state=SurveyState.CLOSED,
        opens_on=october_start,
        closes_on=october_end,
        year=year,
        month=10,
        group=group,
        created_by=office,
    )
    questions = _questions(closed, "satisfaction")
    for unit, (favourable, count) in zip(units, UNIT_PLAN, strict=False):
        household = Target.objects.create(survey=closed, unit=unit)
        window = Target.objects.create(
            survey=closed, unit=unit, window="综合服务窗口", open_key=secrets.token_urlsafe(16)
        )
        done.targets += 2
        for n in range(count):
            channel = (Channel.TOKEN, Channel.OPEN, Channel.PAPER)[n % 3]
            paper = channel == Channel.PAPER
            writer.response(
                window if channel == Channel.OPEN else household,
                questions,
                channel=channel,
                day=_day(rng, october_start, october_end),
                favourable=favourable,
                entered_by=unit_admin if paper else None,
                checked_by=office if paper else None,
                comment_state=CommentState.RELEASED,
                moderator=office,
            )
            done.responses += 1
        # Codes printed but never used.
        writer.tokens.extend(
            Token(target=household, digest=token_digest(f"demo-{rng.getrandbits(128):032x}"))
            for _i in range(4)
        )
    done.surveys += 1

    # November's survey, open: the personas' unit.
    november_start = dt.date(year, 11, 1)
    open_survey = Survey.objects.create(
        region=region,
        name=f"{year}年11月服务窗口满意度调查",
        intro=intro,
        state=SurveyState.OPEN,
        opens_on=november_start,
        closes_on=max(dt.date(year, 11, 30), today + dt.timedelta(days=10)),
        group=group,
        created_by=office,
    )
    questions = _questions(open_survey, "satisfaction")
    home = units[0]
    household = Target.objects.create(survey=open_survey, unit=home)
    window = Target.objects.create(
        survey=open_survey, unit=home, window="社保服务窗口", open_key=secrets.token_urlsafe(16)
    )
    done.targets += 2
    writer.tokens.extend(
        Token(target=household, digest=token_digest(f"demo-{rng.getrandbits(128):032x}"))
        for _i in range(20)
    )
    last = max(november_start, min(today, open_survey.closes_on))
    for n in range(9):
        writer.response(
            window if n % 2 else household,
            questions,
            channel=Channel.OPEN if n % 2 else Channel.TOKEN,
            day=_day(rng, november_start, last),
            favourable=0.8,
            comment_share=0.6,
        )
        done.responses += 1
    for _n in range(3):
        writer.response(
            household,
            questions,
            channel=Channel.PAPER,
            day=_day(rng, november_start, last),
            favourable=0.75,
            counted=False,
            entered_by=unit_admin,
        )
        done.pending_paper += 1
    done.surveys += 1
    writer.save()
    done.codes = len(writer.tokens)
    done.pending_comments = Comment.objects.filter(
        response__target__survey=open_survey,
        state=CommentState.PENDING,
        response__counted=True,
    ).count()
    audit_record(
        actor=None,
        action=AuditAction.SURVEY_DEMO_LOAD,
        region=region,
        details={"count": done.responses, "units": len(units)},
    )
    return done
