"""The open tasks on a person's home page, each with its deadline and its page, and the
home page's facts of a user (`home_facts`) that they are made from.

`home_facts` reads every domain app with a fixed number of queries whatever the user's
roles or the region's size, and keeps the result per user in the shared cache until a
write forgets it (accounts.home_cache) or the day changes; the tasks of a user's roles
(grades to propose, schemes, what waits on the office) are read on each call, at most
one query per kind. It sits above the domain apps like a view; nothing below imports it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, Value, When
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kaohe.accounts.access import (
    ADMIN_ROLES,
    grants_of,
    is_region_admin,
    roles_of,
    scope_of,
)
from kaohe.accounts.home_cache import HOME_TOPIC, home_epoch
from kaohe.accounts.models import Role, User
from kaohe.core.cache import user_cached
from kaohe.dueprocess.selectors import (
    NOTICE_CHASER_ROLES,
    my_unsigned_notices,
    open_publicities,
    overdue_summary,
)
from kaohe.notices.models import Delivery, DeliveryState
from kaohe.org.models import IN_SCOPE_STATUSES, Membership, Unit
from kaohe.org.selectors import org_version, unit_counts
from kaohe.outcomes.models import ConsequenceKind, ConsequenceTask
from kaohe.outcomes.selectors import consequences_of_office, consequences_owned
from kaohe.pages.home import (
    HomeFacts,
    OpenBallot,
    Position,
    Receipt,
    RegionStats,
    granted_units,
)
from kaohe.performance.selectors import UNIT_REPORTERS, month_label, open_reports_due
from kaohe.reviews.models import ExtraRater, Participation, ReviewRound, RoundState, RoundUnit
from kaohe.schemes.models import SchemeVersion, VersionState
from kaohe.scoring.models import AnnualResult, QuarterResult, RunState
from kaohe.scoring.policies import PROPOSER_ROLES
from kaohe.supervision.models import Finding, FindingState
from kaohe.supervision.selectors import (
    RECTIFY_ROLES,
    findings_to_rectify,
    findings_to_verify,
)
from kaohe.worklogs.selectors import recent_days


@dataclass(frozen=True)
class Task:
    kind: str  # log, ballot, propose, revise, approve, raters, confirm, deliveries, consequence,
    # notice, notice_overdue, publicity, finding
    text: str
    url: str
    deadline: dt.date | None = None
    due: str = ""  # "by <deadline>", worded once here rather than per row in the template
    overdue: bool = False  # past its deadline (consequences: marked on the list)


def _logs(facts: HomeFacts, today: dt.date) -> list[Task]:
    if not facts.open_days:
        return []
    page = reverse("worklogs:today")
    tasks = []
    for day, deadline in facts.open_days:
        if day == today:
            text = _("Write today's log")
        else:
            text = _("Backfill the log of %(day)s") % {"day": day.isoformat()}
        tasks.append(Task("log", text, f"{page}?day={day}", deadline))
    return tasks


def _ballots(facts: HomeFacts) -> list[Task]:
    return [
        Task(
            "ballot",
            _("Vote in %(round)s: %(unit)s") % {"round": b.round_name, "unit": b.unit_name},
            reverse("reviews:ballot", args=[b.round_unit_id]),
            b.ends_on,
        )
        for b in facts.ballots
    ]


def _receipts(facts: HomeFacts) -> list[Task]:
    tasks = []
    for r in facts.receipts:
        if r.scope == "quarter":
            text = _("Read and confirm your result of %(year)s Q%(q)s") % {
                "year": r.year,
                "q": r.quarter,
            }
        else:
            text = _("Read and confirm your annual result of %(year)s") % {"year": r.year}
        tasks.append(
            Task("confirm", text, reverse("scoring:explanation", args=[r.scope, r.result_id]))
        )
    return tasks


def _notices(facts: HomeFacts) -> list[Task]:
    """The cadre's written notices to sign (R5.12), from the cached facts."""
    return [
        Task(
            "notice",
            _("Written notice of the annual result of %(year)s: to sign") % {"year": year},
            reverse("dueprocess:notice", args=[pk]),
            due,
        )
        for pk, year, due in facts.notices
    ]


def _publicities(facts: HomeFacts) -> list[Task]:
    """The region's running 公示 of 优秀 candidates: everyone may read it and object
    before its last day (R5.12)."""
    return [
        Task(
            "publicity",
            _("公示 of the 优秀 candidates of %(year)s: read it, and object by its last day")
            % {"year": year},
            reverse("dueprocess:publicity", args=[pk]),
            last,
        )
        for pk, year, last in facts.publicities
    ]


def _overdue_notices(user: User, today: dt.date) -> list[Task]:
    """The unsigned notices past their day in the user's units: how many and the first
    names, linking to the page of them all (one query)."""
    summary = overdue_summary(user, today)
    if not summary.total:
        return []
    names = "、".join(summary.names)
    if summary.total > len(summary.names):
        names = _("%(names)s and %(n)s more") % {
            "names": names,
            "n": summary.total - len(summary.names),
        }
    return [
        Task(
            "notice_overdue",
            _("%(n)s written notices not signed in time: %(names)s")
            % {"n": summary.total, "names": names},
            reverse("dueprocess:notices_overdue"),
            summary.first_due,
            overdue=True,
        )
    ]


def _days(finding: Finding, today: dt.date) -> str:
    left = (finding.deadline - today).days
    if left < 0:
        return ngettext("overdue by %(n)s day", "overdue by %(n)s days", -left) % {"n": -left}
    return ngettext("%(n)s day left", "%(n)s days left", left) % {"n": left}


def _findings_to_rectify(user: User, today: dt.date) -> list[Task]:
    """The problems the supervision groups found in the user's units that wait on the
    unit's rectification, with the days left or overdue (one query)."""
    return [
        Task(
            "finding",
            _("Rectify a problem found in %(unit)s (%(days)s)")
            % {"unit": f.unit.name, "days": _days(f, today)},
            reverse("supervision:finding", args=[f.pk]),
            f.deadline,
            overdue=f.is_overdue(today),
        )
        for f in findings_to_rectify(user)
    ]


def _findings_to_verify(user: User, today: dt.date) -> list[Task]:
    """The findings of the user's supervision groups waiting on the group: a
    rectification to verify, a verified finding to strike off (one query)."""
    return [
        Task(
            "finding",
            (
                _("Verify the rectification of %(unit)s")
                if f.state == FindingState.RECTIFYING
                else _("Strike off the problem found in %(unit)s")
            )
            % {"unit": f.unit.name},
            reverse("supervision:finding", args=[f.pk]),
            f.deadline,
            overdue=f.is_overdue(today),
        )
        for f in findings_to_verify(user)
    ]


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


def _month_reports(user: User) -> list[Task]:
    """Units' progress reports of the open months of unit performance not yet written."""
    return [
        Task(
            "month_report",
            _("Report %(unit)s's progress for %(month)s")
            % {"unit": unit.name, "month": month_label(month)},
            reverse("performance:month_unit", args=[month.pk, unit.pk]),
        )
        for month, unit in open_reports_due(user)
    ]


def _consequence(task: ConsequenceTask, today: dt.date) -> Task:
    return Task(
        "consequence",
        _("%(kind)s: %(person)s (%(unit)s)")
        % {
            "kind": task.get_kind_display(),
            "person": task.person.name,
            "unit": task.unit.name if task.unit is not None else "—",
        },
        reverse("outcomes:consequence", args=[task.pk]),
        task.due_on,
        overdue=task.due_on < today,
    )


def _consequences_owned(user: User, today: dt.date) -> list[Task]:
    """The consequences the heads of the user's units carry out (one query)."""
    return [_consequence(t, today) for t in consequences_owned(user)]


def _consequences_office(region_id: int, today: dt.date) -> list[Task]:
    """The office's own consequences by kind, and every overdue one of the units (at most
    three queries): the names of the first ones, then how many more."""
    office = consequences_of_office(region_id, today)
    page = reverse("outcomes:consequences")
    labels = dict(ConsequenceKind.choices)
    tasks = [
        Task(
            "consequence",
            _("%(kind)s: %(n)s people") % {"kind": labels.get(kind, kind), "n": n},
            f"{page}?kind={kind}&state=open",
            first,
            overdue=first < today,
        )
        for kind, n, first in office.own
    ]
    tasks += [_consequence(t, today) for t in office.overdue]
    if office.more_overdue:
        tasks.append(
            Task(
                "consequence",
                _("%(n)s more overdue consequences in the units") % {"n": office.more_overdue},
                f"{page}?state=overdue",
                overdue=True,
            )
        )
    return tasks


def _memberships(
    person_id: int, today: dt.date
) -> tuple[Position | None, list[tuple[int, dt.date, dt.date | None]]]:
    """The person's position today and their in-scope spans (unit, first day, last day or
    None), from one read of their memberships (a handful of rows)."""
    position = None
    spans = []
    rows = (
        Membership.objects.filter(person_id=person_id)
        .order_by("valid_from", "pk")
        .values_list(
            "unit_id", "unit__name", "post", "rank_level__name", "status", "valid_from", "valid_to"
        )
    )
    for unit, name, post, rank, status, first, last in rows:
        if status in IN_SCOPE_STATUSES:
            spans.append((unit, first, last))
        if position is None and first <= today and (last is None or today <= last):
            position = Position(unit, name, post, rank or "", status)
    return position, spans


def _open_ballots(
    region_id: int, person_id: int, spans: list[tuple[int, dt.date, dt.date | None]]
) -> list[OpenBallot]:
    """Open rounds' units the person rates and has not voted in (one query): the units of
    their in-scope memberships, and those they are an approved outside rater of."""
    voting = (RoundUnit.Proposal.NOT_NEEDED, RoundUnit.Proposal.APPROVED)
    extra = ExtraRater.objects.filter(
        person_id=person_id, round_unit__proposal=RoundUnit.Proposal.APPROVED
    ).values("round_unit_id")
    voted = Participation.objects.filter(
        rater_id=person_id, round_id=OuterRef("round_id"), unit_id=OuterRef("unit_id")
    )
    rows = (
        RoundUnit.objects.filter(
            Q(unit_id__in={unit for unit, _a, _b in spans}) | Q(pk__in=extra),
            round__region_id=region_id,
            round__state=RoundState.OPEN,
            proposal__in=voting,
        )
        .annotate(is_extra=Case(When(pk__in=extra, then=True), default=False))
        .exclude(Exists(voted))
        .order_by("round__ends_on", "pk")
        .values_list(
            "pk",
            "unit_id",
            "is_extra",
            "unit__name",
            "round__year",
            "round__cadence",
            "round__number",
            "round__ends_on",
        )
    )
    ballots = []
    for pk, unit, is_extra, unit_name, year, cadence, number, ends_on in rows:
        round_ = ReviewRound(year=year, cadence=cadence, number=number, ends_on=ends_on)
        # The ballot's own unit is the one held on the period's last day (ballot_sheet).
        end = round_.period_end
        member = any(u == unit and a <= end and (b is None or end <= b) for u, a, b in spans)
        if member or is_extra:
            ballots.append(OpenBallot(pk, str(round_), unit_name, ends_on))
    return ballots


def _open_receipts(person_id: int) -> list[Receipt]:
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
    return [
        Receipt("quarter" if q else "year", pk, y, q)
        for pk, y, q in quarters.union(years, all=True)
    ]


def _build_facts(user: User, today: dt.date) -> HomeFacts:
    region_id = user.region_id
    assert region_id is not None
    facts: dict[str, Any] = {}
    person_id = user.person_id
    if person_id is not None:
        days = recent_days(user, today)
        cell = days.get(today)
        facts["today_state"] = cell.state if cell is not None else None
        facts["open_days"] = tuple((c.day, c.deadline) for c in days.values() if c.state == "open")
        position, spans = _memberships(person_id, today)
        facts["position"] = position
        facts["ballots"] = tuple(_open_ballots(region_id, person_id, spans))
        facts["receipts"] = tuple(_open_receipts(person_id))
        facts["notices"] = tuple(my_unsigned_notices(person_id))
    facts["publicities"] = tuple(open_publicities(region_id, today))
    units = granted_units(user)
    region_admin = is_region_admin(user)
    if units or region_admin:
        counts = unit_counts(region_id, today)
        facts["head_counts"] = {u.pk: counts.own.get(u.pk, 0) for u in units}
        if region_admin:
            facts["region_stats"] = RegionStats(counts.units, counts.people, counts.pools)
    return HomeFacts(**facts)


def home_facts(user: User, today: dt.date) -> HomeFacts:
    """The user's `HomeFacts` of `today`, cached for every process. The stamp holds what
    the value was built for (the account, its person and region, the day, the user's
    grants), the region's epoch and its roster token (`org_version`, replaced by every
    write of units and memberships): the services writing any of it forget the user's
    value or the region's epoch (accounts.home_cache), and a new day is a miss."""
    region_id = user.region_id
    if region_id is None:
        return HomeFacts()
    stamp = (
        user.date_joined,
        user.person_id,
        region_id,
        today,
        tuple(sorted(g.pk for g in grants_of(user))),
        home_epoch(region_id),
        org_version(region_id),
    )
    return user_cached(HOME_TOPIC, user.pk, lambda: _build_facts(user, today), stamp=stamp)


def tasks_for(user: User, today: dt.date, facts: HomeFacts | None = None) -> list[Task]:
    """The user's open tasks, those with the nearest deadline first. `facts` are the
    user's home facts (`home_facts`, cached) when the caller has read them; without
    them they are built afresh. The tasks of the user's roles are read on each call."""
    region_id = user.region_id
    if region_id is None:
        return []
    if facts is None:
        facts = _build_facts(user, today)
    roles = roles_of(user)
    tasks = _logs(facts, today) + _ballots(facts) + _receipts(facts) + _notices(facts)
    tasks += _publicities(facts)
    if roles & PROPOSER_ROLES:
        tasks += _proposals(user, region_id)
    if roles & ADMIN_ROLES:
        tasks += _returned(user)
    if Role.UNIT_HEAD in roles:
        tasks += _consequences_owned(user, today)
    if roles & NOTICE_CHASER_ROLES:
        tasks += _overdue_notices(user, today)
    if roles & RECTIFY_ROLES:
        tasks += _findings_to_rectify(user, today)
    if Role.SUPERVISOR in roles:
        tasks += _findings_to_verify(user, today)
    if roles & UNIT_REPORTERS:
        tasks += _month_reports(user)
    if is_region_admin(user):
        tasks += _approvals(region_id)
        listed = {t.url for t in tasks}
        tasks += [t for t in _consequences_office(region_id, today) if t.url not in listed]
    by = _("by %(day)s")
    return [
        replace(t, due=by % {"day": t.deadline.isoformat()}) if t.deadline else t
        for t in sorted(tasks, key=lambda t: (t.deadline or dt.date.max, t.kind))
    ]
