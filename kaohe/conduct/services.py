"""Writes of discipline and absence records: the region's assessment office, or a unit
administrator for the people of their units; each write one audited transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from kaohe.accounts.models import User
from kaohe.conduct.errors import ConductErrorCode
from kaohe.conduct.models import AbsenceKind, AbsenceRecord, DisciplineKind, DisciplineRecord
from kaohe.conduct.selectors import WRITE_ROLES, people_in_scope
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ApplicationError
from kaohe.core.http import BAD_DAY, FIRST_DAY, LAST_DAY
from kaohe.core.text import bounded_text, visible_length
from kaohe.org.models import Person

MAX_DAYS = Decimal("366")
TOO_LONG = ConductErrorCode.TEXT_TOO_LONG


def _person(actor: User, person_id: int) -> Person:
    """The person, if the actor may record for them; a clear refusal otherwise."""
    person = Person.objects.select_related("region").filter(pk=person_id).first()
    if person is None:
        raise ApplicationError(
            _("No such person: check the staff number."), code=ConductErrorCode.UNKNOWN_PERSON
        )
    if person.region_id != actor.region_id:
        raise ApplicationError(
            _("%(name)s belongs to another region: record it there.") % {"name": person.name},
            code=ConductErrorCode.OTHER_REGION,
        )
    if not people_in_scope(actor, WRITE_ROLES).filter(pk=person.pk).exists():
        raise ApplicationError(
            _("%(name)s is not in a unit you administer.") % {"name": person.name},
            code=ConductErrorCode.NOT_IN_SCOPE,
        )
    return person


def _period(start: dt.date, end: dt.date | None) -> None:
    # The pages' range of days: a record in 9999 overflowed the period's arithmetic
    # (the list's 500), and one in year 1 is a typing slip, never a punishment.
    for day in (start, end):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise ApplicationError(str(BAD_DAY), code=ConductErrorCode.BAD_DATE)
    if end is not None and end < start:
        raise ApplicationError(
            _("The end (%(end)s) is before the start (%(start)s).")
            % {"end": end.isoformat(), "start": start.isoformat()},
            code=ConductErrorCode.END_BEFORE_START,
        )


@transaction.atomic
def discipline_create(
    *,
    actor: User,
    person_id: int,
    kind: str,
    start: dt.date,
    end: dt.date | None,
    document: str,
    note: str = "",
) -> DisciplineRecord:
    """Record a punishment (or a refusal to take part) with the document that imposed it.
    A blank end means the region's default period for the kind (conduct.rules)."""
    if kind not in DisciplineKind.values:
        raise ApplicationError(_("Choose a kind from the list."), code=ConductErrorCode.BAD_KIND)
    person = _person(actor, person_id)
    _period(start, end)
    document = bounded_text(document, 200, field=_("Source document"), code=TOO_LONG)
    note = bounded_text(note, 300, field=_("Note"), code=TOO_LONG)
    if visible_length(document) < 2:
        raise ApplicationError(
            _("Write the document that imposed it (its number or title)."),
            code=ConductErrorCode.NEEDS_DOCUMENT,
        )
    record = DisciplineRecord.objects.create(
        region_id=person.region_id,
        person=person,
        kind=kind,
        start=start,
        end=end,
        document=document,
        note=note,
        actor=actor,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CONDUCT_DISCIPLINE_CREATE,
        obj=record,
        region=person.region,
        details={"kind": kind, "start": start.isoformat(), "end": end and end.isoformat()},
    )
    return record


@transaction.atomic
def discipline_end(*, actor: User, record: DisciplineRecord, end: dt.date) -> DisciplineRecord:
    """End a record's period early (or give the end it lacked). `record` comes from
    selectors.discipline_get with WRITE_ROLES; the person is checked again here."""
    record = DisciplineRecord.objects.select_for_update().get(pk=record.pk)
    _person(actor, record.person_id)
    if record.end is not None and record.end <= end:
        raise ApplicationError(
            _("This record already ends on %(end)s.") % {"end": record.end.isoformat()},
            code=ConductErrorCode.ALREADY_ENDED,
        )
    _period(record.start, end)
    before = record.end
    record.end = end
    record.save(update_fields=["end"])
    audit_record(
        actor=actor,
        action=AuditAction.CONDUCT_DISCIPLINE_END,
        obj=record,
        region=actor.region,
        details={"end": end.isoformat(), "was": before and before.isoformat()},
    )
    return record


@transaction.atomic
def absence_create(
    *,
    actor: User,
    person_id: int,
    kind: str,
    start: dt.date,
    end: dt.date,
    days: Decimal = Decimal(0),
    times: int = 0,
    note: str = "",
) -> AbsenceRecord:
    """Record days away (旷工, 请假) or times late or early (迟到早退) in a period."""
    if kind not in AbsenceKind.values:
        raise ApplicationError(_("Choose a kind from the list."), code=ConductErrorCode.BAD_KIND)
    person = _person(actor, person_id)
    _period(start, end)
    note = bounded_text(note, 300, field=_("Note"), code=TOO_LONG)
    calendar_days = (end - start).days + 1
    if kind == AbsenceKind.LATE_EARLY:
        if not 1 <= times <= 1000:
            raise ApplicationError(
                _("Give the number of times late or early, at least 1."),
                code=ConductErrorCode.BAD_DAYS,
            )
        days = Decimal(0)
    else:
        if not (Decimal("0.5") <= days <= min(MAX_DAYS, Decimal(calendar_days))):
            raise ApplicationError(
                _("Give the days, from 0.5 up to the %(count)s calendar days of the period.")
                % {"count": calendar_days},
                code=ConductErrorCode.BAD_DAYS,
            )
        if days % Decimal("0.5"):
            raise ApplicationError(
                _("Give the days in whole or half days."), code=ConductErrorCode.BAD_DAYS
            )
        times = 0
    record = AbsenceRecord.objects.create(
        region_id=person.region_id,
        person=person,
        kind=kind,
        start=start,
        end=end,
        days=days,
        times=times,
        note=note,
        actor=actor,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CONDUCT_ABSENCE_CREATE,
        obj=record,
        region=person.region,
        details={"kind": kind, "days": str(days), "times": times},
    )
    return record
