"""复核 and 申诉 on their clocks (R5.12): each deadline at its boundary (the last day
accepted, the next refused, a window over the National Day holiday), decisions as
recorded corrections of the archive that the derived figures follow, the one
extension, the reminders, the case file PDF and the scoping of every page."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader
from pytest_django.fixtures import Settings

from kaohe.core.models import AuditEvent, Notification
from kaohe.dueprocess import services
from kaohe.dueprocess.errors import DueProcessErrorCode
from kaohe.dueprocess.models import Case, CaseKind, DueProcessPolicy, Notice
from kaohe.dueprocess.selectors import cases_section
from kaohe.dueprocess.tests.notice_helpers import published_year
from kaohe.notices.daily import daily_check
from kaohe.outcomes.models import YearRecord, YearRecordCorrection
from kaohe.outcomes.selectors import eligibility_of
from kaohe.outcomes.tests.test_archive_pages import record
from kaohe.testing import World, refused

pytestmark = pytest.mark.django_db

D = dt.date
Clients = Callable[[str], Client]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
NOV_2 = dt.date(2026, 11, 2)
NOV_20 = dt.date(2026, 11, 20)
REASONS = "复核组核实了第三季度的实绩材料"


@pytest.fixture(autouse=True)
def _today(settings: Settings) -> None:
    """The pages' today (the services here are given theirs): inside the notices'
    windows, whatever the real date."""
    settings.KAOHE_TODAY = NOV_20


def make_notice(
    world: World, key: str = "cadre", issued_on: dt.date = NOV_2, grade: str = "competent"
) -> Notice:
    rec = YearRecord.objects.filter(person=world.people[key], year=2026).first() or record(
        world, key, grade=grade
    )
    return Notice.objects.create(
        region_id=rec.region_id,
        person=rec.person,
        unit_id=rec.unit_id,
        year=2026,
        record=rec,
        grade=rec.grade,
        composite=rec.composite,
        issued_on=issued_on,
        sign_due_on=issued_on + dt.timedelta(days=5),
    )


def review(world: World, notice: Notice, today: dt.date, **kw: object) -> Case:
    return services.review_request(
        actor=world.users["cadre"],
        notice_id=notice.pk,
        text=str(kw.pop("text", "我对考核等次有异议，请求复核")),
        today=today,
        **kw,  # type: ignore[arg-type]
    )


def decide(world: World, case: Case, today: dt.date, by: str = "region_admin", **kw: str) -> Case:
    values = {"outcome": "upheld", "reasons": REASONS} | kw
    return services.case_decide(actor=world.users[by], case=case, today=today, **values)


# ------------------------------------------------------------------ the 复核 window


@pytest.mark.parametrize(
    ("today", "ok"),
    [(D(2026, 10, 8), True), (D(2026, 10, 9), False)],
)
def test_review_window_over_national_day(world: World, today: dt.date, ok: bool) -> None:
    # Issued 09-01: 30 days end on 10-01, inside the holiday; the last day is 10-08.
    notice = make_notice(world, issued_on=D(2026, 9, 1))
    if ok:
        case = review(world, notice, today)
        # Decided within 30 days of filing: 11-07 is a Saturday, so Monday 11-09.
        assert (case.filed_on, case.due_on, case.body_region_id) == (
            today,
            D(2026, 11, 9),
            world.region.pk,
        )
    else:
        with refused(DueProcessErrorCode.TOO_LATE, match="2026-10-08"):
            review(world, notice, today)


def test_review_needs_text_and_is_one_per_notice(world: World) -> None:
    notice = make_notice(world)
    with refused(DueProcessErrorCode.TEXT_REQUIRED):
        review(world, notice, D(2026, 11, 3), text="  ")
    review(world, notice, D(2026, 11, 3))
    with refused(DueProcessErrorCode.CASE_OPEN):
        review(world, notice, D(2026, 11, 4))


def test_evidence_type_by_content_and_size(world: World) -> None:
    notice = make_notice(world)
    fake = services.Upload(name="证明.png", content=b"MZ not an image")
    with refused(DueProcessErrorCode.EVIDENCE_BAD_TYPE):
        review(world, notice, D(2026, 11, 3), upload=fake)
    big = services.Upload(name="a.pdf", content=b"%PDF-" + b"0" * (5 * 1024 * 1024))
    with refused(DueProcessErrorCode.EVIDENCE_TOO_BIG):
        review(world, notice, D(2026, 11, 3), upload=big)
    assert not Case.objects.exists()  # all or nothing
    case = review(
        world,
        notice,
        D(2026, 11, 3),
        statement="同事可以作证",
        upload=services.Upload(name="scan.png", content=PNG),
    )
    (evidence,) = case.evidence.all()
    assert (evidence.content_type, evidence.text) == ("image/png", "同事可以作证")


def test_another_cadres_notice_is_404(world: World) -> None:
    from django.http import Http404

    notice = make_notice(world, key="town_cadre")
    with pytest.raises(Http404):
        review(world, notice, D(2026, 11, 3))


# ------------------------------------------------------------------ decisions


def test_changed_decision_corrects_archive_count_and_lists(world: World) -> None:
    notice = make_notice(world)
    case = review(world, notice, D(2026, 11, 3))
    excellent = YearRecord.objects.filter(region=world.region, year=2026, grade="excellent")
    assert excellent.count() == 0
    office = world.users["region_admin"]

    def lists() -> set[str]:
        return {e.kind for e in eligibility_of(office, notice.person_id, 2026)}

    assert "commendation" not in lists()

    with refused(DueProcessErrorCode.GRADE_REQUIRED):
        decide(world, case, D(2026, 11, 20), outcome="changed")
    with refused(DueProcessErrorCode.REASONS_REQUIRED):
        decide(world, case, D(2026, 11, 20), outcome="changed", new_grade="excellent", reasons="")
    with refused(DueProcessErrorCode.NOT_DECIDING_BODY):
        decide(world, case, D(2026, 11, 20), by="other_admin")
    decide(world, case, D(2026, 11, 20), outcome="changed", new_grade="excellent")

    correction = YearRecordCorrection.objects.get(record=notice.record)
    assert (correction.field, correction.old_value, correction.new_value) == (
        "grade",
        "competent",
        "excellent",
    )
    assert correction.reason == REASONS and correction.basis.startswith("复核")
    assert excellent.count() == 1  # the year's 优秀 count follows the archive
    assert "commendation" in lists()  # the lists read the corrected grade
    case.refresh_from_db()
    assert (case.state, case.new_grade, case.correction_id) == (
        "decided",
        "excellent",
        correction.pk,
    )
    # 申诉 within 15 days of the decision: 12-05 is a Saturday → Monday 12-07.
    assert case.appeal_until == D(2026, 12, 7)
    cadre = Notification.objects.filter(user=world.users["cadre"])
    assert any("优秀" in n.text for n in cadre)
    with refused(DueProcessErrorCode.CASE_DECIDED):
        decide(world, case, D(2026, 11, 21))
    assert AuditEvent.objects.filter(action="dueprocess.case.decide").count() == 1


# ------------------------------------------------------------------ 申诉


def _decided_review(world: World, on: dt.date = NOV_20) -> tuple[Notice, Case]:
    notice = make_notice(world)
    case = review(world, notice, D(2026, 11, 3))
    return notice, decide(world, case, on)


def appeal(world: World, notice: Notice, today: dt.date, **kw: str) -> Case:
    return services.appeal_lodge(
        actor=world.users["cadre"],
        notice_id=notice.pk,
        text=kw.get("text", "不服复核决定，提出申诉"),
        today=today,
    )


def test_appeal_needs_a_review_decision_unless_direct(world: World) -> None:
    notice = make_notice(world)
    with refused(DueProcessErrorCode.NO_REVIEW_DECISION):
        appeal(world, notice, D(2026, 11, 3))
    review(world, notice, D(2026, 11, 3))
    with refused(DueProcessErrorCode.NO_REVIEW_DECISION):
        appeal(world, notice, D(2026, 11, 4))


@pytest.mark.parametrize(("today", "ok"), [(D(2026, 12, 7), True), (D(2026, 12, 8), False)])
def test_appeal_window_boundary(world: World, today: dt.date, ok: bool) -> None:
    notice, _review = _decided_review(world)
    if ok:
        case = appeal(world, notice, today)
        # Decided within 60 days: 2027-02-05 (a Friday).
        assert (case.kind, case.review_id, case.due_on) == ("appeal", _review.pk, D(2027, 2, 5))
    else:
        with refused(DueProcessErrorCode.TOO_LATE, match="2026-12-07"):
            appeal(world, notice, today)


@pytest.mark.parametrize(("today", "ok"), [(D(2026, 10, 8), True), (D(2026, 10, 9), False)])
def test_direct_appeal_when_allowed(world: World, today: dt.date, ok: bool) -> None:
    DueProcessPolicy.objects.create(region=world.region, appeal_direct_allowed=True)
    notice = make_notice(world, issued_on=D(2026, 9, 1))
    if ok:
        assert appeal(world, notice, today).review_id is None
    else:
        with refused(DueProcessErrorCode.TOO_LATE, match="2026-10-08"):
            appeal(world, notice, today)


def test_appeal_decided_by_the_higher_authority_extended_once(world: World) -> None:
    DueProcessPolicy.objects.create(region=world.region, appeal_region=world.other_region)
    notice, _review = _decided_review(world)
    case = appeal(world, notice, D(2026, 11, 25))
    assert case.body_region_id == world.other_region.pk
    # The region's own office does not decide it; the higher authority's does.
    with refused(DueProcessErrorCode.NOT_DECIDING_BODY):
        services.case_extend(
            actor=world.users["region_admin"], case=case, reason="材料需要补充核实"
        )
    with refused(DueProcessErrorCode.REASONS_REQUIRED):
        services.case_extend(actor=world.users["other_admin"], case=case, reason=" ")
    due = case.due_on
    services.case_extend(
        actor=world.users["other_admin"],
        case=case,
        reason="需向原单位调取材料",
        today=D(2026, 12, 1),
    )
    case.refresh_from_db()
    assert (case.extended_days, case.extension_reason) == (30, "需向原单位调取材料")
    assert case.due_on > due and case.extended_on == D(2026, 12, 1)
    with refused(DueProcessErrorCode.EXTENDED_ALREADY):
        services.case_extend(actor=world.users["other_admin"], case=case, reason="再次延期理由")
    with refused(DueProcessErrorCode.NOT_AN_APPEAL):
        services.case_extend(actor=world.users["region_admin"], case=_review, reason="延期理由说明")

    decide(world, case, D(2027, 1, 5), by="other_admin", outcome="changed", new_grade="excellent")
    rec = YearRecord.objects.get(pk=notice.record_id)
    assert rec.grade == "excellent"
    assert YearRecordCorrection.objects.get(record=rec).basis.startswith("申诉")


# ------------------------------------------------------------------ reminders


def test_reminders_once_per_deadline(world: World) -> None:
    notice = make_notice(world)  # 复核 window ends 2026-12-02; reminded 3 days before
    assert services.cases_remind(D(2026, 11, 28)) == 0
    assert daily_check(D(2026, 11, 29)).reminded == 1  # the registry runs it
    assert services.cases_remind(D(2026, 11, 30)) == 0  # once
    notice.refresh_from_db()
    assert notice.review_reminded_for == D(2026, 12, 2)

    case = review(world, notice, D(2026, 12, 1))  # due 2026-12-31
    assert services.cases_remind(D(2026, 12, 27)) == 0
    assert services.cases_remind(D(2026, 12, 28)) == 1  # the office
    assert services.cases_remind(D(2026, 12, 29)) == 0
    admin = Notification.objects.filter(user=world.users["region_admin"])
    assert any("2026-12-31" in n.text for n in admin)

    decide(world, case, D(2026, 12, 30))  # 申诉 until 2027-01-14
    assert services.cases_remind(D(2027, 1, 11)) == 1  # the cadre's 申诉 window
    assert services.cases_remind(D(2027, 1, 12)) == 0


def test_the_review_window_reminder_reads_the_stored_day_and_spares_who_agreed(
    world: World,
) -> None:
    notice = make_notice(world)  # issued 11-02: stored window to 12-02
    Notice.objects.filter(pk=notice.pk).update(review_due_on=D(2026, 12, 2), agrees=True)
    assert services.cases_remind(D(2026, 11, 29)) == 0  # signed agreeing: not reminded
    Notice.objects.filter(pk=notice.pk).update(agrees=False)
    assert services.cases_remind(D(2026, 11, 29)) == 1  # disagreed: reminded
    assert services.cases_remind(D(2026, 11, 30)) == 0


def test_the_direct_appeal_window_is_reminded_once_where_allowed(world: World) -> None:
    notice = make_notice(world)
    # Allowed by the region: the window stored on the notice (30 days: 2026-12-02).
    Notice.objects.filter(pk=notice.pk).update(
        review_reminded_for=D(2026, 12, 2), appeal_direct_due_on=D(2026, 12, 2)
    )
    assert services.cases_remind(D(2026, 11, 28)) == 0
    assert services.cases_remind(D(2026, 11, 29)) == 1
    assert services.cases_remind(D(2026, 11, 30)) == 0  # once
    cadre = Notification.objects.filter(user=world.users["cadre"])
    assert any("直接提出申诉" in n.text and "2026-12-02" in n.text for n in cadre)
    # A notice with a case of its own is not reminded of the direct window.
    other = make_notice(world, "head")
    Notice.objects.filter(pk=other.pk).update(
        review_reminded_for=D(2026, 12, 2), appeal_direct_due_on=D(2026, 12, 2)
    )
    services.review_request(
        actor=world.users["unit_head"], notice_id=other.pk, text="请求复核", today=D(2026, 11, 3)
    )
    assert services.cases_remind(D(2026, 11, 29)) == 0


# ------------------------------------------------------------------ pages


def test_pages_flow_pdf_and_archive_section(world: World, client_as: Clients) -> None:
    notice = make_notice(world)
    cadre = client_as("cadre")
    url = reverse("dueprocess:review_request", args=[notice.pk])
    page = cadre.get(url)
    assert page.status_code == 200 and "复核期间不停止原考核结果的执行" in page.content.decode()
    bad = cadre.post(url, {"text": ""})
    assert bad.status_code == 400
    upload = io.BytesIO(PNG)
    upload.name = "scan.png"
    done = cadre.post(url, {"text": "请求复核我的年度等次", "statement": "", "file": upload})
    assert done.status_code == 302
    case = Case.objects.get()
    admin = client_as("region_admin")
    docket = admin.get(reverse("dueprocess:docket_review")).content.decode()
    assert "张小明" in docket
    decide_url = reverse("dueprocess:case_decide", args=[case.pk])
    assert "new_composite" in admin.get(reverse("dueprocess:case", args=[case.pk])).content.decode()
    bad_score = admin.post(
        decide_url,
        {"outcome": "changed", "new_composite": "１２０分", "reasons": REASONS},
    )
    assert bad_score.status_code == 400 and "0 到 100" in bad_score.content.decode()
    posted = admin.post(
        decide_url,
        {"outcome": "changed", "new_grade": "excellent", "reasons": REASONS},
    )
    assert posted.status_code == 302
    body = cadre.get(reverse("dueprocess:case", args=[case.pk])).content.decode()
    assert "结果变更" in body or "优秀" in body

    pdf = cadre.get(reverse("dueprocess:case_pdf", args=[case.pk]))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    for expected in ("张小明", "请求复核我的年度等次", "scan.png", REASONS, "优秀"):
        assert expected in text, expected

    section = cases_section(notice.person, 2026)
    assert section is not None and section.rows[0][5] == "优秀"
    archive = admin.get(reverse("outcomes:archive", args=[notice.person_id, 2026]))
    shown = archive.content.decode()
    # The section of the year's cases, and the correction with the old grade beside the new.
    assert "复核与申诉" in shown and "复核决定" in shown and "称职" in shown


def test_scoping(world: World, client_as: Clients) -> None:
    DueProcessPolicy.objects.create(region=world.region, appeal_region=world.other_region)
    notice = make_notice(world)
    case = review(world, notice, D(2026, 11, 3), upload=services.Upload("a.png", PNG))
    evidence = case.evidence.get()
    urls = [
        reverse("dueprocess:case", args=[case.pk]),
        reverse("dueprocess:case_pdf", args=[case.pk]),
        reverse("dueprocess:evidence", args=[evidence.pk]),
    ]
    for persona, status in [
        ("cadre", 200),
        ("region_admin", 200),
        ("cadre_other", 404),
        ("other_admin", 404),  # decides 申诉, not this 复核
        ("unit_head", 404),
    ]:
        for url in urls:
            assert client_as(persona).get(url).status_code == status, (persona, url)
    other = reverse("dueprocess:review_request", args=[notice.pk])
    assert client_as("cadre_other").get(other).status_code == 404
    assert client_as("cadre").get(reverse("dueprocess:docket_review")).status_code == 404
    decide(world, case, D(2026, 11, 20))
    lodged = appeal(world, notice, D(2026, 11, 25))
    url = reverse("dueprocess:case", args=[lodged.pk])
    assert client_as("other_admin").get(url).status_code == 200
    assert client_as("region_admin").get(url).status_code == 404
    docket = client_as("other_admin").get(reverse("dueprocess:docket_appeal")).content.decode()
    assert "张小明" in docket


def test_designated_body_is_said(world: World, client_as: Clients) -> None:
    notice, _review = _decided_review(world)
    case = appeal(world, notice, D(2026, 11, 25))
    assert case.body_region_id == world.region.pk
    page = client_as("region_admin").get(reverse("dueprocess:docket_appeal")).content.decode()
    assert 'id="designated"' in page


def test_docket_queries_do_not_grow(world: World, client_as: Clients) -> None:
    admin = client_as("region_admin")
    url = reverse("dueprocess:docket_review")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert admin.get(url).status_code == 200
        return len(ctx.captured_queries)

    review(world, make_notice(world), D(2026, 11, 3))
    one = count()
    # Other cadres' cases, filed as if by them (the service checks the notice's owner).
    for key in ("team", "centre_cadre", "town_cadre"):
        n = make_notice(world, key=key)
        Case.objects.create(
            kind=CaseKind.REVIEW,
            region=world.region,
            person=n.person,
            year=2026,
            notice=n,
            request_text="请求复核",
            filed_on=D(2026, 11, 3),
            due_on=D(2026, 12, 3),
            body_region=world.region,
        )
    assert count() == one


def test_pages_read_in_chinese(world: World, client_as: Clients) -> None:
    """The crawl of tests/attacks reaches these pages once the lead links them; until
    then the same checks here, on each page in each state."""
    from django.utils import translation

    from tests.attacks.test_wording_crawl import _offences, _Page, english_msgids, raw_codes

    DueProcessPolicy.objects.create(region=world.region, appeal_region=world.other_region)
    notice = make_notice(world)
    case = review(world, notice, D(2026, 11, 3), statement="同事可以作证")
    pages = [
        ("cadre", reverse("dueprocess:review_request", args=[notice.pk])),
        ("cadre", reverse("dueprocess:appeal_request", args=[notice.pk])),
        ("cadre", reverse("dueprocess:case", args=[case.pk])),
        ("region_admin", reverse("dueprocess:case", args=[case.pk])),
        ("region_admin", reverse("dueprocess:docket_review")),
    ]
    texts = []
    with translation.override("zh-hans"):
        for persona, url in pages:
            texts.append((persona, url, client_as(persona).get(url)))
        decide(world, case, D(2026, 11, 20), outcome="changed", new_grade="excellent")
        lodged = appeal(world, notice, D(2026, 11, 25))
        services.case_extend(actor=world.users["other_admin"], case=lodged, reason="需要调取材料")
        for persona, url in [
            ("cadre", reverse("dueprocess:case", args=[case.pk])),
            ("cadre", reverse("dueprocess:case", args=[lodged.pk])),
            ("cadre", reverse("dueprocess:cases_mine")),
            ("other_admin", reverse("dueprocess:case", args=[lodged.pk])),
            ("other_admin", reverse("dueprocess:docket_appeal")),
            ("region_admin", reverse("outcomes:archive", args=[notice.person_id, 2026])),
        ]:
            texts.append((persona, url, client_as(persona).get(url)))
    codes, msgids = raw_codes(), english_msgids()
    found = []
    for persona, url, response in texts:
        assert response.status_code == 200, (persona, url)
        page = _Page()
        page.feed(response.content.decode())
        found += [(persona, url, o) for o in _offences("\n".join(page.texts), codes, msgids)]
    assert found == []


def test_changed_composite_ranks_the_tier_and_unit_again_keeping_old_places(
    world: World,
) -> None:
    """A decision that corrects the composite: the archive's places in the tier and the
    unit are ranked again (ties would share a place), every moved place a correction
    with its old value; the grade's correction moves the year's 优秀 count; the award
    list (top half of the tier) follows the new places."""
    published_year(world, 2026)
    p = world.people
    figures = {  # person: (composite, grade, place in tier, place in unit)
        "head": ("95.00", "excellent", 1, 1),
        "team": ("90.00", "competent", 2, 2),
        "town_cadre": ("85.00", "competent", 3, 1),
        "cadre": ("80.00", "competent", 4, 3),
    }
    for key, (composite, grade, tier_place, unit_place) in figures.items():
        YearRecord.objects.filter(person=p[key], year=2026).update(
            composite=Decimal(composite),
            grade=grade,
            rank_in_tier=tier_place,
            rank_in_unit=unit_place,
        )
    notice = make_notice(world)
    case = review(world, notice, D(2026, 11, 3))
    office = world.users["region_admin"]
    assert "award" not in {e.kind for e in eligibility_of(office, p["cadre"].pk, 2026)}
    excellent = YearRecord.objects.filter(region=world.region, year=2026, grade="excellent")
    assert excellent.count() == 1

    with refused(DueProcessErrorCode.GRADE_REQUIRED):  # a change that changes nothing
        decide(world, case, NOV_20, outcome="changed", new_grade="competent")
    decide(world, case, NOV_20, outcome="changed", new_grade="excellent", new_composite="92")

    def places(key: str) -> tuple[int | None, int | None, Decimal | None]:
        r = YearRecord.objects.get(person=p[key], year=2026)
        return r.rank_in_tier, r.rank_in_unit, r.composite

    assert places("head") == (1, 1, Decimal("95.00"))
    assert places("cadre") == (2, 2, Decimal("92.00"))
    assert places("team") == (3, 3, Decimal("90.00"))
    assert places("town_cadre") == (4, 1, Decimal("85.00"))
    moved = {
        (c.record.person_id, c.field, c.old_value, c.new_value)
        for c in YearRecordCorrection.objects.select_related("record")
    }
    assert moved == {
        (p["cadre"].pk, "composite", "80.00", "92.00"),
        (p["cadre"].pk, "grade", "competent", "excellent"),
        (p["cadre"].pk, "rank_in_tier", "4", "2"),
        (p["cadre"].pk, "rank_in_unit", "3", "2"),
        (p["team"].pk, "rank_in_tier", "2", "3"),
        (p["team"].pk, "rank_in_unit", "2", "3"),
        (p["town_cadre"].pk, "rank_in_tier", "3", "4"),
    }
    # The others' records say why their place moved, not whose score was corrected.
    for c in YearRecordCorrection.objects.exclude(record__person=p["cadre"]):
        assert p["cadre"].name not in c.reason and c.basis.startswith("复核")
    assert excellent.count() == 2  # the quota count follows the corrected grade
    assert "award" in {e.kind for e in eligibility_of(office, p["cadre"].pk, 2026)}
    assert "award" not in {e.kind for e in eligibility_of(office, p["team"].pk, 2026)}
    case.refresh_from_db()
    assert (case.new_composite, case.new_grade) == (Decimal("92.00"), "excellent")
    assert any("92.00" in n.text for n in Notification.objects.filter(user=world.users["cadre"]))
