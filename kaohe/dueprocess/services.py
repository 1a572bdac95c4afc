"""Writes of due process: every one a recorded, all-or-nothing service.

Each part of issue 17 keeps its functions in a block headed with its name."""

from __future__ import annotations

# ---------------------------------------------------------------- cases (复核, 申诉)
import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext as _

from kaohe.accounts.models import User
from kaohe.core import clock as core_clock
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ApplicationError
from kaohe.core.text import clean_text, visible_length
from kaohe.dueprocess import selectors
from kaohe.dueprocess.clocks import calendar_deadline, in_time, region_calendar_around
from kaohe.dueprocess.errors import DueProcessErrorCode
from kaohe.dueprocess.models import (
    Case,
    CaseEvidence,
    CaseKind,
    CaseState,
    DueProcessPolicy,
    Notice,
)
from kaohe.dueprocess.policies import policy_for
from kaohe.notices.services import notify, region_admins
from kaohe.outcomes.services import year_record_correct
from kaohe.scoring.engine import AnnualGrade
from kaohe.scoring.explain import grade_label

EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
# The file types evidence may be, known by their first bytes (a name says nothing).
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
_MIN_TEXT = 4  # visible characters of a request, a reason (as a correction's reason)


@dataclass(frozen=True)
class Upload:
    """A file as the form received it."""

    name: str
    content: bytes


def evidence_type(upload: Upload) -> str:
    """The content type of an evidence file, from its content; a refusal otherwise."""
    if len(upload.content) > EVIDENCE_MAX_BYTES:
        raise ApplicationError(
            _("The file is larger than 5 MB: attach a smaller one."),
            code=DueProcessErrorCode.EVIDENCE_TOO_BIG,
        )
    for magic, content_type in _SIGNATURES:
        if upload.content.startswith(magic):
            return content_type
    raise ApplicationError(
        _("Attach a PDF, JPEG or PNG file: this file is none of them."),
        code=DueProcessErrorCode.EVIDENCE_BAD_TYPE,
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
    today: dt.date | None = None,
) -> Case:
    """The deciding body upholds the result or changes it, with its reasons. A change
    is a recorded correction of the archived year (the old grade stays beside the
    new), and the figures derived from the archive (the eligibility lists) are
    derived again; the cadre is told."""
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
        if new_grade not in {g.value for g in AnnualGrade} or new_grade == notice.record.grade:
            raise ApplicationError(
                _("Choose the new grade: a grade other than the archived one."),
                code=DueProcessErrorCode.GRADE_REQUIRED,
            )
        basis = (
            _("复核 decision of %(day)s")
            if case.kind == CaseKind.REVIEW
            else _("申诉 decision of %(day)s")
        ) % {"day": today.isoformat()}
        # The deciding body was checked above (a 申诉's is another region's office).
        case.correction = year_record_correct(
            actor=actor,
            record=notice.record,
            field="grade",
            value=new_grade,
            reason=reasons,
            basis=basis,
            authority_checked=True,
        )
        # The correction refreshed the person's list facts from this year on: the
        # lists, the 优秀 counts and the ranks by grade all read the archive.
        case.new_grade = new_grade
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
        details={"outcome": outcome, "new_grade": case.new_grade, "kind": case.kind},
        state=case.state,
        note=reasons,
    )
    text = _("Your %(kind)s is decided: %(outcome)s.") % {
        "kind": case.get_kind_display(),
        "outcome": case.get_outcome_display(),
    }
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
    longest = DueProcessPolicy.objects.aggregate(m=Max("review_request_days"))["m"] or 0
    days = max(longest, DueProcessPolicy._meta.get_field("review_request_days").default)
    notices = (
        Notice.objects.filter(
            review_reminded_for__isnull=True,
            superseded_by__isnull=True,
            issued_on__gte=today - dt.timedelta(days=days + 31),
            issued_on__lte=today,
        )
        .exclude(cases__kind=CaseKind.REVIEW)
        .order_by("pk")
    )
    sent = 0
    for notice in notices:
        last = selectors.review_last_day(notice)
        if not _near(notice.region_id, last, today):
            continue
        Notice.objects.filter(pk=notice.pk).update(review_reminded_for=last)
        notify(
            user_ids=_cadre_users(notice.person_id),
            text=_("You may request a 复核 of your %(year)s result until %(day)s.")
            % {"year": notice.year, "day": last.isoformat()},
            url=reverse("dueprocess:review_request", args=[notice.pk]),
            kind="dueprocess_window",
        )
        sent += 1
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
        if not _near(review.region_id, review.appeal_until, today):
            continue
        Case.objects.filter(pk=review.pk).update(appeal_reminded_for=review.appeal_until)
        notify(
            user_ids=_cadre_users(review.person_id),
            text=_("You may lodge a 申诉 against the 复核 decision until %(day)s.")
            % {"day": review.appeal_until.isoformat()},
            url=reverse("dueprocess:appeal_request", args=[review.notice_id]),
            kind="dueprocess_window",
        )
        sent += 1
    return sent
