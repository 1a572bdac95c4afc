"""Due process's writes: each a service with its audit row, all or nothing. Each part
(publicity, notice, cases) keeps its functions in a block of its own below."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.access import require_region_admin, scope_of
from kaohe.accounts.models import Role, User
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ApplicationError
from kaohe.core.models import AuditEvent
from kaohe.core.text import clean_text, visible_length
from kaohe.dueprocess.clocks import in_time, region_calendar_around, workday_deadline
from kaohe.dueprocess.errors import DueProcessErrorCode
from kaohe.dueprocess.models import Objection, Publicity, PublicityEntry
from kaohe.dueprocess.policies import policy_for
from kaohe.jobs.progress import ProgressFn, no_progress
from kaohe.notices.services import notify
from kaohe.org.models import Membership
from kaohe.scoring import services as scoring
from kaohe.scoring.engine import AnnualGrade
from kaohe.scoring.models import AnnualResult, AnnualRun, PersonYearFlag, RunState

# ---------------------------------------------------------------- publicity (公示)

# An objection and a finding are a statement, not a file: bounded so that a page of
# them stays readable and a paste of a whole document is refused with the limit named.
OBJECTION_MAX = 2000
FINDING_MAX = 2000


def _text(raw: str, *, limit: int, required: str, code: DueProcessErrorCode) -> str:
    text = clean_text(raw or "")
    if not visible_length(text):
        raise ApplicationError(required, code=code)
    if len(text) > limit:
        raise ApplicationError(
            _("The text is %(n)s characters long; shorten it to %(max)s at most.")
            % {"n": len(text), "max": limit},
            code=DueProcessErrorCode.TEXT_TOO_LONG,
        )
    return text


def _excellent(run: AnnualRun) -> list[AnnualResult]:
    return list(
        AnnualResult.objects.filter(run=run, grade=AnnualGrade.EXCELLENT)
        .select_related("person", "unit")
        .order_by("unit__path", "person__name", "person_id")
    )


def _posts(region_id: int, person_ids: list[int], day: dt.date) -> dict[int, str]:
    """Each person's post as it stands on `day` (the latest membership in force)."""
    posts: dict[int, tuple[dt.date, str]] = {}
    for person_id, post, valid_from in (
        Membership.objects.filter(region_id=region_id, person_id__in=person_ids)
        .on(day)
        .order_by()
        .values_list("person_id", "post", "valid_from")
    ):
        if person_id not in posts or valid_from > posts[person_id][0]:
            posts[person_id] = (valid_from, post)
    return {person_id: post for person_id, (_since, post) in posts.items()}


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
            post=posts.get(r.person_id, "")[:100],
            grade=r.grade,
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
    return publicity


def _in_scope(actor: User, entry: PublicityEntry) -> bool:
    unit = entry.unit
    if actor.region_id != entry.publicity.region_id or unit is None:
        return False
    return scope_of(actor).covers_path(unit.path, unit.pk)


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
