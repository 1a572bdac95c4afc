"""What must be done before a period is computed or published (issue 13).

Each check returns the reasons that block the step, as `Blocker`s (a Chinese text
naming what is missing and the page where it is done); an empty list means the step
may go ahead. The services refuse with the same texts (`refuse`), and the year plan
shows them without trying the step. Every check reads a fixed number of queries,
whatever the number of units or people.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Case, Count, F, Q, Value, When
from django.urls import reverse
from django.utils.translation import gettext as _

from kaohe.core.cache import region_cached
from kaohe.core.errors import ApplicationError
from kaohe.core.year_facts import year_facts_topic, year_kept
from kaohe.org.models import QuotaPool, Unit
from kaohe.performance.selectors import unit_year_scores
from kaohe.reviews.models import ReviewRound, RoundState
from kaohe.reviews.selectors import Turnout, head_counts, turnouts
from kaohe.schemes.selectors import entry_states_of
from kaohe.scoring import engine
from kaohe.scoring.errors import ScoringErrorCode
from kaohe.scoring.models import (
    AnnualRun,
    QuarterResult,
    QuarterRun,
    RunState,
)
from kaohe.worklogs.rules import Period

NAMES_SHOWN = 5  # units named in a message; the rest are counted
OPEN_STATES = (RoundState.DRAFT, RoundState.OPEN)
DONE_STATES = (RoundState.CLOSED, RoundState.PUBLISHED)


@dataclass(frozen=True)
class Blocker:
    text: str
    url: str = ""


def refuse(blockers: list[Blocker]) -> None:
    """Raise the blockers as one refusal, each reason listed."""
    if blockers:
        problems = [b.text for b in blockers]
        raise ApplicationError(" ".join(problems), problems=problems, code=ScoringErrorCode.BLOCKED)


class YearFacts:
    """A region's year as the guards read it, each fact read once for every period and
    round of the year that needs it: the rounds, their turnout, the head counts at each
    quarter's end, the entries, the runs. A page that shows the whole year (the year
    plan, the scoring overview) asks the guards of four quarters and the year with one
    of these, in a fixed number of queries instead of a set per period; a service
    asking one guard builds its own."""

    def __init__(self, region_id: int, year: int) -> None:
        self.region_id = region_id
        self.year = year

    @cached_property
    def rounds(self) -> list[ReviewRound]:
        return list(
            ReviewRound.objects.filter(region_id=self.region_id, year=self.year).order_by(
                "cadence", "number"
            )
        )

    def period_rounds(self, quarter: int) -> list[ReviewRound]:
        """The quarter's rating rounds: the quarterly round, or the monthly rounds of its
        three months where the region rates monthly."""
        months = range(3 * quarter - 2, 3 * quarter + 1)
        return [
            r
            for r in self.rounds
            if (r.cadence == ReviewRound.Cadence.QUARTERLY and r.number == quarter)
            or (r.cadence == ReviewRound.Cadence.MONTHLY and r.number in months)
        ]

    def annual_round(self) -> ReviewRound | None:
        return next(
            (r for r in self.rounds if r.cadence == ReviewRound.Cadence.ANNUAL and r.number == 1),
            None,
        )

    @cached_property
    def head_counts(self) -> dict[dt.date, dict[int, int]]:
        """Each unit's cadres in scope at each quarter's end and each round's last day."""
        days = {Period(self.year, q).end for q in range(1, 5)}
        return head_counts(self.region_id, days | {r.period_end for r in self.rounds})

    @cached_property
    def _turnouts(self) -> dict[int, Turnout]:
        return {}

    def turnout(self, round_: ReviewRound) -> Turnout:
        """A round's turnout. The guards ask only of rounds still open: the first asked
        reads every open round of the year (three queries), the closed ones stay unread."""
        if round_.pk not in self._turnouts:
            wanted = [r for r in self.rounds if r.state not in DONE_STATES]
            if round_.pk not in {r.pk for r in wanted}:
                wanted.append(round_)
            self._turnouts.update(turnouts(wanted, self.head_counts))
        return self._turnouts[round_.pk]

    @property
    def turnouts(self) -> dict[int, Turnout]:
        """Every round's turnout (the year plan shows them all)."""
        unread = [r for r in self.rounds if r.pk not in self._turnouts]
        if unread:
            self._turnouts.update(turnouts(unread, self.head_counts))
        return self._turnouts

    def assessed(self, period: Period) -> set[int]:
        """The units with someone assessed on the period's last day."""
        return set(self.head_counts[period.end])

    @cached_property
    def entries(self) -> dict[int, tuple[set[int], set[int]]]:
        """Per quarter, the units that entered results and those that declared none."""
        return entry_states_of(self.region_id, self.year, range(1, 5))

    @cached_property
    def runs(self) -> dict[int, QuarterRun]:
        """The quarters' current runs (none superseded)."""
        return {
            r.quarter: r
            for r in QuarterRun.objects.filter(region_id=self.region_id, year=self.year).exclude(
                state=RunState.SUPERSEDED
            )
        }

    @cached_property
    def annual_run(self) -> AnnualRun | None:
        return (
            AnnualRun.objects.filter(region_id=self.region_id, year=self.year)
            .exclude(state=RunState.SUPERSEDED)
            .first()
        )

    @cached_property
    def scored(self) -> set[int]:
        """The units with an annual unit result (performance: computed or overridden)."""
        return set(unit_year_scores(region_id=self.region_id, year=self.year))

    @cached_property
    def run_units(self) -> dict[int, RunUnits]:
        """Per current quarter run: its units, those with a proposal, and each unit's
        ties awaiting a decision (the year plan's progress), one GROUP BY."""
        out: dict[int, RunUnits] = {
            run.pk: RunUnits(set(), set(), {}) for run in self.runs.values()
        }
        for run_id, unit_id, proposed, ties in (
            QuarterResult.objects.filter(run_id__in=list(out))
            .values("run_id", "unit_id")
            .annotate(
                proposed=Count("id", filter=Q(proposed_at__isnull=False)),
                ties=Count("id", filter=Q(tie=True, change_reason="")),
            )
            .values_list("run_id", "unit_id", "proposed", "ties")
        ):
            units = out[run_id]
            units.units.add(unit_id)
            if proposed:
                units.proposed.add(unit_id)
            if ties:
                units.ties[unit_id] = ties
        return out

    @cached_property
    def unit_order(self) -> list[int]:
        """The units assessed at any quarter's end, in their order in the tree."""
        self._read_tree([])
        return self.unit_order

    def _read_tree(self, named: list[set[int]]) -> None:
        """`unit_order`, and the first names of each of `named` (`names`), from one
        read of the region's units in tree order."""
        ids = set().union(*(self.assessed(Period(self.year, q)) for q in range(1, 5)))
        order: list[int] = []
        first: dict[frozenset[int], list[str]] = {frozenset(u): [] for u in named}
        units = Unit.objects.filter(region_id=self.region_id).order_by("path")
        for pk, name in units.values_list("pk", "name"):
            if pk in ids:
                order.append(pk)
            for key, names in first.items():
                if pk in key and len(names) < NAMES_SHOWN:
                    names.append(name)
        self.__dict__["unit_order"] = order
        self._named.update((key, (names, len(key))) for key, names in first.items())

    @cached_property
    def _named(self) -> dict[frozenset[int], tuple[list[str], int]]:
        return {}

    def names(self, unit_ids: set[int]) -> tuple[list[str], int]:
        """The first few of the units by their place in the tree, and how many there are."""
        key = frozenset(unit_ids)
        if key not in self._named:
            self._named[key] = (
                list(
                    Unit.objects.filter(pk__in=sorted(unit_ids))
                    .order_by("path")
                    .values_list("name", flat=True)[:NAMES_SHOWN]
                ),
                len(unit_ids),
            )
        return self._named[key]

    def loaded(self) -> YearFacts:
        """Every fact read, and the units that the guards' messages may name: what a
        cached copy holds so that the pages read nothing more from it, in a fixed
        number of queries."""
        _read = (self.turnouts, self.entries, self.annual_run, self.run_units)
        named = []
        for q in range(1, 5):
            entered, declared = self.entries[q]
            named.append(self.assessed(Period(self.year, q)) - entered - declared)
        named.append(self.assessed(Period(self.year, 0)) - self.scored)
        self._read_tree([u for u in named if u])
        return self


@dataclass(frozen=True)
class RunUnits:
    units: set[int]  # units with results in the run
    proposed: set[int]  # units whose head changed a grade
    ties: dict[int, int]  # unit → ties at the 好 boundary not yet decided


def year_facts(region_id: int, year: int) -> YearFacts:
    """The region's year for the pages that show it whole (the year plan, the scoring
    overview): cached for the years around today, forgotten by every service that
    changes one of its facts (`core.year_facts.year_facts_forget`). The services' own
    guards never read it: a refusal rests on the transaction's own reads."""
    if not year_kept(year):
        return YearFacts(region_id, year)
    return region_cached(
        year_facts_topic(year), region_id, lambda: YearFacts(region_id, year).loaded()
    )


def period_rounds(region_id: int, year: int, quarter: int) -> list[ReviewRound]:
    """The region's rating rounds of a quarter (`YearFacts.period_rounds`)."""
    return YearFacts(region_id, year).period_rounds(quarter)


def annual_round(region_id: int, year: int) -> ReviewRound | None:
    return YearFacts(region_id, year).annual_round()


def _round_blocker(round_: ReviewRound, facts: YearFacts) -> Blocker | None:
    if round_.state in DONE_STATES:
        return None
    url = reverse("reviews:round", args=[round_.pk])
    if round_.state == RoundState.DRAFT:
        text = _(
            "%(round)s has not opened for voting yet; open it, let everyone vote, then close it."
        )
        return Blocker(text % {"round": round_}, url)
    counts = facts.turnout(round_)
    text = _(
        "%(round)s is still open for voting (until %(day)s): %(out)s of %(expected)s ballots "
        "are outstanding. Close it first."
    )
    return Blocker(
        text
        % {
            "round": round_,
            "day": round_.ends_on.isoformat(),
            "out": counts.outstanding,
            "expected": counts.expected,
        },
        url,
    )


def round_blockers(rounds: list[ReviewRound], label: str, facts: YearFacts) -> list[Blocker]:
    if not rounds:
        return [
            Blocker(
                _(
                    "No rating round exists for %(period)s: create it, let everyone vote and "
                    "close it."
                )
                % {"period": label},
                reverse("reviews:rounds"),
            )
        ]
    return [b for b in (_round_blocker(r, facts) for r in rounds) if b is not None]


def assessed_units(region_id: int, period: Period) -> set[int]:
    """The units with someone assessed on the period's last day."""
    return set(head_counts(region_id, [period.end])[period.end])


def _names(unit_ids: set[int], facts: YearFacts) -> str:
    """The first few units by their place in the tree, then "等 N 个单位"."""
    names, total = facts.names(unit_ids)
    text = "、".join(names)
    if total > len(names):
        text += _(" and %(n)s more") % {"n": total - len(names)}
    return text


def entry_blocker(
    region_id: int, period: Period, units: set[int], facts: YearFacts | None = None
) -> Blocker | None:
    facts = facts or YearFacts(region_id, period.year)
    entered, declared = facts.entries[period.quarter]
    missing = units - entered - declared
    if not missing:
        return None
    return Blocker(
        _(
            "%(n)s units have no indicator entries for %(period)s and have not declared that "
            "they have none: %(names)s. Each enters its results, or declares on its entry "
            "page that it has none."
        )
        % {"n": len(missing), "period": period.label(), "names": _names(missing, facts)},
        reverse("schemes:entry_index"),
    )


def quarter_blockers(
    region_id: int, year: int, quarter: int, facts: YearFacts | None = None
) -> list[Blocker]:
    """Why the quarter may not be computed: its rounds not closed, units without
    indicator entries that have not declared none. `facts`: the year's, shared by a
    page that asks for several periods."""
    facts = facts or YearFacts(region_id, year)
    period = Period(year, quarter)
    out = round_blockers(facts.period_rounds(quarter), period.label(), facts)
    entry = entry_blocker(region_id, period, facts.assessed(period), facts)
    if entry is not None:
        out.append(entry)
    return out


def annual_blockers(region_id: int, year: int, facts: YearFacts | None = None) -> list[Blocker]:
    """Why the year may not be computed: quarters not published, the democratic
    evaluation not closed, units without their annual result."""
    facts = facts or YearFacts(region_id, year)
    out: list[Blocker] = []
    published = {q for q, r in facts.runs.items() if r.state == RunState.PUBLISHED}
    unpublished = [q for q in range(1, 5) if q not in published]
    if unpublished:
        out.append(
            Blocker(
                _(
                    "The year is computed from its four published quarters; not published yet: "
                    "%(quarters)s."
                )
                % {"quarters": "、".join(Period(year, q).label() for q in unpublished)},
                reverse("scoring:overview"),
            )
        )
    democratic = facts.annual_round()
    if democratic is None:
        out.append(
            Blocker(
                _(
                    "No annual democratic evaluation exists for %(year)s: create it, let "
                    "everyone vote and close it."
                )
                % {"year": year},
                reverse("reviews:rounds"),
            )
        )
    else:
        blocker = _round_blocker(democratic, facts)
        if blocker is not None:
            out.append(blocker)
    missing = facts.assessed(Period(year, 0)) - facts.scored
    if missing:
        out.append(
            Blocker(
                _("%(n)s units have no annual unit result for %(year)s yet: %(names)s.")
                % {"n": len(missing), "year": year, "names": _names(missing, facts)},
                reverse("performance:year") + f"?year={year}",
            )
        )
    return out


# Checks of the apps above scoring (registered from their AppConfig.ready), each saying
# why a computed year may not be published yet: due process registers its 公示 (not over,
# an objection unanswered). Scoring cannot import them (the layers), as jobs cannot
# import the work it runs (jobs.registry).
YearPublishCheck = Callable[[AnnualRun], list[Blocker]]
_YEAR_PUBLISH_CHECKS: list[YearPublishCheck] = []


def register_year_publish_check(check: YearPublishCheck) -> YearPublishCheck:
    """Register `check` (once: registering the same function again changes nothing)."""
    if check not in _YEAR_PUBLISH_CHECKS:
        _YEAR_PUBLISH_CHECKS.append(check)
    return check


def year_publish_blockers(run: AnnualRun) -> list[Blocker]:
    """Why the computed year `run` may not be published yet (empty: it may)."""
    return [b for check in _YEAR_PUBLISH_CHECKS for b in check(run)]


def round_reopen_blockers(round_: ReviewRound) -> list[str]:
    """A round whose results a confirmed or published quarter (or year) used stays
    closed: the office reopens that period first (registered in reviews)."""
    kept = (RunState.CONFIRMED, RunState.PUBLISHED)
    if round_.cadence == ReviewRound.Cadence.ANNUAL:
        run = AnnualRun.objects.filter(
            region_id=round_.region_id, year=round_.year, state__in=kept
        ).first()
        if run is None:
            return []
        return [
            _(
                "%(period)s is %(state)s and uses this round's results; reopen the year "
                "first, then this round."
            )
            % {"period": Period(round_.year, 0).label(), "state": run.get_state_display()}
        ]
    quarter = (
        round_.number
        if round_.cadence == ReviewRound.Cadence.QUARTERLY
        else (round_.number - 1) // 3 + 1
    )
    qrun = QuarterRun.objects.filter(
        region_id=round_.region_id, year=round_.year, quarter=quarter, state__in=kept
    ).first()
    if qrun is None:
        return []
    return [
        _(
            "%(period)s is %(state)s and uses this round's results; reopen the quarter "
            "first, then this round."
        )
        % {"period": Period(round_.year, quarter).label(), "state": qrun.get_state_display()}
    ]


def unit_year_locks(region_id: int, year: int) -> list[str]:
    """A unit's year result that a confirmed or published annual run read stays as it
    is: the office reopens the year first (registered in performance.locks)."""
    run = AnnualRun.objects.filter(
        region_id=region_id, year=year, state__in=(RunState.CONFIRMED, RunState.PUBLISHED)
    ).first()
    if run is None:
        return []
    return [
        _(
            "%(period)s is %(state)s and uses the units' year results; reopen the year "
            "first, then change them."
        )
        % {"period": Period(year, 0).label(), "state": run.get_state_display()}
    ]


# ---------------------------------------------------------------- publish confirmation


@dataclass
class PoolGrades:
    name: str
    counts: dict[str, int]  # grade → people
    total: int


@dataclass
class PublishSummary:
    """What the confirmation page shows before a period is published."""

    people: int
    grades: dict[str, int]
    ties: int
    ties_decided: int
    pools: list[PoolGrades] = field(default_factory=list)
    token: str = ""


def _pool_names(region_id: int, year: int) -> dict[int, str]:
    return dict(QuotaPool.objects.filter(region_id=region_id, year=year).values_list("pk", "name"))


def publish_summary(run: QuarterRun | AnnualRun) -> PublishSummary:
    """Grades per pool and the counts, in three queries: the GROUP BY, the pools' and
    the units' names (a unit in no pool is a pool of its own)."""
    own_unit = Case(When(pool_id=0, then=F("unit_id")), default=Value(0))
    quarter = isinstance(run, QuarterRun)
    rows = run.results.values("pool_id", "grade", own=own_unit).annotate(
        n=Count("id"),
        ties=Count("id", filter=Q(tie=True)),
        decided=Count("id", filter=Q(tie=True) & ~Q(change_reason="")) if quarter else Value(0),
    )
    by_pool: dict[int, dict[str, int]] = defaultdict(dict)
    grades: dict[str, int] = defaultdict(int)
    ties = decided = 0
    for row in rows.values_list("pool_id", "own", "grade", "n", "ties", "decided"):
        pool_id, own, grade, n, t, d = row
        key = pool_id or -own
        by_pool[key][grade or ""] = by_pool[key].get(grade or "", 0) + n
        grades[grade or ""] += n
        ties += t
        decided += d
    names = _pool_names(run.region_id, run.year)
    if any(k < 0 for k in by_pool):
        names.update(
            (-pk, name)
            for pk, name in Unit.objects.filter(region_id=run.region_id).values_list("pk", "name")
        )
    pools = sorted(
        (PoolGrades(names.get(k, "—"), c, sum(c.values())) for k, c in by_pool.items()),
        key=lambda p: p.name,
    )
    summary = PublishSummary(sum(grades.values()), dict(grades), ties, decided, pools)
    summary.token = publish_token(run, summary)
    return summary


def publish_token(run: QuarterRun | AnnualRun, summary: PublishSummary | None = None) -> str:
    """A digest of what the confirmation page showed: the run, its state and its
    grade counts. A publish carrying another token (or none) was not confirmed on the
    page, or the grades changed since it was opened."""
    if summary is None:
        summary = publish_summary(run)
        return summary.token
    kind = "quarter" if isinstance(run, QuarterRun) else "year"
    seen = ";".join(
        f"{p.name}:{','.join(f'{g}={n}' for g, n in sorted(p.counts.items()))}"
        for p in summary.pools
    )
    text = f"{kind}:{run.pk}:{run.state}:{summary.people}:{summary.ties_decided}:{seen}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def require_confirmation(run: QuarterRun | AnnualRun, confirmation: str) -> None:
    """A publish comes from the confirmation page (the distribution seen, the box
    ticked): its token must match what the page showed, or nothing is published. The
    page checks it before starting the publishing job, the service again when it runs."""
    if run.state == RunState.PUBLISHED:
        raise ApplicationError(
            _("This period is already published; nothing was done again."),
            code=ScoringErrorCode.ALREADY_PUBLISHED,
        )
    if not confirmation or confirmation != publish_token(run):
        raise ApplicationError(
            _(
                "Publishing needs confirming: open the confirmation page, check the grade "
                "distribution and tick the box. If the grades changed since it was opened, "
                "check them again."
            ),
            code=ScoringErrorCode.PUBLISH_NOT_CONFIRMED,
        )


def grade_order(kind: str) -> list[str]:
    """The grades in the order pages show them."""
    if kind == "quarter":
        return [g.value for g in engine.QUARTER_ORDER]
    return [g.value for g in engine.AnnualGrade]
