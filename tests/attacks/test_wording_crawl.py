"""Every persona's pages read in Chinese: no raw code, no English left untranslated.

Logs in as each persona of the test world (and a superuser for the admin), with a
quarter computed, a year computed, a round open, schemes drafted and logs written so
pages have rows. From the home page it follows every same-site link (GET only, a bounded
number of pages per persona and per URL shape; no logout, no downloads) and reads each
HTML page's visible text for:

- raw choice values: every value of our TextChoices and the engine's grade enums that is
  a lowercase word or has an underscore (``deputy_section_chief``, ``main``), plus audit
  action and step codes (``auth.login``, ``annual.role``), as whole words;
- English: a run of two or more English words (``Person year flags``), or an English
  msgid of our catalogue shown verbatim;
- a decimal with five or more places (``92.0200000000000``).

It reports every offender at once: persona, page and string.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal
from enum import Enum
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.test import Client
from django.utils import translation

from kaohe.accounts.models import User
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ApplicationError
from kaohe.core.models import AuditEvent
from kaohe.performance import selectors as performance_selectors
from kaohe.performance import services as performance_services
from kaohe.performance.models import UnitYearMark, UnitYearResult
from kaohe.performance.tests.helpers import cells as month_cells
from kaohe.performance.tests.helpers import setup_months
from kaohe.reviews import services as review_services
from kaohe.reviews.models import ReviewRound, RoundResult, RoundState
from kaohe.schemes.models import SchemeVersion
from kaohe.scoring import engine
from kaohe.scoring import services as scoring_services
from kaohe.scoring.models import QuarterRun
from kaohe.teams import selectors as team_selectors
from kaohe.teams import services as team_services
from kaohe.testing import World, publicity_not_required
from kaohe.worklogs.models import Timeliness, WorkLog

pytestmark = pytest.mark.django_db

PO = Path(__file__).resolve().parents[2] / "kaohe/locale/zh_Hans/LC_MESSAGES/django.po"
PAGES_PER_PERSONA = 80
PER_SHAPE = 2  # pages of one URL shape (ids and query values aside) per persona
PERSONAS = [
    "public",  # the sign-in page
    "region_admin",
    "unit_admin",
    "unit_head",
    "team_member",
    "cadre",
    "cadre_other",
    "supervisor",
    "other_admin",
    "superuser",
]
SKIP = (
    "/logout/",
    "/admin/logout/",
    "/static/",
    "/media/",
    "/api/",  # JSON, and Swagger UI's own (vendored, English) interface
    "/admin/jsi18n/",
    "/i18n/",
    # Third-party tools' own admin pages (superuser only): their objects' names are
    # English in the packages' code (axes: "Access Log for root @ …"), out of our reach.
    "/admin/axes/",
    "/admin/django_tasks_database/",
)
# Third-party names that no catalogue translates (an app's plain verbose_name).
ALLOWED_PHRASES = ("Tasks Database Backend",)
DOWNLOAD = re.compile(r"\.(xlsx|csv|pdf|zip)\b|export|download|excel", re.I)
# English words that are names rather than untranslated text.
ALLOWED_WORDS = {
    "kaohe",
    "English",
    "Excel",
    "ID",
    "API",
    "OpenAPI",
    "Swagger",
    "PDF",
    "CSV",
    "xlsx",
    "HTTP",
    "URL",
    "IP",
    "UTC",
    "htmx",
}


# --- what counts as a raw code ------------------------------------------------------


def _subclasses(cls: type) -> Iterator[type]:
    sub: type
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def raw_codes() -> set[str]:
    codes: set[str] = set()
    enums: list[type[Enum]] = [
        c
        for c in _subclasses(models.TextChoices)
        if issubclass(c, Enum) and c.__module__.startswith("kaohe")
    ]
    enums += [engine.QuarterGrade, engine.AnnualGrade]
    for enum in enums:
        for member in enum:
            value = str(member.value)
            if re.fullmatch(r"[a-z]+(?:_[a-z]+)*", value) and (len(value) > 2 or "_" in value):
                codes.add(value)
    codes |= set(AuditAction.values)
    codes |= {c for c in _step_codes() if "." in c or "_" in c}
    return codes


def _step_codes() -> set[str]:
    from kaohe.scoring.tests.test_step_texts import emitted_codes

    return set(emitted_codes())


# --- what counts as English --------------------------------------------------------


def english_msgids() -> list[str]:
    """Literal English fragments of our msgids with two or more words: shown verbatim on
    a Chinese page, the translation did not apply."""
    text = PO.read_text(encoding="utf-8")
    fragments: set[str] = set()
    for block in text.split("\n\n")[1:]:
        if "msgctxt" in block or "msgid_plural" in block:
            continue
        head = block.partition("msgstr")[0]
        msgid = "".join(re.findall(r'"(.*)"', head.split("msgid ", 1)[-1]))
        msgid = msgid.replace('\\"', '"').replace("\\n", "\n")
        for piece in re.split(r"%\(\w+\)[sd]|%[sd]|\{\{.*?\}\}|%%", msgid):
            piece = piece.strip(" .,:;!?“”\"'()（）")
            if len(piece) >= 10 and len(re.findall(r"[A-Za-z]{2,}", piece)) >= 2:
                fragments.add(piece)
    return sorted(fragments, key=len, reverse=True)


ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z]+(?:[ \-'][A-Za-z][a-z]*)+\b")


# --- reading a page ------------------------------------------------------------------


class _Page(HTMLParser):
    """Visible text (script, style and template contents aside; placeholders, button
    values and aria labels included) and the links of a page."""

    HIDDEN = {"script", "style", "template", "noscript", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        for key in ("placeholder", "aria-label", "alt"):
            if a.get(key):
                self.texts.append(a[key])
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.texts.append(a["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


def _shape(url: str) -> str:
    parts = urlsplit(url)
    keys = sorted({k for k, _v in parse_qsl(parts.query, keep_blank_values=True)})
    return re.sub(r"\d+", "#", parts.path) + "?" + "&".join(keys)


def _normal(base: str, href: str) -> str | None:
    if href.startswith(("mailto:", "javascript:", "tel:", "data:")):
        return None
    url = urljoin(base, href)
    parts = urlsplit(url)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
        return None  # another host: never fetched
    path = parts.path
    if any(path.startswith(s) for s in SKIP) or DOWNLOAD.search(f"{path}?{parts.query}"):
        return None
    if path.startswith("/admin/") and parts.query:
        return None  # the admin's sort, facet and filter links show the same words
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return path + (f"?{query}" if query else "")


# --- the world with data --------------------------------------------------------------


def _logs(world: World) -> None:
    for key in ("cadre", "team", "centre_cadre", "town_cadre"):
        person = world.people[key]
        WorkLog.objects.create(
            region=world.region,
            person=person,
            unit=person.memberships.get().unit,
            day=dt.date(2026, 3, 2),
            content="上午走访企业，下午整理台账。",
            timeliness=Timeliness.ON_TIME,
        )


def _year(world: World, graded: QuarterRun) -> None:
    """Q2–Q4 from Q1's ratings, all published, and the year computed and published
    through the services and their guards (a refusal fails the test: the crawl must see
    the year's pages)."""
    from kaohe.scoring import guards
    from kaohe.scoring.tests.fixtures import year_ready
    from kaohe.scoring.tests.test_annual import publish_quarters

    publish_quarters(world, graded)
    UnitYearResult.objects.create(
        unit=world.bureau,
        year=2026,
        computed=Decimal("88.25"),
        override=Decimal("90.5"),
        override_reason="录入的单位年度综合结果",
        rank=1,
    )
    UnitYearMark.objects.create(
        unit=world.town, year=2026, kind=UnitYearMark.Kind.CRITICISM, reason="区委通报〔2026〕5号"
    )
    year_ready(world, 2026)
    run = scoring_services.annual_compute(
        actor=world.users["region_admin"], region=world.region, year=2026
    )
    publicity_not_required(world.region)
    scoring_services.annual_publish(
        actor=world.users["region_admin"], run=run, confirmation=guards.publish_token(run)
    )


def _teams(world: World) -> None:
    """The leadership teams' year published (issue 18): the office's year, the entry
    grid and each team's explanation are crawled with figures in them."""
    admin = world.users["region_admin"]
    region_id = world.region.pk
    rows = team_selectors.entry_rows(region_id, 2026)
    for index, row in enumerate(rows):
        UnitYearResult.objects.get_or_create(
            unit=row.unit, year=2026, defaults={"computed": Decimal(96 - index * 3)}
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


def _surveys(world: World) -> None:
    """An open survey of the bureau with a window's open link, codes printed, a paper
    questionnaire awaiting its check and a comment awaiting moderation."""
    from kaohe.core import clock
    from kaohe.surveys import services as surveys
    from kaohe.surveys.models import Channel, Question

    admin = world.users["region_admin"]
    today = clock.today()
    survey = surveys.survey_create(
        actor=admin,
        fields=surveys.SurveyFields(
            name="窗口满意度调查",
            intro="",
            opens_on=today - dt.timedelta(days=10),
            closes_on=today + dt.timedelta(days=20),
        ),
        template="satisfaction",
    )
    target = surveys.target_add(actor=admin, survey=survey, unit_id=world.bureau.pk)
    surveys.target_add(
        actor=admin, survey=survey, unit_id=world.bureau.pk, window="社保窗口", open_link=True
    )
    surveys.survey_open(actor=admin, survey=survey)
    surveys.tokens_issue(actor=admin, target=target, count=3)
    questions = list(Question.objects.filter(survey=survey))
    form = {f"q{q.pk}": ["4" if q.kind.startswith("scale") else "1"] for q in questions}
    form.update({f"q{q.pk}": ["办事很快，态度好"] for q in questions if q.kind == "text"})
    surveys.paper_enter(actor=admin, target=target, form=form)
    target.refresh_from_db()
    target.survey.refresh_from_db()
    surveys.response_submit(
        target=target, channel=Channel.OPEN, answers=surveys.parse_answers(questions, form)
    )


@pytest.fixture
def crawled_world(big: World, graded: QuarterRun, drafted: SchemeVersion) -> World:
    _logs(big)
    _year(big, graded)
    _teams(big)
    # A quarter still being graded, a round open for ballots.
    try:
        first = ReviewRound.objects.get(
            region=big.region, year=2026, number=1, cadence=ReviewRound.Cadence.QUARTERLY
        )
        second = ReviewRound.objects.create(
            region=big.region,
            year=2027,
            number=1,
            state=RoundState.CLOSED,
            starts_on=dt.date(2027, 4, 1),
            ends_on=dt.date(2027, 4, 10),
        )
        RoundResult.objects.bulk_create(
            RoundResult(
                round=second,
                unit_id=r.unit_id,
                target_id=r.target_id,
                score=r.score,
                rater_count=r.rater_count,
            )
            for r in RoundResult.objects.filter(round=first)
        )
        scoring_services.quarter_compute(
            actor=big.users["region_admin"],
            region=big.region,
            year=2027,
            quarter=1,
            today=dt.date(2027, 4, 30),
        )
    except ApplicationError:
        pass
    try:
        opened = review_services.round_create(
            actor=big.users["region_admin"],
            region=big.region,
            year=2026,
            number=4,
            starts_on=dt.date(2026, 12, 1),
            ends_on=dt.date(2026, 12, 20),
        )
        review_services.round_open(actor=big.users["region_admin"], round_=opened)
    except ApplicationError:
        pass
    # Unit performance: October scored, computed, reported and published.
    months = setup_months(big)
    admin = big.users["region_admin"]
    performance_services.month_scores_save(
        actor=admin,
        month=months.month,
        category=months.category,
        unit_ids=[big.bureau.pk],
        cells=month_cells(months, big.bureau, invest="35", public="12", evidence="群众满意度测评"),
        stamp=performance_selectors.grid_stamp(months.month, months.category.pk),
    )
    performance_services.month_report_save(
        actor=big.users["unit_admin"],
        month=months.month,
        unit=big.bureau,
        text="完成签约3个。",
        items={},
    )
    performance_services.month_compute(actor=admin, month=months.month)
    performance_services.month_publish(actor=admin, month=months.month)
    _surveys(big)
    for action in (
        AuditAction.AUTH_LOGIN,
        AuditAction.ORG_ROSTER_IMPORT,
        AuditAction.SCORING_QUARTER_COMPUTE,
    ):
        audit_record(actor=big.users["region_admin"], action=action, region=big.region)
    big.users["superuser"] = User.objects.create_superuser(
        username="root", password="kaohe-test-password", region=big.region
    )
    # Usernames are data, and the world's look like role codes ("region_admin"): prefixed
    # with Chinese they no longer stand as whole words, so a real raw code still shows.
    for user in User.objects.all():
        User.objects.filter(pk=user.pk).update(username=f"用户{user.username}")
    for user in big.users.values():
        user.refresh_from_db()
    AuditEvent.objects.exclude(actor_name="").update(
        actor_name=Concat(Value("用户"), F("actor_name"))
    )
    AuditEvent.objects.filter(object_type__in=["accounts.user", "accounts.rolegrant"]).update(
        object_repr=Concat(Value("用户"), F("object_repr"))  # they start with the username
    )
    return big


# --- the crawl ---------------------------------------------------------------------


def _crawl(client: Client, start: str) -> Iterator[tuple[str, str]]:
    """(url, visible text) of each HTML page reached from `start`; our pages first,
    then the admin's (its many filter links would use up the budget)."""
    queue: list[str] = [start]
    admin_queue: list[str] = []
    seen = {start}
    shapes: Counter[str] = Counter()
    fetched = 0
    while (queue or admin_queue) and fetched < PAGES_PER_PERSONA:
        url = queue.pop(0) if queue else admin_queue.pop(0)
        response = client.get(url)
        fetched += 1
        if response.status_code != 200:
            continue
        kind = response.get("Content-Type", "")
        if "text/html" not in kind or response.get("Content-Disposition"):
            continue
        page = _Page()
        page.feed(response.content.decode())
        yield url, "\n".join(page.texts)
        for href in page.links:
            link = _normal(url, href)
            if link is None or link in seen:
                continue
            seen.add(link)
            shape = _shape(link)
            if shapes[shape] >= (1 if link.startswith("/admin/") else PER_SHAPE):
                continue
            shapes[shape] += 1
            (admin_queue if link.startswith("/admin/") else queue).append(link)


def _offences(text: str, codes: set[str], msgids: list[str]) -> Iterator[tuple[str, str]]:
    for phrase in ALLOWED_PHRASES:
        text = text.replace(phrase, " ")
    for code in codes:
        if code in text and re.search(rf"(?<![\w.]){re.escape(code)}(?![\w.])", text):
            yield "raw code", code
    for fragment in msgids:
        if fragment in text:
            yield "untranslated msgid", fragment
    for number in re.findall(r"\d+\.\d{5,}", text):
        yield "unformatted number", number
    for line in text.split("\n"):
        for run in ENGLISH_RUN.findall(line):
            words = re.findall(r"[A-Za-z]+", run)
            if len(words) >= 2 and not set(words) <= ALLOWED_WORDS:
                yield "English", run


def test_every_personas_pages_read_in_chinese(crawled_world: World) -> None:
    codes, msgids = raw_codes(), english_msgids()
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    pages = 0
    for persona in PERSONAS:
        client = Client()
        if persona != "public":
            client.force_login(crawled_world.users[persona])
        start = "/login/" if persona == "public" else "/"
        with translation.override("zh-hans"):
            for url, text in _crawl(client, start):
                pages += 1
                print(persona, url)  # shown with -s or on failure: what was covered
                for kind, string in set(_offences(text, codes, msgids)):
                    found[(kind, string)].append(f"{persona} {url}")
    assert pages > 60, "the crawl reached too few pages to mean anything"
    report = [
        f"{kind}: “{string}” on {len(where)} page(s), e.g. {', '.join(where[:3])}"
        for (kind, string), where in sorted(found.items())
    ]
    assert report == [], "Raw codes or English on Chinese pages:\n" + "\n".join(report)


def test_the_checks_catch_what_issue_13_found() -> None:
    codes, msgids = raw_codes(), english_msgids()
    page = (
        "按职级排名\ndeputy_section_chief\n共 3 人，最高 92.0200000000000，最低 0\n"
        "auth.login\nPerson year flags\nRole granted"
    )
    found = set(_offences(page, codes, msgids))
    assert {
        ("raw code", "deputy_section_chief"),
        ("raw code", "auth.login"),
        ("unformatted number", "92.0200000000000"),
        ("English", "Person year flags"),
        ("untranslated msgid", "Role granted"),
    } <= found
    clean = "按职级排名\n副科级\n共 3 人，最高 92.02，最低 0.00\n登录\n用户region_admin · kaohe"
    assert set(_offences(clean, codes, msgids)) == set()
