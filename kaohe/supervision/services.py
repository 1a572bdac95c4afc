"""Writes of the supervision ledger: each a recorded, all-or-nothing service that
refuses an act the finding's state does not allow (`SupervisionErrorCode.WRONG_STATE`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from kaohe.accounts.access import require_region_admin
from kaohe.accounts.models import User
from kaohe.core import clock, files
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ApplicationError
from kaohe.core.files import Upload as Upload
from kaohe.core.text import bounded_text, visible_length
from kaohe.notices.services import notify
from kaohe.org.models import Unit
from kaohe.supervision import selectors
from kaohe.supervision.errors import SupervisionErrorCode
from kaohe.supervision.models import (
    UNIT_TO_ACT,
    Decision,
    Finding,
    FindingCategory,
    FindingEvidence,
    FindingState,
    Rectification,
    Severity,
    SupervisionGroup,
)
from kaohe.supervision.policies import deadline_for, policy_for

MAX_FILES = 5
TEXT_MAX = 2000
_MIN_TEXT = 4  # visible characters of a description, a rectification, a reason


def too_big() -> ApplicationError:
    return ApplicationError(
        _("The file is larger than 5 MB: attach a smaller one."),
        code=SupervisionErrorCode.EVIDENCE_TOO_BIG,
    )


def too_many_files() -> ApplicationError:
    return ApplicationError(
        _("Attach at most %(n)s files.") % {"n": MAX_FILES},
        code=SupervisionErrorCode.TOO_MANY_FILES,
    )


def evidence_type(upload: Upload) -> str:
    """The content type of an evidence file, from its content; a refusal otherwise."""
    return files.evidence_type(
        upload,
        too_big=SupervisionErrorCode.EVIDENCE_TOO_BIG,
        bad_type=SupervisionErrorCode.EVIDENCE_BAD_TYPE,
    )


def _typed(uploads: Sequence[Upload]) -> list[tuple[Upload, str]]:
    if len(uploads) > MAX_FILES:
        raise too_many_files()
    return [(u, evidence_type(u)) for u in uploads]


def _store(
    actor: User,
    finding: Finding,
    rectification: Rectification | None,
    typed: list[tuple[Upload, str]],
) -> list[str]:
    FindingEvidence.objects.bulk_create(
        FindingEvidence(
            finding=finding,
            rectification=rectification,
            added_by=actor,
            file_name=(upload.name.strip() or "evidence")[-200:],
            content_type=content_type,
            content=upload.content,
        )
        for upload, content_type in typed
    )
    return [upload.name[-200:] for upload, _t in typed]


def _text(raw: str, field: str, message: str) -> str:
    text = bounded_text(raw, TEXT_MAX, field=field, code=SupervisionErrorCode.TEXT_TOO_LONG).strip()
    if visible_length(text) < _MIN_TEXT:
        raise ApplicationError(message, code=SupervisionErrorCode.TEXT_REQUIRED)
    return text


def _wrong_state(finding: Finding) -> ApplicationError:
    return ApplicationError(
        _("This finding is %(state)s: that cannot be done now.")
        % {"state": finding.get_state_display()},
        code=SupervisionErrorCode.WRONG_STATE,
    )


def _locked(finding: Finding) -> Finding:
    """The finding's row, locked for the change (its state read afresh)."""
    return Finding.objects.select_for_update().select_related("unit", "group").get(pk=finding.pk)


def _require_member(actor: User, group: SupervisionGroup) -> None:
    if group.region_id != actor.region_id or not selectors.is_member(actor, group.pk):
        raise ApplicationError(
            _("Only the members of %(group)s may do this.") % {"group": group.name},
            code=SupervisionErrorCode.NOT_GROUP_MEMBER,
        )


def unit_users(unit: Unit) -> QuerySet[User]:
    """Who acts for `unit` on its findings: its administrators and heads (grants on it,
    or on an ancestor with its subordinate units)."""
    ancestors = [int(pk) for pk in unit.path.split("/") if pk]
    covering = Q(role_grants__unit_id=unit.pk) | Q(
        role_grants__unit_id__in=ancestors, role_grants__include_subunits=True
    )
    return User.objects.filter(
        Q(role_grants__role__in=selectors.RECTIFY_ROLES, role_grants__region_id=unit.region_id)
        & covering
    ).distinct()


def _members(group_id: int) -> QuerySet[User]:
    return User.objects.filter(supervision_groups__pk=group_id)


def _url(finding: Finding) -> str:
    return reverse("supervision:finding", args=[finding.pk])


@transaction.atomic
def finding_record(
    *,
    actor: User,
    group_id: int,
    unit_id: int,
    category: str,
    severity: str,
    description: str,
    found_on: dt.date,
    uploads: Sequence[Upload] = (),
) -> Finding:
    """A group member records a problem found in a unit the group covers; its deadline
    is the region's working days for its severity after `found_on`."""
    group = (
        SupervisionGroup.objects.filter(pk=group_id, region_id=actor.region_id).first()
        if actor.region_id is not None
        else None
    )
    if group is None:
        raise ApplicationError(
            _("Choose one of your supervision groups."),
            code=SupervisionErrorCode.NOT_GROUP_MEMBER,
        )
    _require_member(actor, group)
    if not group.active:
        raise ApplicationError(
            _("%(group)s is no longer active.") % {"group": group.name},
            code=SupervisionErrorCode.GROUP_INACTIVE,
        )
    unit = group.units.filter(pk=unit_id).first()
    if unit is None:
        raise ApplicationError(
            _("Choose a unit that %(group)s covers.") % {"group": group.name},
            code=SupervisionErrorCode.UNIT_NOT_COVERED,
        )
    if category not in FindingCategory.values or severity not in Severity.values:
        raise ApplicationError(
            _("Choose the category and the severity from the lists."),
            code=SupervisionErrorCode.BAD_CHOICE,
        )
    today = clock.today()
    if not today - dt.timedelta(days=366) <= found_on <= today:
        raise ApplicationError(
            _("The day it was found must be within the last year and not after today."),
            code=SupervisionErrorCode.BAD_DATE,
        )
    text = _text(description, _("Description"), _("Describe the problem found."))
    typed = _typed(uploads)
    policy = policy_for(group.region_id)
    finding = Finding.objects.create(
        region_id=group.region_id,
        group=group,
        unit=unit,
        category=category,
        severity=severity,
        description=text,
        found_on=found_on,
        deadline=deadline_for(policy, found_on, severity),
        recorded_by=actor,
    )
    files = _store(actor, finding, None, typed)
    audit_record(
        actor=actor,
        action=AuditAction.SUPERVISION_FINDING_RECORD,
        obj=finding,
        region=actor.region,
        details={
            "unit": unit.name,
            "group": group.name,
            "severity": severity,
            "deadline": finding.deadline.isoformat(),
            "files": files,
        },
        state=finding.state,
    )
    notify(
        users=unit_users(unit),
        text=_("%(group)s found a problem in %(unit)s: rectify it by %(day)s.")
        % {"group": group.name, "unit": unit.name, "day": finding.deadline.isoformat()},
        url=_url(finding),
        kind="supervision_finding",
    )
    return finding


@transaction.atomic
def rectification_submit(
    *, actor: User, finding: Finding, text: str, uploads: Sequence[Upload] = ()
) -> Rectification:
    """The unit's rectification, with evidence: a finding awaiting rectification or
    sent back goes to the group for verification."""
    finding = _locked(finding)
    if not selectors.may_rectify(actor, finding):
        raise ApplicationError(
            _("Only the administrators and heads of %(unit)s may rectify its findings.")
            % {"unit": finding.unit.name},
            code=SupervisionErrorCode.NOT_UNIT,
        )
    if finding.state not in UNIT_TO_ACT:
        raise _wrong_state(finding)
    body = _text(text, _("Rectification"), _("Describe what the unit has done."))
    if not uploads:
        raise ApplicationError(
            _("Attach at least one file as evidence of the rectification."),
            code=SupervisionErrorCode.EVIDENCE_REQUIRED,
        )
    typed = _typed(uploads)
    number = finding.rectifications.count() + 1
    rectification = Rectification.objects.create(
        finding=finding,
        number=number,
        text=body,
        submitted_by=actor,
        submitted_on=clock.today(),
    )
    files = _store(actor, finding, rectification, typed)
    finding.state = FindingState.RECTIFYING
    finding.save(update_fields=["state"])
    audit_record(
        actor=actor,
        action=AuditAction.SUPERVISION_RECTIFICATION_SUBMIT,
        obj=finding,
        region=actor.region,
        details={"unit": finding.unit.name, "round": number, "files": files},
        state=finding.state,
    )
    notify(
        users=_members(finding.group_id),
        text=_("%(unit)s submitted its rectification of a finding: verify it.")
        % {"unit": finding.unit.name},
        url=_url(finding),
        kind="supervision_rectified",
    )
    return rectification


def _decide(actor: User, finding: Finding, decision: Decision, reason: str) -> Rectification:
    current = finding.rectifications.order_by("-number").first()
    if current is None or current.decision != Decision.PENDING:
        raise _wrong_state(finding)
    current.decision = decision
    current.reason = reason
    current.decided_by = actor
    current.decided_on = clock.today()
    current.save(update_fields=["decision", "reason", "decided_by", "decided_on"])
    return current


@transaction.atomic
def finding_verify(*, actor: User, finding: Finding) -> Finding:
    """The group verifies the unit's rectification (核验): next, the strike-off."""
    finding = _locked(finding)
    _require_member(actor, finding.group)
    if finding.state != FindingState.RECTIFYING:
        raise _wrong_state(finding)
    current = _decide(actor, finding, Decision.VERIFIED, "")
    finding.state = FindingState.VERIFIED
    finding.verified_on = clock.today()
    finding.save(update_fields=["state", "verified_on"])
    audit_record(
        actor=actor,
        action=AuditAction.SUPERVISION_FINDING_VERIFY,
        obj=finding,
        region=actor.region,
        details={"unit": finding.unit.name, "round": current.number},
        state=finding.state,
    )
    return finding


@transaction.atomic
def finding_send_back(*, actor: User, finding: Finding, reason: str) -> Finding:
    """The group sends the rectification back with its reason; the unit rectifies again
    (the deadline stays)."""
    finding = _locked(finding)
    _require_member(actor, finding.group)
    if finding.state != FindingState.RECTIFYING:
        raise _wrong_state(finding)
    why = _text(reason, _("Reason"), _("Write why the rectification is sent back."))
    current = _decide(actor, finding, Decision.SENT_BACK, why)
    finding.state = FindingState.SENT_BACK
    finding.save(update_fields=["state"])
    audit_record(
        actor=actor,
        action=AuditAction.SUPERVISION_FINDING_SEND_BACK,
        obj=finding,
        region=actor.region,
        details={"unit": finding.unit.name, "round": current.number},
        state=finding.state,
        note=why,
    )
    notify(
        users=unit_users(finding.unit),
        text=_("The rectification of a finding in %(unit)s was sent back: %(reason)s")
        % {"unit": finding.unit.name, "reason": why[:100]},
        url=_url(finding),
        kind="supervision_sent_back",
    )
    return finding


@transaction.atomic
def finding_strike_off(*, actor: User, finding: Finding) -> Finding:
    """The group strikes a verified finding off the ledger (销号)."""
    finding = _locked(finding)
    _require_member(actor, finding.group)
    if finding.state != FindingState.VERIFIED:
        raise _wrong_state(finding)
    finding.state = FindingState.STRUCK_OFF
    finding.struck_off_on = clock.today()
    finding.struck_off_by = actor
    finding.save(update_fields=["state", "struck_off_on", "struck_off_by"])
    audit_record(
        actor=actor,
        action=AuditAction.SUPERVISION_FINDING_STRIKE_OFF,
        obj=finding,
        region=actor.region,
        details={"unit": finding.unit.name, "day": finding.struck_off_on.isoformat()},
        state=finding.state,
    )
    notify(
        users=unit_users(finding.unit),
        text=_("A finding in %(unit)s was struck off the ledger.") % {"unit": finding.unit.name},
        url=_url(finding),
        kind="supervision_struck_off",
    )
    return finding


# --- the daily check (notices.daily.register_daily, from apps.py) ---


def findings_remind(today: dt.date) -> int:
    """Remind the unit of a finding waiting on it `reminder_days` before its deadline,
    and tell the unit and the group when a finding not struck off passes its deadline;
    each once per deadline (the row records the deadline it announced). Returns how
    many findings were announced."""
    sent = 0
    with transaction.atomic():
        open_rows = (
            Finding.objects.exclude(state=FindingState.STRUCK_OFF)
            .filter(deadline__gte=today - dt.timedelta(days=1))
            .select_related("unit", "group")
            .order_by("pk")
        )
        policies: dict[int, int] = {}
        for finding in open_rows:
            if finding.region_id not in policies:
                policies[finding.region_id] = policy_for(finding.region_id).reminder_days
            days = policies[finding.region_id]
            if (
                finding.state in UNIT_TO_ACT
                and finding.reminded_for != finding.deadline
                and today <= finding.deadline <= today + dt.timedelta(days=days)
            ):
                Finding.objects.filter(pk=finding.pk).update(reminded_for=finding.deadline)
                notify(
                    users=unit_users(finding.unit),
                    text=_("A finding in %(unit)s must be rectified by %(day)s.")
                    % {"unit": finding.unit.name, "day": finding.deadline.isoformat()},
                    url=_url(finding),
                    kind="supervision_due",
                )
                sent += 1
        overdue = (
            Finding.objects.exclude(state=FindingState.STRUCK_OFF)
            .filter(deadline__lt=today)
            .exclude(overdue_notified_for=F("deadline"))
            .select_related("unit", "group")
            .order_by("pk")
        )
        by_group: dict[int, list[Finding]] = defaultdict(list)
        for finding in overdue:
            Finding.objects.filter(pk=finding.pk).update(overdue_notified_for=finding.deadline)
            # A unit whose rectification waits on the group is not told it is late.
            if finding.state in UNIT_TO_ACT:
                notify(
                    users=unit_users(finding.unit),
                    text=_("A finding in %(unit)s is overdue: its deadline was %(day)s.")
                    % {"unit": finding.unit.name, "day": finding.deadline.isoformat()},
                    url=_url(finding),
                    kind="supervision_overdue",
                )
            by_group[finding.group_id].append(finding)
            sent += 1
        for group_id, findings in by_group.items():
            notify(
                users=_members(group_id),
                text=_("%(n)s findings of your group are overdue, the first in %(unit)s.")
                % {"n": len(findings), "unit": findings[0].unit.name},
                url=reverse("supervision:ledger") + f"?group={group_id}&overdue=1",
                kind="supervision_overdue",
            )
        if sent:
            audit_record(
                actor=None,
                action=AuditAction.SUPERVISION_REMIND,
                details={"day": today.isoformat(), "count": sent},
            )
    return sent


# --- findings sent by another domain (surveys' low items) ---


def findings_from_survey(
    *,
    actor: User,
    group_id: int,
    items: Sequence[tuple[int, str]],
    found_on: dt.date,
) -> list[Finding]:
    """Record a public survey's low items as findings of `group_id` (category other,
    severity general, the deadline by the region's rules), one per (unit, description),
    and tell each unit. The actor is the region's office that ran the survey, not a
    member of the group; every unit must be one the group covers (else nothing is
    recorded). The caller (surveys) runs it inside its own transaction and writes the
    one audit row of the send."""
    group = SupervisionGroup.objects.filter(pk=group_id).first()
    if group is None or group.region_id != actor.region_id:
        raise ApplicationError(
            _("Choose a supervision group of your region."),
            code=SupervisionErrorCode.NOT_GROUP_MEMBER,
        )
    require_region_admin(actor, group.region_id)
    if not group.active:
        raise ApplicationError(
            _("%(group)s is no longer active.") % {"group": group.name},
            code=SupervisionErrorCode.GROUP_INACTIVE,
        )
    covered = {u.pk: u for u in group.units.all()}
    outside = sorted({unit_id for unit_id, _text in items if unit_id not in covered})
    if outside:
        names = Unit.objects.filter(pk__in=outside).order_by("name").values_list("name", flat=True)
        raise ApplicationError(
            _("%(group)s does not cover every unit with a low item: %(units)s.")
            % {"group": group.name, "units": "、".join(names)},
            code=SupervisionErrorCode.UNIT_NOT_COVERED,
            problems=[
                _("%(group)s does not cover %(unit)s.") % {"group": group.name, "unit": name}
                for name in names
            ],
        )
    deadline = deadline_for(policy_for(group.region_id), found_on, Severity.GENERAL)
    findings = Finding.objects.bulk_create(
        Finding(
            region_id=group.region_id,
            group=group,
            unit=covered[unit_id],
            category=FindingCategory.OTHER,
            severity=Severity.GENERAL,
            description=text,
            found_on=found_on,
            deadline=deadline,
            recorded_by=actor,
        )
        for unit_id, text in items
    )
    for finding in findings:
        notify(
            users=unit_users(finding.unit),
            text=_("%(group)s found a problem in %(unit)s: rectify it by %(day)s.")
            % {"group": group.name, "unit": finding.unit.name, "day": deadline.isoformat()},
            url=_url(finding),
            kind="supervision_finding",
        )
    return findings
