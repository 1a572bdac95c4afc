"""The year plan (考核日历): each period's steps, their state and what blocks them.

Read-only: it asks the same guards the services refuse with (scoring.guards), so the
page shows why a step cannot be taken without trying it. A fixed number of queries
per page, whatever the number of units or people: per round four counts
(reviews.selectors.turnout), per quarter the entry states, then one GROUP BY each for
proposals and ties over every run of the year.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import Http404
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaohe.accounts.access import ADMIN_ROLES, Scope, is_region_admin, region_id_of, scope_of
from kaohe.accounts.models import Role, User
from kaohe.core import clock
from kaohe.org.models import Unit
from kaohe.reviews.models import ReviewRound, RoundState
from kaohe.reviews.selectors import Turnout
from kaohe.schemes.selectors import EntryState, entry_state
from kaohe.scoring import guards
from kaohe.scoring.models import RunState
from kaohe.worklogs.rules import Period

PLAN_ROLES = ADMIN_ROLES | {Role.UNIT_HEAD}
UNITS_PER_PAGE = 50


class StepState:
    DONE = "done"
    ACTIVE = "active"  # under way
    WAITING = "waiting"  # not started, nothing blocks it
    BLOCKED = "blocked"


STATE_LABELS = {
    StepState.DONE: gettext_lazy("Done"),
    StepState.ACTIVE: gettext_lazy("In progress"),
    StepState.WAITING: gettext_lazy("Not started"),
    StepState.BLOCKED: gettext_lazy("Blocked"),
}


@dataclass
class Step:
    name: str
    state: str
    detail: str = ""
    url: str = ""
    blockers: list[guards.Blocker] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


@dataclass
class PeriodPlan:
    label: str
    key: str  # "q1" … "q4", "year"
    steps: list[Step]

    @property
    def done(self) -> bool:
        return all(s.state == StepState.DONE for s in self.steps)


@dataclass
class UnitRow:
    name: str
    ballots: str  # "11 / 12" or "—"
    entry: str  # EntryState
    entry_label: str
    entry_url: str
    proposed: bool | None  # None: no run yet
    annual: bool


@dataclass
class YearPlan:
    year: int
    office: bool
    periods: list[PeriodPlan]
    quarter: int  # the quarter the unit table shows
    units: Page[int]  # unit ids
    rows: list[UnitRow]


def _url(name: str, *args: int) -> str:
    """`reverse(name, args=args)`, remembered per process: the plan links some thirty
    steps to a dozen pages, and a reverse costs more than building the rest of a step.
    Keyed by the script prefix and the URLconf too, so a prefix or urlconf in force for
    the request still gets its own URLs."""
    return _reversed(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF, name, args)


@functools.lru_cache(maxsize=1024)
def _reversed(prefix: str, urlconf: object, name: str, args: tuple[int, ...]) -> str:
    return reverse(name, args=list(args))


def plan_scope(user: User) -> Scope:
    """Region admins see the whole region; unit admins and heads their units; anyone
    else gets 404."""
    scope = scope_of(user, PLAN_ROLES)
    if scope.is_empty:
        raise Http404
    return scope


def _round_step(
    name: str, rounds: list[ReviewRound], counts: dict[int, Turnout], linked: bool
) -> Step:
    """The rating step; `linked` for those who may open the rounds' pages (admins)."""
    if not rounds:
        url = _url("reviews:rounds") if linked else ""
        return Step(name, StepState.WAITING, _("No round created yet."), url)
    parts, states = [], []
    for r in rounds:
        c = counts[r.pk]
        parts.append(
            _("%(round)s, %(start)s – %(end)s, %(state)s, ballots %(in)s / %(expected)s")
            % {
                "round": r,
                "start": r.starts_on.isoformat(),
                "end": r.ends_on.isoformat(),
                "state": r.get_state_display(),
                "in": c.ballots_in,
                "expected": c.expected,
            }
        )
        states.append(r.state)
    if all(s in guards.DONE_STATES for s in states):
        state = StepState.DONE
    elif any(s == RoundState.OPEN for s in states):
        state = StepState.ACTIVE
    else:
        state = StepState.WAITING
    url = _url("reviews:round", rounds[0].pk) if len(rounds) == 1 else ""
    return Step(name, state, "；".join(parts), (url or _url("reviews:rounds")) if linked else "")


def year_plan(user: User, year: int, quarter: int | None, page: int) -> YearPlan:
    scope = plan_scope(user)
    region_id = region_id_of(user)
    office = is_region_admin(user)
    admins = not scope_of(user, ADMIN_ROLES).is_empty  # the rounds' pages are theirs
    today = clock.today()
    # Every period's facts read once for the whole year (the guards' too), cached for
    # the region until one of them is written.
    facts = guards.year_facts(region_id, year)
    rounds = sorted(facts.rounds, key=lambda r: r.number)
    counts = facts.turnouts
    runs = facts.runs
    annual = facts.annual_run
    # The units this user follows (all of the region's for a region-wide grant).
    visible_ids: set[int] | None = (
        None
        if scope.region_wide
        else set(
            Unit.objects.filter(scope.unit_filter(), region_id=region_id).values_list(
                "pk", flat=True
            )
        )
    )

    def seen(unit_ids: set[int]) -> set[int]:
        return unit_ids if visible_ids is None else unit_ids & visible_ids

    # Proposals and ties of every run of the year.
    run_units = facts.run_units
    proposed = {run_id: units.proposed for run_id, units in run_units.items()}
    units_in_run = {run_id: units.units for run_id, units in run_units.items()}
    ties = {
        run_id: sum(n for unit_id, n in units.ties.items() if seen({unit_id}))
        for run_id, units in run_units.items()
    }

    periods = []
    entries: dict[int, tuple[set[int], set[int]]] = {}
    for q in range(1, 5):
        period = Period(year, q)
        months = range(3 * q - 2, 3 * q + 1)
        these = [
            r
            for r in rounds
            if (r.cadence == ReviewRound.Cadence.QUARTERLY and r.number == q)
            or (r.cadence == ReviewRound.Cadence.MONTHLY and r.number in months)
        ]
        assessed = seen(facts.assessed(period))
        entries[q] = facts.entries[q]
        entered, declared = entries[q]
        n_entered = len(assessed & entered)
        n_declared = len(assessed & declared)
        missing = len(assessed) - n_entered - n_declared
        run = runs.get(q)
        steps = [_round_step(_("Rating round"), these, counts, admins)]
        steps.append(
            Step(
                _("Indicator entry"),
                StepState.DONE
                if not missing and assessed
                else StepState.ACTIVE
                if n_entered or n_declared
                else StepState.WAITING,
                _("%(entered)s units entered, %(declared)s declared none, %(missing)s missing")
                % {"entered": n_entered, "declared": n_declared, "missing": missing},
                _url("schemes:entry_index"),
            )
        )
        # Computing is the next step once the quarter is over; before, nothing blocks it.
        ended = period.end < today
        if run is None:
            blockers = (
                guards.quarter_blockers(region_id, year, q, facts) if office and ended else []
            )
            steps.append(
                Step(
                    _("Compute"),
                    StepState.BLOCKED if blockers else StepState.WAITING,
                    "",
                    _url("scoring:overview"),
                    blockers,
                )
            )
        else:
            steps.append(
                Step(
                    _("Compute"),
                    StepState.DONE,
                    str(run),
                    _url("scoring:quarter", run.pk) if office else "",
                )
            )
        in_run = seen(units_in_run.get(run.pk, set())) if run else set()
        done_units = seen(proposed.get(run.pk, set())) if run else set()
        confirmed = run is not None and run.state in (RunState.CONFIRMED, RunState.PUBLISHED)
        steps.append(
            Step(
                _("Unit proposals"),
                StepState.DONE if confirmed else StepState.ACTIVE if run else StepState.WAITING,
                _("%(done)s of %(total)s units proposed changes")
                % {"done": len(done_units), "total": len(in_run)}
                if run
                else "",
                _url("scoring:overview"),
            )
        )
        undecided = ties.get(run.pk, 0) if run else 0
        confirm_blockers = (
            [
                guards.Blocker(
                    _(
                        "%(n)s people are tied at the 好 boundary; their unit heads must decide "
                        "first."
                    )
                    % {"n": undecided},
                    _url("scoring:overview"),
                )
            ]
            if run and run.state == RunState.COMPUTED and undecided
            else []
        )
        steps.append(
            Step(
                _("Confirmation"),
                StepState.DONE
                if confirmed
                else StepState.BLOCKED
                if confirm_blockers
                else StepState.ACTIVE
                if run
                else StepState.WAITING,
                "",
                _url("scoring:quarter", run.pk) if run and office else "",
                confirm_blockers,
            )
        )
        published = run is not None and run.state == RunState.PUBLISHED
        steps.append(
            Step(
                _("Publication"),
                StepState.DONE
                if published
                else StepState.ACTIVE
                if confirmed
                else StepState.WAITING,
                "",
                _url("scoring:quarter_publish", run.pk)
                if run and office and confirmed and not published
                else "",
            )
        )
        periods.append(PeriodPlan(period.label(), f"q{q}", steps))

    # The year: the democratic evaluation, unit results, the quarters, compute, publish.
    democratic = [r for r in rounds if r.cadence == ReviewRound.Cadence.ANNUAL]
    year_units = seen(facts.assessed(Period(year, 0)))
    scored = facts.scored & year_units
    published_quarters = sum(1 for r in runs.values() if r.state == RunState.PUBLISHED)
    year_steps = [
        _round_step(_("Annual democratic evaluation"), democratic, counts, admins),
        Step(
            _("Unit annual results"),
            StepState.DONE
            if year_units and scored == year_units
            else StepState.ACTIVE
            if scored
            else StepState.WAITING,
            _("%(done)s of %(total)s units") % {"done": len(scored), "total": len(year_units)},
            _url("performance:year") + f"?year={year}" if office else "",
        ),
        Step(
            _("Quarters published"),
            StepState.DONE if published_quarters == 4 else StepState.ACTIVE,
            _("%(n)s of 4") % {"n": published_quarters},
            _url("scoring:overview"),
        ),
    ]
    if annual is None:
        blockers = guards.annual_blockers(region_id, year, facts) if office else []
        year_steps.append(
            Step(
                _("Compute"),
                StepState.BLOCKED if blockers else StepState.WAITING,
                "",
                _url("scoring:overview"),
                blockers,
            )
        )
    else:
        year_steps.append(
            Step(
                _("Compute"),
                StepState.DONE,
                str(annual),
                _url("scoring:annual", annual.pk) if office else "",
            )
        )
    year_published = annual is not None and annual.state == RunState.PUBLISHED
    year_steps.append(
        Step(
            _("Publication"),
            StepState.DONE
            if year_published
            else StepState.ACTIVE
            if annual is not None
            else StepState.WAITING,
            "",
            _url("scoring:annual_publish", annual.pk)
            if annual is not None and office and not year_published
            else "",
        )
    )
    periods.append(PeriodPlan(_("The year %(year)s") % {"year": year}, "year", year_steps))

    # Progress per unit for one quarter, a page at a time.
    shown = quarter or _first_open_quarter(periods)
    period = Period(year, shown)
    the_round = next(
        (r for r in rounds if r.cadence == ReviewRound.Cadence.QUARTERLY and r.number == shown),
        None,
    )
    # The units with someone assessed at the quarter's end, a page at a time, in the
    # tree's order; only the page's names are read.
    assessed_there = seen(facts.assessed(period))
    unit_page = Paginator(
        [pk for pk in facts.unit_order if pk in assessed_there], UNITS_PER_PAGE
    ).get_page(page)
    names = dict(Unit.objects.filter(pk__in=list(unit_page.object_list)).values_list("pk", "name"))
    entered, declared = entries[shown]
    run = runs.get(shown)
    entry_url = _unit_url("schemes:entry", year, shown)
    rows = []
    by_unit = counts[the_round.pk].by_unit if the_round else {}
    labels = {state: str(label) for state, label in ENTRY_LABELS.items()}  # once a page
    for unit_id in unit_page.object_list:
        ballots = by_unit.get(unit_id)
        rows.append(
            UnitRow(
                name=names.get(unit_id, "—"),
                ballots=f"{ballots[0]} / {ballots[1]}" if ballots else "—",
                entry=(entry := entry_state(unit_id, entered, declared)),
                entry_label=labels[entry],
                entry_url=entry_url(unit_id),
                proposed=(unit_id in proposed.get(run.pk, set())) if run else None,
                annual=unit_id in scored,
            )
        )
    return YearPlan(year, office, periods, shown, unit_page, rows)


def _unit_url(name: str, year: int, quarter: int) -> Callable[[int], str]:
    """A unit's page of the quarter by the unit's id: the pattern is reversed once per
    page, not once for each of its rows."""
    marker = 987654321
    head, tail = reverse(name, args=[marker, year, quarter]).split(f"/{marker}/")
    return lambda unit_id: f"{head}/{unit_id}/{tail}"


def _first_open_quarter(periods: list[PeriodPlan]) -> int:
    """The first quarter not yet done, or the last one."""
    for i, p in enumerate(periods[:4], start=1):
        if not p.done:
            return i
    return 4


ENTRY_LABELS = {
    EntryState.ENTERED: gettext_lazy("Entries made"),
    EntryState.DECLARED: gettext_lazy("Declared no entries"),
    EntryState.MISSING: gettext_lazy("No entries yet"),
}
