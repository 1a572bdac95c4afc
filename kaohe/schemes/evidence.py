"""Evidence for indicator results: a person's work logs linked to one grid cell.

A cell is (unit, period, person, leaf indicator). Only that person's logs of that
period which the acting assessor may read under the work-log rules
(`readable_logs_filter`) can be linked or unlinked; any other id is a 404 and
nothing is written. Evidence may be linked before a value is entered: the result
row then holds no value, only the links, and a grid save keeps such a row.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404

from kaohe.accounts.models import User
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ApplicationError
from kaohe.core.year_facts import year_facts_forget
from kaohe.org.models import Membership, Person, Unit
from kaohe.schemes.entry import (
    EvidenceLink,
    assessed_unit,
    lock_unit,
    stale_versions_message,
)
from kaohe.schemes.errors import SchemeErrorCode
from kaohe.schemes.models import Indicator, IndicatorKind, IndicatorResult
from kaohe.schemes.selectors import versions_in_force
from kaohe.worklogs.models import WorkLog
from kaohe.worklogs.rules import Period
from kaohe.worklogs.selectors import readable_logs_filter

PAGE_SIZE = 10


@dataclass
class EvidenceCell:
    unit: Unit
    period: Period
    person: Person
    indicator: Indicator
    result: IndicatorResult | None
    linked_ids: set[int]  # every linked log, readable by the actor or not


def evidence_cell(
    user: User, unit_id: int, period: Period, person_id: int, indicator_id: int
) -> EvidenceCell:
    """The cell, if the user assesses the unit, the indicator is a typed leaf of a
    scheme version in force, and the person is assessed in the unit; else 404."""
    unit = assessed_unit(user, unit_id)
    versions = versions_in_force(unit, period)
    indicator = (
        Indicator.objects.filter(version__in=versions, pk=indicator_id, auto_source="")
        .exclude(kind=IndicatorKind.GROUP)
        .first()
    )
    membership = (
        Membership.objects.filter(unit=unit, person_id=person_id)
        .on(period.end)
        .in_scope()
        .select_related("person")
        .first()
    )
    if indicator is None or membership is None:
        raise Http404
    result = IndicatorResult.objects.filter(
        indicator=indicator, person_id=person_id, year=period.year, quarter=period.quarter
    ).first()
    linked = (
        set(
            EvidenceLink.objects.filter(indicatorresult=result).values_list("worklog_id", flat=True)
        )
        if result is not None
        else set()
    )
    return EvidenceCell(unit, period, membership.person, indicator, result, linked)


def linkable_logs(user: User, cell: EvidenceCell) -> QuerySet[WorkLog]:
    """The person's logs of the period that the user may read: all that may be linked."""
    return WorkLog.objects.filter(
        readable_logs_filter(user),
        person_id=cell.person.pk,
        day__gte=cell.period.start,
        day__lte=cell.period.end,
    )


@dataclass
class EvidencePanel:
    cell: EvidenceCell
    linked: list[WorkLog]  # the linked logs the user may read, oldest first
    hidden_linked: int  # linked logs the user may not read
    page: Page[WorkLog]
    text: str


def evidence_panel(user: User, cell: EvidenceCell, text: str, page: str | int) -> EvidencePanel:
    """What the panel shows, in a fixed number of queries: the linked logs, and one
    page of the linkable ones (newest first), filtered by a substring of their text."""
    scope = linkable_logs(user, cell).only("id", "day", "content", "person_id")
    linked = list(scope.filter(pk__in=cell.linked_ids).order_by("day", "id"))
    logs = scope.order_by("-day", "-id")
    text = text.strip()[:50]
    if text:
        logs = logs.filter(content__icontains=text)
    paged = Paginator(logs, PAGE_SIZE).get_page(page)
    return EvidencePanel(cell, linked, len(cell.linked_ids) - len(linked), paged, text)


@transaction.atomic
def evidence_set(
    *, actor: User, cell: EvidenceCell, shown: Collection[int], ticked: Collection[int]
) -> tuple[int, int]:
    """Link the ticked logs and unlink the shown but unticked ones; logs not shown
    keep their state. Every id must be a linkable log (else 404, nothing written).
    Returns (linked, unlinked)."""
    lock_unit(cell.unit.pk)
    if cell.indicator.version_id not in {v.pk for v in versions_in_force(cell.unit, cell.period)}:
        raise ApplicationError(stale_versions_message(), code=SchemeErrorCode.STALE_VERSIONS)
    ticked_ids = set(ticked)
    shown_ids = set(shown) | ticked_ids
    allowed = set(linkable_logs(actor, cell).filter(pk__in=shown_ids).values_list("pk", flat=True))
    if shown_ids - allowed:
        raise Http404
    result, _created = IndicatorResult.objects.select_for_update().get_or_create(
        indicator=cell.indicator,
        person=cell.person,
        year=cell.period.year,
        quarter=cell.period.quarter,
        defaults={"version_id": cell.indicator.version_id, "unit": cell.unit},
    )
    current = set(
        EvidenceLink.objects.filter(indicatorresult=result).values_list("worklog_id", flat=True)
    )
    add = ticked_ids - current
    remove = (shown_ids - ticked_ids) & current
    if remove:
        EvidenceLink.objects.filter(indicatorresult=result, worklog_id__in=remove).delete()
    if add:
        EvidenceLink.objects.bulk_create(
            EvidenceLink(indicatorresult=result, worklog_id=log_id) for log_id in sorted(add)
        )
    remaining = (current | add) - remove
    if (
        not remaining
        and result.value is None
        and result.occurrences is None
        and result.flag is None
    ):
        result.delete()  # nothing entered and no evidence left: no row
        cell.result = None
    else:
        cell.result = result
    cell.linked_ids = remaining
    year_facts_forget(cell.unit.region_id)  # a result row created or deleted: entered or not
    if add or remove:
        audit_record(
            actor=actor,
            action=AuditAction.SCHEMES_RESULTS_EVIDENCE,
            obj=cell.unit,
            region=cell.unit.region,
            details={
                "year": cell.period.year,
                "quarter": cell.period.quarter,
                "person": cell.person.pk,
                "person_name": cell.person.name,
                "indicator": cell.indicator.pk,
                "indicator_name": cell.indicator.name,
                "linked": sorted(add),
                "unlinked": sorted(remove),
            },
        )
    return len(add), len(remove)
