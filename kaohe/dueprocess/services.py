"""Writes of due process: every one a recorded, all-or-nothing service.

Each part of issue 17 keeps its functions in a block headed with its name."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kaohe.accounts.access import require_region_admin, scope_of
from kaohe.accounts.home_cache import home_forget_person, home_forget_region
from kaohe.accounts.models import Role, User
from kaohe.core import clock as core_clock
from kaohe.core import clock as today_clock
from kaohe.core import files
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ApplicationError
from kaohe.core.files import Upload as Upload
from kaohe.core.models import AuditEvent
from kaohe.core.text import bounded_text, clean_text, visible_length
from kaohe.dueprocess import selectors
from kaohe.dueprocess.clocks import (
    calendar_deadline,
    in_time,
    region_calendar_around,
    workday_deadline,
)
from kaohe.dueprocess.errors import DueProcessErrorCode
from kaohe.dueprocess.models import (
    Case,
    CaseEvidence,
    CaseKind,
    CaseState,
    DueProcessPolicy,
    Notice,
    Objection,
    Publicity,
    PublicityEntry,
)
from kaohe.dueprocess.policies import policy_for
from kaohe.dueprocess.selectors import day_text
from kaohe.jobs.progress import ProgressFn, no_progress
from kaohe.notices.services import notify, region_admins
from kaohe.org.models import LeadershipRole, Membership
from kaohe.outcomes.models import YearRecord
from kaohe.outcomes.services import year_record_correct
from kaohe.scoring import services as scoring
from kaohe.scoring.engine import AnnualGrade
from kaohe.scoring.explain import explain, grade_label
from kaohe.scoring.models import AnnualResult, AnnualRun, AnnualStep, PersonYearFlag, RunState

_MIN_TEXT = 4  # visible characters of a request, a reason (as a correction's reason)


def evidence_type(upload: Upload) -> str:
    """The content type of an evidence file, from its content; a refusal otherwise."""
    return files.evidence_type(
        upload,
        too_big=DueProcessErrorCode.EVIDENCE_TOO_BIG,
        bad_type=DueProcessErrorCode.EVIDENCE_BAD_TYPE,
    )


def _required(text: str, message: str, code: DueProcessErrorCode) -> str:
    text = clean_text(text).strip()
    if visible_length(text) < _MIN_TEXT:
        raise ApplicationError(message, code=code)
    return text


def _cadre_users(person_id: int) -> list[int]:
    return list(User.objects.filter(person_id=person_id).values_list("pk", flat=True))


def _add_evidence(
    actor: User, case: Case, statement: str, upload: Upload | None, content_type: str
) -> None:
    statement = clean_text(statement).strip()
    if not statement and upload is None:
        return
    evidence = CaseEvidence.objects.create(
        case=case,
        added_by=actor,
        text=statement[:5000],
        file_name=(upload.name[-200:] if upload else ""),
        content_type=content_type,
        content=upload.content if upload else None,
    )
    audit_record(
        actor=actor,
        action=AuditAction.DUEPROCESS_CASE_EVIDENCE,
        obj=evidence,
        region=actor.region,
        details={"case": case.pk, "file": evidence.file_name, "type": content_type},
    )


def _file(
    actor: User,
    notice: Notice,
    kind: CaseKind,
    text: str,
    today: dt.date,
    decide_days: int,
    body_region_id: int,
    review: Case | None,
    statement: str,
    upload: Upload | None,
) -> Case:
    text = _required(
        text, _("Write what you ask to be reviewed and why."), DueProcessErrorCode.TEXT_REQUIRED
    )
    content_type = evidence_type(upload) if upload is not None else ""
    cal = region_calendar_around(notice.region_id, today)
    case = Case.objects.create(
        kind=kind,
        region_id=notice.region_id,
        person_id=notice.person_id,
        year=notice.year,
        notice=notice,
        review=review,
        request_text=text[:10000],
        filed_on=today,
        due_on=calendar_deadline(cal, today, decide_days),
        body_region_id=body_region_id,
    )
    _add_evidence(actor, case, statement, upload, content_type)
    audit_record(
        actor=actor,
        action=AuditAction.DUEPROCESS_CASE_FILE,
        obj=case,
        region=actor.region,
        details={"kind": kind.value, "notice": notice.pk, "due_on": case.due_on.isoformat()},
        state=case.state,
    )
    notify(
        users=region_admins(body_region_id),
        text=_("%(name)s asks for a %(kind)s of their %(year)s result; decide by %(day)s.")
        % {
            "name": notice.person.name,
            "kind": case.get_kind_display(),
            "year": notice.year,
            "day": case.due_on.isoformat(),
        },
        url=reverse("dueprocess:case", args=[case.pk]),
        kind="dueprocess_case",
    )
    return case


def _locked_notice(actor: User, notice_id: int) -> Notice:
    notice = selectors.own_notice(actor, notice_id)
    # One request at a time per notice: the row lock orders two clicks of the button.
    Notice.objects.select_for_update().filter(pk=notice.pk).first()
    return notice


@transaction.atomic
def review_request(
    *,
    actor: User,
    notice_id: int,
    text: str,
    statement: str = "",
    upload: Upload | None = None,
    today: dt.date | None = None,
) -> Case:
    """The cadre requests a 复核 of their notified result, within the region's days of
    the notice (accepted on the last day, refused the next, naming it)."""
    today = today or core_clock.today()
    notice = _locked_notice(actor, notice_id)
    last = selectors.review_last_day(notice)
    if not in_time(today, last):
        raise ApplicationError(
            _("The time to request a 复核 ended on %(day)s.") % {"day": last.isoformat()},
            code=DueProcessErrorCode.TOO_LATE,
        )
    if (
        Case.objects.filter(notice=notice, kind=CaseKind.REVIEW)
        .exclude(state=CaseState.WITHDRAWN)
        .exists()
    ):
        raise ApplicationError(
            _("A 复核 of this notice has already been requested."),
            code=DueProcessErrorCode.CASE_OPEN,
        )
    policy = policy_for(notice.region_id)
    return _file(
        actor,
        notice,
        CaseKind.REVIEW,
        text,
        today,
        policy.review_decide_days,
        notice.region_id,
        None,
        statement,
        upload,
    )


@transaction.atomic
def appeal_lodge(
    *,
    actor: User,
    notice_id: int,
    text: str,
    statement: str = "",
    upload: Upload | None = None,
    today: dt.date | None = None,
) -> Case:
    """The cadre lodges a 申诉: within the region's days of the 复核 decision, or
    directly within its days of the notice where the region allows that. The higher
    authority (the policy's appeal_region) decides it, or the region's own office as
    the designated body."""
    today = today or core_clock.today()
    notice = _locked_notice(actor, notice_id)
    cases = selectors.notice_cases(notice)
    if any(c.kind == CaseKind.APPEAL and c.state != CaseState.WITHDRAWN for c in cases):
        raise ApplicationError(
            _("A 申诉 about this notice has already been lodged."),
            code=DueProcessErrorCode.CASE_OPEN,
        )
    reviews = [c for c in cases if c.kind == CaseKind.REVIEW and c.state != CaseState.WITHDRAWN]
    review = reviews[-1] if reviews else None
    if review is not None and review.state == CaseState.OPEN:
        raise ApplicationError(
            _("The 复核 is not decided yet: a 申诉 may be lodged after its decision."),
            code=DueProcessErrorCode.NO_REVIEW_DECISION,
        )
    last = review.appeal_until if review is not None else selectors.direct_appeal_last_day(notice)
    if last is None:
        raise ApplicationError(
            _("A 申诉 may be lodged after the 复核 decision: request a 复核 first."),
            code=DueProcessErrorCode.NO_REVIEW_DECISION,
        )
    if not in_time(today, last):
        raise ApplicationError(
            _("The time to lodge a 申诉 ended on %(day)s.") % {"day": last.isoformat()},
            code=DueProcessErrorCode.TOO_LATE,
        )
    policy = policy_for(notice.region_id)
    return _file(
        actor,
        notice,
        CaseKind.APPEAL,
        text,
        today,
        policy.appeal_decide_days,
        policy.appeal_region_id or notice.region_id,
        review,
        statement,
        upload,
    )


def _locked_open(actor: User, case: Case) -> Case:
    if not selectors.is_deciding_body(actor, case):
        raise ApplicationError(
            _("Only the body that decides this case may do this."),
            code=DueProcessErrorCode.NOT_DECIDING_BODY,
        )
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.state != CaseState.OPEN:
        raise ApplicationError(
            _("This case is decided already."), code=DueProcessErrorCode.CASE_DECIDED
        )
    return locked


@transaction.atomic
def case_extend(*, actor: User, case: Case, reason: str, today: dt.date | None = None) -> Case:
    """The higher authority extends a 申诉's decision once, by the region's days, with
    its reason; a second extension is refused."""
    today = today or core_clock.today()
    if case.kind != CaseKind.APPEAL:
        raise ApplicationError(
            _("Only a 申诉's decision may be extended."), code=DueProcessErrorCode.NOT_AN_APPEAL
        )
    case = _locked_open(actor, case)
    if case.extended_days:
        raise ApplicationError(
            _("This decision was extended already: it may be extended only once."),
            code=DueProcessErrorCode.EXTENDED_ALREADY,
        )
    reason = _required(
        reason, _("Write the reason for the extension."), DueProcessErrorCode.REASONS_REQUIRED
    )
    days = policy_for(case.region_id).appeal_extension_days
    old_due = case.due_on
    case.due_on = calendar_deadline(region_calendar_around(case.region_id, old_due), old_due, days)
    case.extended_days = days
    case.extension_reason = reason[:2000]
    case.extended_on = today
    case.save(update_fields=["due_on", "extended_days", "extension_reason", "extended_on"])
    audit_record(
        actor=actor,
        action=AuditAction.DUEPROCESS_CASE_EXTEND,
        obj=case,
        region=actor.region,
        details={"from": old_due.isoformat(), "to": case.due_on.isoformat(), "days": days},
        state=case.state,
        note=reason,
    )
    notify(
        user_ids=_cadre_users(case.person_id),
        text=_("The decision on your %(kind)s is extended to %(day)s: %(reason)s")
        % {"kind": case.get_kind_display(), "day": case.due_on.isoformat(), "reason": reason},
        url=reverse("dueprocess:case", args=[case.pk]),
        kind="dueprocess_case",
    )
    return case


@transaction.atomic
def case_decide(
    *,
    actor: User,
    case: Case,
    outcome: str,
    reasons: str,
    new_grade: str = "",
    new_composite: str = "",
    today: dt.date | None = None,
) -> Case:
    """The deciding body upholds the result or changes it, with its reasons. A change
    is a recorded correction of the archived year: the old grade or composite stays
    beside the new, a corrected composite ranks the tier and the unit again, and the
    figures derived from the archive (the eligibility lists) are derived again; the
    cadre is told."""
    today = today or core_clock.today()
    case = _locked_open(actor, case)
    if outcome not in Case.Outcome.values:
        raise ApplicationError(
            _("Choose the decision: result upheld or result changed."),
            code=DueProcessErrorCode.BAD_OUTCOME,
        )
    reasons = _required(
        reasons, _("Write the reasons for the decision."), DueProcessErrorCode.REASONS_REQUIRED
    )
    notice = Notice.objects.select_related("record", "person").get(pk=case.notice_id)
    if outcome == Case.Outcome.CHANGED:
        record = notice.record
        composite = new_composite.strip()
        grade_changes = bool(new_grade) and new_grade != record.grade
        if (new_grade and new_grade not in {g.value for g in AnnualGrade}) or not (
            grade_changes or composite
        ):
            raise ApplicationError(
                _(
                    "Choose the new grade (a grade other than the archived one), or enter "
                    "the corrected composite score, or both."
                ),
                code=DueProcessErrorCode.GRADE_REQUIRED,
            )
        basis = (
            _("复核 decision of %(day)s")
            if case.kind == CaseKind.REVIEW
            else _("申诉 decision of %(day)s")
        ) % {"day": today.isoformat()}
        # The deciding body was checked above (a 申诉's is another region's office).
        # The composite first: its correction ranks the tier and the unit again.
        if composite:
            first = year_record_correct(
                actor=actor,
                record=record,
                field="composite",
                value=composite,
                reason=reasons,
                basis=basis,
                authority_checked=True,
            )
            case.correction = first
            case.new_composite = Decimal(first.new_value)
            record.refresh_from_db()
        if grade_changes:
            case.correction = year_record_correct(
                actor=actor,
                record=record,
                field="grade",
                value=new_grade,
                reason=reasons,
                basis=basis,
                authority_checked=True,
            )
            case.new_grade = new_grade
        # The corrections refreshed the person's list facts from this year on: the
        # lists, the 优秀 counts and the ranks all read the archive.
    case.outcome = outcome
    case.reasons = reasons[:5000]
    case.state = CaseState.DECIDED
    case.decided_on = today
    case.decided_by = actor
    if case.kind == CaseKind.REVIEW:
        days = policy_for(case.region_id).appeal_request_days
        case.appeal_until = calendar_deadline(
            region_calendar_around(case.region_id, today), today, days
        )
    case.save()
    audit_record(
        actor=actor,
        action=AuditAction.DUEPROCESS_CASE_DECIDE,
        obj=case,
        region=actor.region,
        details={
            "outcome": outcome,
            "new_grade": case.new_grade,
            "new_composite": "" if case.new_composite is None else str(case.new_composite),
            "kind": case.kind,
        },
        state=case.state,
        note=reasons,
    )
    text = _("Your %(kind)s is decided: %(outcome)s.") % {
        "kind": case.get_kind_display(),
        "outcome": case.get_outcome_display(),
    }
    if case.new_composite is not None:
        text += " " + _("Your composite score is now %(score)s.") % {"score": case.new_composite}
    if case.new_grade:
        text += " " + _("Your grade is now %(grade)s.") % {"grade": grade_label(case.new_grade)}
    if case.appeal_until:
        text += " " + _("You may lodge a 申诉 until %(day)s.") % {
            "day": case.appeal_until.isoformat()
        }
    notify(
        user_ids=_cadre_users(case.person_id),
        text=text,
        url=reverse("dueprocess:case", args=[case.pk]),
        kind="dueprocess_case",
    )
    return case


# ---------------------------------------------------------------- cases: reminders


def _reminder_days(region_id: int) -> int:
    return policy_for(region_id).reminder_days


def cases_remind(today: dt.date) -> int:
    """The daily reminders of the cases' deadlines (notices.daily.register_daily): the
    deciding body `reminder_days` before a case's due day, and the cadre before their
    复核 / 申诉 window closes. Once per deadline: the row records the day it reminded
    of (an extension moves the due day, which is reminded of again). Returns how many
    reminders were sent."""
    sent = 0
    with transaction.atomic():
        sent += _remind_bodies(today)
        sent += _remind_review_windows(today)
        sent += _remind_appeal_windows(today)
        sent += _remind_direct_appeal_windows(today)
        if sent:
            audit_record(
                actor=None,
                action=AuditAction.DUEPROCESS_CASE_REMIND,
                details={"day": today.isoformat(), "reminders": sent},
            )
    return sent


def _near(region_id: int, last_day: dt.date, today: dt.date) -> bool:
    return today <= last_day <= today + dt.timedelta(days=_reminder_days(region_id))


_LOOKAHEAD = dt.timedelta(days=400)  # reminder_days is a small figure; a bound for the query


def _remind_cadre(
    row: Notice | Case, field: str, last: dt.date, today: dt.date, text: str, url: str
) -> int:
    """Remind the row's cadre of a window closing on `last`, once (the row's `field`
    records the day reminded of), when it closes within the region's reminder days.
    Returns 1 if reminded, else 0."""
    if not _near(row.region_id, last, today):
        return 0
    type(row).objects.filter(pk=row.pk).update(**{field: last})
    notify(
        user_ids=_cadre_users(row.person_id),
        text=text,
        url=url,
        kind="dueprocess_window",
    )
    return 1


def _remind_bodies(today: dt.date) -> int:
    sent = 0
    cases = (
        Case.objects.filter(state=CaseState.OPEN, due_on__gte=today, due_on__lte=today + _LOOKAHEAD)
        .select_related("person")
        .order_by("pk")
    )
    for case in cases:
        if case.body_reminded_for == case.due_on or not _near(case.region_id, case.due_on, today):
            continue
        Case.objects.filter(pk=case.pk).update(body_reminded_for=case.due_on)
        notify(
            users=region_admins(case.body_region_id or case.region_id),
            text=_("The %(kind)s of %(name)s must be decided by %(day)s.")
            % {
                "kind": case.get_kind_display(),
                "name": case.person.name,
                "day": case.due_on.isoformat(),
            },
            url=reverse("dueprocess:case", args=[case.pk]),
            kind="dueprocess_due",
        )
        sent += 1
    return sent


def _remind_review_windows(today: dt.date) -> int:
    """The cadre whose 复核 window closes within the reminder days and who has neither
    requested one nor signed agreeing (one who agreed has the notice's rights on its
    page). The window is the notice's stored day; a notice without one (made before
    notices stored it) is looked at by its issue day."""
    horizon = max(
        DueProcessPolicy.objects.aggregate(m=Max("reminder_days"))["m"] or 0,
        DueProcessPolicy._meta.get_field("reminder_days").default,
    )
    longest = max(
        DueProcessPolicy.objects.aggregate(m=Max("review_request_days"))["m"] or 0,
        DueProcessPolicy._meta.get_field("review_request_days").default,
    )
    stored = Q(review_due_on__gte=today, review_due_on__lte=today + dt.timedelta(days=horizon))
    unstored = Q(
        review_due_on__isnull=True,
        issued_on__gte=today - dt.timedelta(days=longest + 31),
        issued_on__lte=today,
    )
    notices = (
        Notice.objects.filter(stored | unstored)
        .filter(review_reminded_for__isnull=True, superseded_by__isnull=True)
        .exclude(agrees=True)
        .exclude(cases__kind=CaseKind.REVIEW)
        .order_by("pk")
    )
    sent = 0
    for notice in notices:
        last = selectors.review_last_day(notice)
        sent += _remind_cadre(
            notice,
            "review_reminded_for",
            last,
            today,
            _("You may request a 复核 of your %(year)s result until %(day)s.")
            % {"year": notice.year, "day": last.isoformat()},
            reverse("dueprocess:review_request", args=[notice.pk]),
        )
    return sent


def _remind_appeal_windows(today: dt.date) -> int:
    reviews = (
        Case.objects.filter(
            kind=CaseKind.REVIEW,
            state=CaseState.DECIDED,
            appeal_reminded_for__isnull=True,
            appeal_until__gte=today,
            appeal_until__lte=today + _LOOKAHEAD,
        )
        .exclude(appeals__isnull=False)
        .order_by("pk")
    )
    sent = 0
    for review in reviews:
        assert review.appeal_until is not None
        sent += _remind_cadre(
            review,
            "appeal_reminded_for",
            review.appeal_until,
            today,
            _("You may lodge a 申诉 against the 复核 decision until %(day)s.")
            % {"day": review.appeal_until.isoformat()},
            reverse("dueprocess:appeal_request", args=[review.notice_id]),
        )
    return sent


def _remind_direct_appeal_windows(today: dt.date) -> int:
    """Where the region allows a 申诉 without a 复核: the cadre who has lodged neither,
    before the notice's direct window closes (stored on the notice when issued)."""
    notices = (
        Notice.objects.filter(
            direct_reminded_for__isnull=True,
            superseded_by__isnull=True,
            appeal_direct_due_on__gte=today,
            appeal_direct_due_on__lte=today + _LOOKAHEAD,
        )
        .exclude(cases__isnull=False)
        .order_by("pk")
    )
    sent = 0
    for notice in notices:
        last = notice.appeal_direct_due_on
        assert last is not None
        sent += _remind_cadre(
            notice,
            "direct_reminded_for",
            last,
            today,
            _("You may lodge a 申诉 against your %(year)s result directly until %(day)s.")
            % {"year": notice.year, "day": last.isoformat()},
            reverse("dueprocess:appeal_request", args=[notice.pk]),
        )
    return sent


# ---------------------------------------------------------------- publicity (公示)

# An objection and a finding are a statement, not a file: bounded so that a page of
# them stays readable and a paste of a whole document is refused with the limit named.
OBJECTION_MAX = 2000
FINDING_MAX = 2000


def _text(raw: str, *, limit: int, field: str, required: str, code: DueProcessErrorCode) -> str:
    """A required statement, refused when blank (`required`, `code`) or too long
    (core.text.bounded_text names the field and how much to cut)."""
    text = bounded_text(raw or "", limit, field=field, code=DueProcessErrorCode.TEXT_TOO_LONG)
    if not visible_length(text):
        raise ApplicationError(required, code=code)
    return text


def _excellent(run: AnnualRun) -> list[AnnualResult]:
    return list(
        AnnualResult.objects.filter(run=run, grade=AnnualGrade.EXCELLENT)
        .select_related("person", "unit")
        .order_by("unit__path", "person__name", "person_id")
    )


# Posts the region appoints (a unit's leaders): their 公示 is the whole region's.
_REGION_POSTS = frozenset({LeadershipRole.MAIN, LeadershipRole.TEAM})


def _posts(region_id: int, person_ids: list[int], day: dt.date) -> dict[int, tuple[str, bool]]:
    """Each person's post as it stands on `day` (the latest membership in force), and
    whether the region appoints it (a unit's leader)."""
    posts: dict[int, tuple[dt.date, str, bool]] = {}
    for person_id, post, role, valid_from in (
        Membership.objects.filter(region_id=region_id, person_id__in=person_ids)
        .on(day)
        .order_by()
        .values_list("person_id", "post", "leadership_role", "valid_from")
    ):
        if person_id not in posts or valid_from > posts[person_id][0]:
            posts[person_id] = (valid_from, post, role in _REGION_POSTS)
    return {p: (post, leader) for p, (_since, post, leader) in posts.items()}


def _entries_of(
    publicity: Publicity, results: list[AnnualResult], day: dt.date, ends_on: dt.date
) -> list[PublicityEntry]:
    posts = _posts(publicity.region_id, [r.person_id for r in results], day)
    return [
        PublicityEntry(
            publicity=publicity,
            person_id=r.person_id,
            unit_id=r.unit_id,
            name=r.person.name[:100],
            unit_name=r.unit.name[:200],
            post=posts.get(r.person_id, ("", False))[0][:100],
            grade=r.grade,
            region_wide=posts.get(r.person_id, ("", False))[1],
            listed_on=day,
            ends_on=ends_on,
        )
        for r in results
    ]


def _publicity_end(region_id: int, start: dt.date) -> dt.date:
    """The last day of a 公示 that starts on `start`, on the region's calendar; stored
    on the row, so a later change of the region's figures moves no running 公示."""
    workdays = policy_for(region_id).publicity_workdays
    return workday_deadline(region_calendar_around(region_id, start), start, workdays)


@transaction.atomic
def publicity_start(*, actor: User, run: AnnualRun, today: dt.date) -> Publicity:
    """Post the computed year's 优秀 candidates for the region's number of working days
    from `today`: name, unit and post as they stand, and the proposed grade."""
    require_region_admin(actor, run.region_id)
    locked = (
        AnnualRun.objects.select_for_update(of=("self",)).select_related("region").get(pk=run.pk)
    )
    if locked.state != RunState.COMPUTED:
        raise ApplicationError(
            _(
                "Only a computed year that is not yet published can be publicly posted; "
                "this year is %(state)s."
            )
            % {"state": locked.get_state_display()},
            code=DueProcessErrorCode.RUN_NOT_COMPUTED,
        )
    existing = Publicity.objects.filter(run=locked).first()
    if existing is not None:
        raise ApplicationError(
            _("The 公示 of this year was already started on %(day)s; it is not started twice.")
            % {"day": existing.starts_on.isoformat()},
            code=DueProcessErrorCode.PUBLICITY_EXISTS,
        )
    results = _excellent(locked)
    if not results:
        raise ApplicationError(
            _("No one is graded 优秀 in this year's results: there is no one to post."),
            code=DueProcessErrorCode.NO_CANDIDATES,
        )
    ends_on = _publicity_end(locked.region_id, today)
    publicity = Publicity.objects.create(
        region_id=locked.region_id,
        run=locked,
        year=locked.year,
        starts_on=today,
        ends_on=ends_on,
        started_by=actor,
    )
    PublicityEntry.objects.bulk_create(_entries_of(publicity, results, today, ends_on))
    audit_record(
        actor=actor,
        action=AuditAction.DUEPROCESS_PUBLICITY_START,
        obj=publicity,
        region=locked.region,
        details={"year": locked.year, "people": len(results), "day": ends_on.isoformat()},
    )
    home_forget_region(locked.region_id)  # everyone's home page lists a running 公示
    return publicity


def _in_scope(actor: User, entry: PublicityEntry) -> bool:
    unit = entry.unit
    if actor.region_id != entry.publicity.region_id:
        return False
    scope = scope_of(actor)
    if entry.region_wide:  # a leader's 公示: anyone with a grant in the region
        return not scope.is_empty
    return unit is not None and scope.covers_path(unit.path, unit.pk)


def _start_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@transaction.atomic
def objection_raise(
    *, actor: User, entry: PublicityEntry, text: str, anonymous: bool, today: dt.date
) -> Objection:
    """An objection against a candidate, by anyone who may see them, during the 公示
    (until the candidate's last day, inclusive). Anonymous, it keeps no author, and its
    audit row carries neither the actor nor a time finer than the day (the time could
    be matched with the sign-ins in the log); the office is not notified of it at the
    moment it is raised for the same reason: it is on the docket and blocks the publish."""
    entry = (
        # Only the candidate's row is locked (its unit is a nullable join).
        PublicityEntry.objects.select_for_update(of=("self",))
        .select_related("publicity__region", "unit")
        .get(pk=entry.pk)
    )
    if not _in_scope(actor, entry):
        raise ApplicationError(
            _("You may raise objections only against candidates of your own units."),
            code=DueProcessErrorCode.NOT_IN_SCOPE,
        )
    if entry.withdrawn_on is not None:
        raise ApplicationError(
            _("%(name)s was withdrawn from the 公示 on %(day)s; no objection is taken.")
            % {"name": entry.name, "day": entry.withdrawn_on.isoformat()},
            code=DueProcessErrorCode.CANDIDATE_WITHDRAWN,
        )
    if not in_time(today, entry.ends_on):
        raise ApplicationError(
            _("The 公示 of %(name)s ended on %(day)s; objections are no longer taken.")
            % {"name": entry.name, "day": entry.ends_on.isoformat()},
            code=DueProcessErrorCode.TOO_LATE,
        )
    text = _text(
        text,
        limit=OBJECTION_MAX,
        field=_("The objection"),
        required=_("Write what the objection is about."),
        code=DueProcessErrorCode.TEXT_REQUIRED,
    )
    objection = Objection.objects.create(
        publicity=entry.publicity,
        entry=entry,
        anonymous=anonymous,
        author=None if anonymous else actor,
        raised_on=today,
        text=text,
    )
    event = audit_record(
        actor=None if anonymous else actor,
        action=AuditAction.DUEPROCESS_OBJECTION_RAISE,
        obj=objection,
        region=entry.publicity.region,
        details={"name": entry.name, "anonymous": anonymous},
    )
    if anonymous:
        AuditEvent.objects.filter(pk=event.pk).update(created_at=_start_of_day(today))
    else:
        notify(
            users=User.objects.filter(
                region_id=entry.publicity.region_id,
                role_grants__role=Role.REGION_ADMIN,
                role_grants__region_id=entry.publicity.region_id,
            ).distinct(),
            text=_("An objection was raised against %(name)s in the 公示 of %(year)s.")
            % {"name": entry.name, "year": entry.publicity.year},
            url=reverse("dueprocess:objections"),
            kind="dueprocess_objection",
        )
    return objection


@transaction.atomic
def publicity_sync(
    *,
    actor: User,
    publicity: Publicity,
    today: dt.date,
    reasons: Mapping[int, str] | None = None,
) -> tuple[list[str], list[str]]:
    """Bring the 公示 in line with its run's results after a recompute: a candidate no
    longer 优秀 is marked withdrawn (today, with `reasons[person]` or the recompute as
    the reason), one newly 优秀 is listed from today for their own full period. Returns
    the names withdrawn and added."""
    require_region_admin(actor, publicity.region_id)
    results = {r.person_id: r for r in _excellent(publicity.run)}
    entries = {e.person_id: e for e in PublicityEntry.objects.filter(publicity=publicity)}
    withdrawn: list[PublicityEntry] = []
    for person_id, entry in entries.items():
        if person_id not in results and entry.withdrawn_on is None:
            entry.withdrawn_on = today
            entry.withdrawn_reason = (
                (reasons or {}).get(person_id)
                or _("No longer graded 优秀 after the year was computed again.")
            )[:500]
            withdrawn.append(entry)
    PublicityEntry.objects.bulk_update(withdrawn, ["withdrawn_on", "withdrawn_reason"])
    ends_on = _publicity_end(publicity.region_id, today)
    newcomers = [r for pid, r in results.items() if pid not in entries]
    # Graded 优秀 again after a withdrawal: listed again from today, for a full period.
    back = [entries[pid] for pid in results if pid in entries and entries[pid].withdrawn_on]
    for entry in back:
        entry.withdrawn_on, entry.withdrawn_reason = None, ""
        entry.listed_on, entry.ends_on = today, ends_on
    PublicityEntry.objects.bulk_update(
        back, ["withdrawn_on", "withdrawn_reason", "listed_on", "ends_on"]
    )
    PublicityEntry.objects.bulk_create(_entries_of(publicity, newcomers, today, ends_on))
    added = [r.person.name for r in newcomers] + [e.name for e in back]
    gone = [e.name for e in withdrawn]
    if gone or added:
        audit_record(
            actor=actor,
            action=AuditAction.DUEPROCESS_PUBLICITY_SYNC,
            obj=publicity,
            region=publicity.region,
            details={"year": publicity.year, "withdrawn": gone, "added": added},
        )
        home_forget_region(publicity.region_id)  # a newcomer's own last day
    return gone, added


def objection_finding_check(*, objection: Objection, finding: str, text: str) -> str:
    """The finding as it will be written, or the refusal: checked before an upheld
    finding's job starts, and again when it runs."""
    if objection.finding:
        raise ApplicationError(
            _("This objection was already answered on %(day)s.")
            % {"day": timezone.localdate(objection.resolved_at).isoformat()}
            if objection.resolved_at
            else _("This objection was already answered."),
            code=DueProcessErrorCode.ALREADY_RESOLVED,
        )
    if finding not in Objection.Finding.values:
        raise ApplicationError(
            _("Choose whether the objection is upheld or not."),
            code=DueProcessErrorCode.FINDING_REQUIRED,
        )
    text = _text(
        text,
        limit=FINDING_MAX,
        field=_("The finding"),
        required=_("Write the finding: what was checked and what it showed."),
        code=DueProcessErrorCode.FINDING_REQUIRED,
    )
    return text


@transaction.atomic
def objection_resolve(
    *,
    actor: User,
    objection: Objection,
    finding: str,
    text: str,
    today: dt.date,
    progress: ProgressFn = no_progress,
) -> Objection:
    """The office's written finding. Upheld, the candidate is withdrawn the recorded way:
    a veto flag citing the finding (scoring.flag_record), the year computed again on the
    same run (scoring.annual_compute: the quota's places pass to the next in line), and
    the 公示 brought in line (withdrawn marked, newcomers listed). All or nothing."""
    objection = (
        Objection.objects.select_for_update(of=("self",))
        .select_related("publicity__region", "publicity__run", "entry")
        .get(pk=objection.pk)
    )
    publicity = objection.publicity
    require_region_admin(actor, publicity.region_id)
    text = objection_finding_check(objection=objection, finding=finding, text=text)
    objection.finding, objection.finding_text = finding, text
    objection.resolved_by, objection.resolved_at = actor, timezone.now()
    objection.save(update_fields=["finding", "finding_text", "resolved_by", "resolved_at"])
    audit_record(
        actor=actor,
        action=AuditAction.DUEPROCESS_OBJECTION_RESOLVE,
        obj=objection,
        region=publicity.region,
        details={"name": objection.entry.name, "finding": finding},
        note=text[:500],
    )
    entry = objection.entry
    if finding == Objection.Finding.UPHELD and entry.withdrawn_on is None:
        reason = _("Objection upheld in the 公示 of %(year)s: %(finding)s") % {
            "year": publicity.year,
            "finding": text,
        }
        scoring.flag_record(
            actor=actor,
            person_id=entry.person_id,
            year=publicity.year,
            kind=PersonYearFlag.Kind.VETO,
            reason=reason,
        )
        run = publicity.run
        scoring.annual_compute(
            actor=actor,
            region=publicity.region,
            year=run.year,
            excellent_share=run.excellent_share,
            approval=run.share_approval,
            progress=progress,
        )
        publicity_sync(
            actor=actor, publicity=publicity, today=today, reasons={entry.person_id: reason}
        )
    if objection.author_id is not None:
        notify(
            user_ids=[objection.author_id],
            text=_("Your objection against %(name)s was answered: %(finding)s.")
            % {"name": entry.name, "finding": objection.get_finding_display()},
            url=reverse("dueprocess:publicity", args=[publicity.pk]),
            kind="dueprocess_finding",
        )
    return objection


def publicity_confirm(*, run: AnnualRun) -> None:
    """When the year is published (in its transaction): its 公示 confirmed, by whoever
    published (the publish's own audit row names them; scoring's signal carries the run
    only)."""
    publicity = Publicity.objects.filter(run=run).select_related("region").first()
    if publicity is None or publicity.confirmed_at is not None:
        return
    published = (
        AuditEvent.objects.filter(
            action=AuditAction.SCORING_YEAR_PUBLISH,
            object_type=run._meta.label_lower,
            object_id=str(run.pk),
        )
        .order_by("-created_at", "-id")
        .select_related("actor")
        .first()
    )
    actor = published.actor if published is not None else None
    publicity.confirmed_at, publicity.confirmed_by = timezone.now(), actor
    publicity.save(update_fields=["confirmed_at", "confirmed_by"])
    audit_record(
        actor=actor,
        action=AuditAction.DUEPROCESS_PUBLICITY_CONFIRM,
        obj=publicity,
        region=publicity.region,
        details={"year": publicity.year},
    )
    home_forget_region(publicity.region_id)


# --- notice part: the written notice (书面通知) and the cadre's 本人意见 ---------------

_NOTICE_BATCH = 2000
OPINION_MAX = 2000


class _Catalogue:
    """A run's explanation lines parsed once each (a city's 300,000 results name some
    tens of thousands of distinct lines), read in one query."""

    def __init__(self, run_id: int) -> None:
        self.texts = dict(
            AnnualStep.objects.filter(run_id=run_id).values_list("number", "step").iterator()
        )
        self.parsed: dict[int, Any] = {}

    def steps(self, numbers: str) -> list[Any]:
        out = []
        for raw in numbers.split(","):
            n = int(raw)
            step = self.parsed.get(n)
            if step is None:
                step = self.parsed[n] = json.loads(self.texts[n])
            out.append(step)
        return out


def _explanation(steps: list[Any]) -> str:
    """The results page's explanation, kept short: its headline then its lines."""
    headline, lines = explain(steps)
    return "\n".join([headline, *lines])


@transaction.atomic
def notices_issue(*, actor: User | None, run: AnnualRun) -> int:
    """A written notice per archived cadre of the published `run` (the receiver of
    scoring's year_published, after outcomes has archived the year): the grade, score
    and explanation as notified, the sign-by day and the rights' last days on the
    region's calendar. The notices of an earlier publish of the year are superseded by
    the new ones (their text kept). A fixed number of queries whatever the run's size
    (the inserts in batches). Returns how many were issued."""
    region_id = run.region_id
    issued_on = today_clock.today()
    policy = policy_for(region_id)
    cal = region_calendar_around(region_id, issued_on)
    sign_due = calendar_deadline(cal, issued_on, policy.notice_sign_days)
    review_due = calendar_deadline(cal, issued_on, policy.review_request_days)
    direct_due = (
        calendar_deadline(cal, issued_on, policy.appeal_direct_days)
        if policy.appeal_direct_allowed
        else None
    )
    records = dict(
        YearRecord.objects.filter(region_id=region_id, year=run.year)
        .order_by()
        .values_list("person_id", "pk")
        .iterator()
    )
    catalogue = _Catalogue(run.pk)
    notices = []
    # The explanation in the region's language whatever the publishing request's (or
    # a background job's, which has none).
    with translation.override(settings.LANGUAGE_CODE):
        for person_id, unit_id, grade, composite, steps, numbers in (
            AnnualResult.objects.filter(run=run)
            .order_by("pk")
            .values_list("person_id", "unit_id", "grade", "composite", "steps", "step_numbers")
            .iterator()
        ):
            record_id = records.get(person_id)
            if record_id is None:
                continue  # not archived: no notice to base on it
            notices.append(
                Notice(
                    region_id=region_id,
                    person_id=person_id,
                    unit_id=unit_id,
                    year=run.year,
                    record_id=record_id,
                    grade=grade,
                    composite=composite,
                    explanation=_explanation(catalogue.steps(numbers) if numbers else steps),
                    issued_on=issued_on,
                    sign_due_on=sign_due,
                    review_due_on=review_due,
                    appeal_direct_due_on=direct_due,
                )
            )
    # The year's notices so far (a republish): the newest id before the new ones.
    last_old = Notice.objects.filter(region_id=region_id, year=run.year).aggregate(last=Max("pk"))[
        "last"
    ]
    Notice.objects.bulk_create(notices, batch_size=_NOTICE_BATCH)
    superseded = 0
    if last_old is not None:
        # Each earlier current notice points at the person's new one: one UPDATE, its
        # subqueries by the (person, year) index (a first publish skips it).
        newest = (
            Notice.objects.filter(person_id=OuterRef("person_id"), year=run.year, pk__gt=last_old)
            .order_by("-pk")
            .values("pk")[:1]
        )
        superseded = (
            Notice.objects.filter(
                region_id=region_id, year=run.year, superseded_by__isnull=True, pk__lte=last_old
            )
            .filter(Exists(newest))
            .update(superseded_by=Subquery(newest))
        )
    notify(
        users=User.objects.filter(
            person_id__in=AnnualResult.objects.filter(run=run).values("person_id")
        ),
        text=_(
            "Your written notice of the annual result of %(year)s is issued: please read it "
            "and sign it before %(day)s."
        )
        % {"year": run.year, "day": day_text(sign_due)},
        url=reverse("dueprocess:notice_mine"),
        kind="notice_issued",
    )
    home_forget_region(region_id)
    audit_record(
        actor=actor,
        action=AuditAction.DUEPROCESS_NOTICE_ISSUE,
        obj=run,
        region=run.region,
        details={"year": run.year, "issued": len(notices), "replaced": superseded},
    )
    return len(notices)


@transaction.atomic
def notice_sign(*, actor: User, notice: Notice, agrees: bool, opinion: str) -> Notice:
    """The cadre signs their notice with 本人意见: agrees, or disagrees with a text. Once
    signed it stays signed; a superseded notice is not signed (the newer one is)."""
    # The row locked and read again: two tabs signing at once sign once.
    locked = (
        Notice.objects.select_for_update(of=("self",)).select_related("region").get(pk=notice.pk)
    )
    if actor.person_id is None or locked.person_id != actor.person_id:
        raise ApplicationError(
            _("Only the cadre the notice is addressed to may sign it."),
            code=DueProcessErrorCode.NOTICE_NOT_YOURS,
        )
    if locked.signed_at is not None:
        raise ApplicationError(
            _("This notice was signed on %(day)s; it cannot be signed again.")
            % {"day": day_text(timezone.localdate(locked.signed_at))},
            code=DueProcessErrorCode.NOTICE_ALREADY_SIGNED,
        )
    if locked.superseded_by_id is not None:
        raise ApplicationError(
            _("This notice was replaced by a newer one: sign the newer notice."),
            code=DueProcessErrorCode.NOTICE_SUPERSEDED,
        )
    text = clean_text(opinion).strip()
    if not agrees and not text:
        raise ApplicationError(
            _("Write your opinion: why you do not agree with the result."),
            code=DueProcessErrorCode.TEXT_REQUIRED,
        )
    if len(text) > OPINION_MAX:
        raise ApplicationError(
            _("The opinion is too long: at most %(n)s characters.") % {"n": OPINION_MAX},
            code=DueProcessErrorCode.NOTICE_OPINION_TOO_LONG,
        )
    locked.signed_at = timezone.now()
    locked.agrees = agrees
    locked.opinion = text
    locked.save(update_fields=["signed_at", "agrees", "opinion"])
    home_forget_person(locked.person_id)
    audit_record(
        actor=actor,
        action=AuditAction.DUEPROCESS_NOTICE_SIGN,
        obj=locked,
        region=locked.region,
        details={"year": locked.year, "agrees": agrees},
    )
    return locked
