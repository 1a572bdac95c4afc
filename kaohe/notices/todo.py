"""The open tasks on a person's home page, each with its deadline and its page.

`tasks_for` reads every domain app with a fixed number of queries whatever the
user's roles or the region's size (at most one query per kind of task), so it sits
above the domain apps like a view; nothing below imports it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Exists, F, IntegerField, OuterRef, Q, Value
from django.urls import reverse
from django.utils.translation import gettext as _

from kaohe.accounts.access import ADMIN_ROLES, is_region_admin, roles_of, scope_of
from kaohe.accounts.models import User
from kaohe.notices.models import Delivery, DeliveryState
from kaohe.org.models import Membership, Unit
from kaohe.reviews.models import ExtraRater, Participation, ReviewRound, RoundState, RoundUnit
from kaohe.schemes.models import SchemeVersion, VersionState
from kaohe.scoring.models import AnnualResult, QuarterResult, RunState
from kaohe.scoring.services import PROPOSER_ROLES
from kaohe.worklogs.selectors import DayCell, recent_days


@dataclass(frozen=True)
class Task:
    kind: str  # log, ballot, propose, revise, approve, raters, confirm, deliveries
    text: str
    url: str
    deadline: dt.date | None = None


def _logs(days: Mapping[dt.date, DayCell], today: dt.date) -> list[Task]:
    tasks = []
    for cell in days.values():
        if cell.state != "open":
            continue
        if cell.day == today:
            text = _("Write today's log")
        else:
            text = _("Backfill the log of %(day)s") % {"day": cell.day.isoformat()}
        tasks.append(
            Task("log", text, f"{reverse('worklogs:today')}?day={cell.day}", cell.deadline)
        )
    return tasks


def _ballots(region_id: int, person_id: int) -> list[Task]:
    """Open rounds' units the person rates and has not voted in (two queries)."""
    spans = list(
        Membership.objects.filter(person_id=person_id)
        .in_scope()
        .order_by()
        .values_list("unit_id", "valid_from", "valid_to")
    )
    units = {unit for unit, _a, _b in spans}
    extra = ExtraRater.objects.filter(
        person_id=person_id,
        round_unit=OuterRef("pk"),
        round_unit__proposal=RoundUnit.Proposal.APPROVED,
    )
    voted = Participation.objects.filter(
        rater_id=person_id, round_id=OuterRef("round_id"), unit_id=OuterRef("unit_id")
    )
    candidates = (
        RoundUnit.objects.filter(round__region_id=region_id, round__state=RoundState.OPEN)
        .annotate(is_extra=Exists(extra))
        .filter(Q(unit_id__in=units) | Q(is_extra=True))
        .exclude(Exists(voted))
        .select_related("round", "unit")
    )
    tasks = []
    for ru in candidates:
        if not ru.can_vote:
            continue
        # The ballot's own unit is the one held on the period's last day (ballot_sheet).
        end = ru.round.period_end
        member = any(
            unit == ru.unit_id and a <= end and (b is None or end <= b) for unit, a, b in spans
        )
        if not member and not ru.is_extra:
            continue
        tasks.append(
            Task(
                "ballot",
                _("Vote in %(round)s: %(unit)s") % {"round": ru.round, "unit": ru.unit.name},
                reverse("reviews:ballot", args=[ru.pk]),
                ru.round.ends_on,
            )
        )
    return tasks


def _proposals(user: User, region_id: int) -> list[Task]:
    """Computed quarters with grades the user's units have not proposed (one query)."""
    units = Unit.objects.filter(scope_of(user, PROPOSER_ROLES).unit_filter())
    rows = (
        QuarterResult.objects.filter(
            run__region_id=region_id,
            run__state=RunState.COMPUTED,
            unit__in=units,
            proposed_at__isnull=True,
        )
        .values_list("run_id", "run__year", "run__quarter", "unit_id", "unit__name")
        .distinct()
        .order_by("run_id", "unit__name")
    )
    return [
        Task(
            "propose",
            _("Propose the grades of %(year)s Q%(q)s: %(unit)s")
            % {"year": year, "q": quarter, "unit": name},
            reverse("scoring:proposal", args=[run, unit]),
        )
        for run, year, quarter, unit, name in rows
    ]


def _returned(user: User) -> list[Task]:
    units = Unit.objects.filter(scope_of(user, ADMIN_ROLES).unit_filter())
    rows = SchemeVersion.objects.filter(
        state=VersionState.RETURNED, scheme__unit__in=units
    ).values_list("scheme_id", "number", "scheme__name")
    return [
        Task(
            "revise",
            _("Revise %(scheme)s (version %(n)s), returned by the office")
            % {"scheme": name, "n": number},
            reverse("schemes:version", args=[scheme, number]),
        )
        for scheme, number, name in rows
    ]


def _approvals(region_id: int) -> list[Task]:
    """What waits on the region office: submitted schemes, outside-rater proposals,
    deliveries that failed (four queries)."""
    tasks = [
        Task(
            "approve",
            _("Review %(scheme)s (version %(n)s), submitted for approval")
            % {"scheme": name, "n": number},
            reverse("schemes:version", args=[scheme, number]),
        )
        for scheme, number, name in SchemeVersion.objects.filter(
            state=VersionState.SUBMITTED, scheme__region_id=region_id
        ).values_list("scheme_id", "number", "scheme__name")
    ]
    waiting: dict[int, int] = {}
    for round_id in RoundUnit.objects.filter(
        round__region_id=region_id, proposal=RoundUnit.Proposal.PROPOSED
    ).values_list("round_id", flat=True):
        waiting[round_id] = waiting.get(round_id, 0) + 1
    for round_ in ReviewRound.objects.filter(pk__in=list(waiting)) if waiting else []:
        tasks.append(
            Task(
                "raters",
                _("Decide the outside raters proposed for %(round)s (%(n)s units)")
                % {"round": round_, "n": waiting[round_.pk]},
                reverse("reviews:round", args=[round_.pk]),
                round_.starts_on,
            )
        )
    failed = Delivery.objects.filter(region_id=region_id, state=DeliveryState.FAILED).count()
    if failed:
        tasks.append(
            Task(
                "deliveries",
                _("%(n)s messages could not be delivered outside kaohe") % {"n": failed},
                reverse("notices:deliveries"),
            )
        )
    return tasks


def _receipts(person_id: int) -> list[Task]:
    """Published results the person has not confirmed reading (one query: the quarters'
    and the years' rows as one UNION ALL, the year's "quarter" 0)."""
    quarters = (
        QuarterResult.objects.filter(
            person_id=person_id, run__state=RunState.PUBLISHED, receipt_at__isnull=True
        )
        .order_by()
        .annotate(y=F("run__year"), q=F("run__quarter"))
        .values_list("pk", "y", "q")
    )
    years = (
        AnnualResult.objects.filter(
            person_id=person_id, run__state=RunState.PUBLISHED, receipt_at__isnull=True
        )
        .order_by()
        .annotate(y=F("run__year"), q=Value(0, IntegerField()))
        .values_list("pk", "y", "q")
    )
    tasks = []
    for pk, y, q in quarters.union(years, all=True):
        if q:
            text = _("Read and confirm your result of %(year)s Q%(q)s") % {"year": y, "q": q}
            url = reverse("scoring:explanation", args=["quarter", pk])
        else:
            text = _("Read and confirm your annual result of %(year)s") % {"year": y}
            url = reverse("scoring:explanation", args=["year", pk])
        tasks.append(Task("confirm", text, url))
    return tasks


def tasks_for(
    user: User, today: dt.date, days: Mapping[dt.date, DayCell] | None = None
) -> list[Task]:
    """The user's open tasks, those with the nearest deadline first. `days` are the
    user's recent days (worklogs.selectors.recent_days) when the caller has read them."""
    region_id = user.region_id
    if region_id is None:
        return []
    roles = roles_of(user)
    tasks: list[Task] = []
    if user.person_id is not None:
        tasks += _logs(days if days is not None else recent_days(user, today), today)
        tasks += _ballots(region_id, user.person_id)
        tasks += _receipts(user.person_id)
    if roles & PROPOSER_ROLES:
        tasks += _proposals(user, region_id)
    if roles & ADMIN_ROLES:
        tasks += _returned(user)
    if is_region_admin(user):
        tasks += _approvals(region_id)
    return sorted(tasks, key=lambda t: (t.deadline or dt.date.max, t.kind))
