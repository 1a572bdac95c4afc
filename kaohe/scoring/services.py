"""The scoring workflow (R5): compute a period, propose, confirm, publish, reopen.

A compute gathers its inputs (`inputs`: a fixed number of queries per period), runs
the engine in memory and writes what it returns (`storage.store_rows`: COPY on
PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import operator
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, TypeVar

import numpy as np
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.access import require_region_admin, scope_of
from kaohe.accounts.home_cache import home_forget_region, home_forget_user
from kaohe.accounts.models import User
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ApplicationError
from kaohe.core.text import clean_text, visible_length
from kaohe.jobs.progress import ProgressFn, no_progress, tracked
from kaohe.notices.services import notify
from kaohe.org.models import (
    Region,
)
from kaohe.scoring import engine, guards, signals
from kaohe.scoring.caches import my_results_forget, runs_forget
from kaohe.scoring.errors import ScoringErrorCode
from kaohe.scoring.inputs import annual_inputs, quarter_inputs
from kaohe.scoring.models import (
    AnnualResult,
    AnnualRun,
    AnnualStep,
    PersonYearFlag,
    QuarterResult,
    QuarterRun,
    RunState,
    ScoringPolicy,
)
from kaohe.scoring.policies import GRADE_RANK, PROPOSER_ROLES, allowed_grades
from kaohe.scoring.selectors import pool_counters, pool_key
from kaohe.scoring.storage import (
    ANNUAL_COLUMNS,
    QUARTER_COLUMNS,
    STEP_COLUMNS,
    StepCatalog,
    StepsText,
    _dumps,
    store_rows,
)
from kaohe.worklogs.rules import Period


def _policy_stored(region_id: int) -> ScoringPolicy:
    """The region's policy for a computation, its row created with the defaults when
    missing: the office edits the row in 系统设置 (no "add" there), and the pages read
    it (`policies.policy_for`, which never writes)."""
    policy, _created = ScoringPolicy.objects.get_or_create(region_id=region_id)
    return policy


def quarter_policy(p: ScoringPolicy) -> engine.QuarterPolicy:
    return engine.QuarterPolicy(
        evaluation_weight=p.evaluation_weight,
        indicator_weight=p.indicator_weight,
        good_from=p.good_from,
        fairly_good_from=p.fairly_good_from,
        average_from=p.average_from,
        good_share=p.good_share,
        rounding=p.rounding,
        grading=engine.Grading(p.grading),
    )


def annual_policy(p: ScoringPolicy, excellent_share: Decimal) -> engine.AnnualPolicy:
    failing = (
        (engine.QuarterGrade.POOR, engine.QuarterGrade.AVERAGE)
        if p.average_counts_as_failing
        else (engine.QuarterGrade.POOR,)
    )
    return engine.AnnualPolicy(
        main_leader_weights=(p.main_democratic, p.main_unit, p.main_quarterly),
        other_weights=(p.other_democratic, p.other_unit, p.other_quarterly),
        excellent_share=excellent_share,
        rounding=p.rounding,
        min_good_quarters=p.min_good_quarters,
        failing=failing,
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a run builds its millions of
    small objects: each full collection walks them all again (measured 20–30% of a
    city's run). The objects are acyclic and freed by reference counting anyway."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_Run = TypeVar("_Run", QuarterRun, AnnualRun)


def _run_to_compute(model: type[_Run], refusal: str, code: ScoringErrorCode, **period: Any) -> _Run:
    """The period's current run, locked, to be computed again in place; or, if it has
    none (or only superseded ones), a new run numbered after the last. A confirmed or
    published run is refused with `refusal` (its %(state)s filled in): it must be
    reopened with a reason first."""
    current = (
        model.objects.select_for_update()
        .filter(**period)
        .exclude(state=RunState.SUPERSEDED)
        .first()
    )
    if current is not None and current.state != RunState.COMPUTED:
        raise ApplicationError(refusal % {"state": current.get_state_display()}, code=code)
    if current is not None:
        return current
    last = model.objects.filter(**period).aggregate(n=Max("number"))["n"]
    return model.objects.create(**period, number=(last or 0) + 1)


@transaction.atomic
@_collector_paused()
def quarter_compute(
    *,
    actor: User | None,
    region: Region,
    year: int,
    quarter: int,
    today: dt.date,
    progress: ProgressFn = no_progress,
) -> QuarterRun:
    """Compute (or recompute) a quarter. A confirmed or published run must be reopened first.
    `progress` hears how far it is (a background job's bar, kaohe.jobs)."""
    if actor is not None:
        require_region_admin(actor, region.pk)
    if not 1 <= quarter <= 4:
        # Period(year, 0) is the whole year: refused here, not computed as a quarter.
        raise ApplicationError(
            _("Choose a period from 1 to %(n)s.") % {"n": 4}, code=ScoringErrorCode.BAD_PERIOD
        )
    # Its rounds closed and every unit's indicators entered or declared none (issue 13).
    guards.refuse(guards.quarter_blockers(region.pk, year, quarter))
    period = Period(year, quarter)
    run = _run_to_compute(
        QuarterRun,
        _("This quarter is %(state)s; reopen it with a reason to recompute."),
        ScoringErrorCode.QUARTER_NOT_DRAFT,
        region=region,
        year=year,
        quarter=quarter,
    )
    policy = quarter_policy(_policy_stored(region.pk))
    progress(0, 100, _("Reading the quarter's inputs"))
    inputs, memberships = quarter_inputs(region.pk, period, today)
    progress(40, 100, _("Scoring and grading"))
    scores = engine.quarter_scores(inputs, policy)
    grades = engine.quarter_grades(scores, policy)
    ranks = engine.group_ranks(
        (s.person_id, memberships[s.person_id].unit_id, s.score) for s in scores
    )
    progress(70, 100, _("Writing the results"))
    QuarterResult.objects.filter(run=run).delete()
    steps_text = StepsText()
    store_rows(
        QuarterResult,
        QUARTER_COLUMNS,
        (
            (
                run.pk,
                s.person_id,
                memberships[s.person_id].unit_id,
                s.pool_id if s.pool_id > 0 else 0,
                s.score,
                g.band or "",
                g.grade or "",
                g.grade or "",
                g.tie,
                "",
                steps_text(s.steps, g.steps),
                ranks[s.person_id],
            )
            for s, g in ((s, grades[s.person_id]) for s in scores)
        ),
        progress=tracked(progress, len(scores), 70),
    )
    audit_record(
        actor=actor,
        action=AuditAction.SCORING_QUARTER_COMPUTE,
        obj=run,
        region=region,
        details={"people": len(scores)},
    )
    runs_forget(region.pk)
    return run


@transaction.atomic
def quarter_propose(
    *,
    actor: User,
    run: QuarterRun,
    changes: Mapping[int, tuple[str, str]],
    shown: Mapping[int, tuple[str, str]],
) -> int:
    """The unit head's proposal: {result id: (grade, reason)}. A grade may go down
    freely with a reason; it may not rise above the score's band, and 好 only
    within the pool's remaining places.

    `shown` is each row's (grade, reason) as the proposer's page showed them. A row
    sent as shown is left alone, so a page opened earlier never reverts what another
    proposer saved since; a row changed on a page whose view of it is out of date is
    refused, with nothing saved."""
    # One proposal of a run at a time: the pools' 好 places are counted across rows
    # (and units) that another proposal could be filling at the same moment.
    locked = QuarterRun.objects.select_for_update().filter(pk=run.pk)
    if locked.values_list("state", flat=True).first() != RunState.COMPUTED:
        raise ApplicationError(
            _("Grades can be proposed only before the office confirms them."),
            code=ScoringErrorCode.GRADES_CONFIRMED,
        )
    results = {
        r.pk: r
        for r in QuarterResult.objects.select_for_update()
        .filter(run=run, pk__in=list(changes))
        .select_related("unit", "person")
    }
    scope = scope_of(actor, PROPOSER_ROLES)
    for result_id in changes:
        r = results.get(result_id)
        if r is None or not scope.covers_path(r.unit.path, r.unit_id):
            raise ApplicationError(
                _("You may propose grades only for your own units."),
                code=ScoringErrorCode.NOT_OWN_UNIT,
            )
    # The places each pool has left as the page showed them, plus those this proposal
    # frees by lowering a 好: a swap within one pool is one save.
    good = engine.QuarterGrade.GOOD.value
    counters = pool_counters(run, {pool_key(r.pool_id, r.unit_id) for r in results.values()})
    left = {key: c.left for key, c in counters.items()}
    for result_id, (grade, reason) in changes.items():
        r = results[result_id]
        touched = (grade, clean_text(reason).strip()) != tuple(
            s.strip() for s in shown.get(result_id, ("", ""))
        )
        if touched and r.grade == good and grade != good:
            left[pool_key(r.pool_id, r.unit_id)] += 1
    problems: list[str] = []
    stale: list[str] = []
    changed: list[QuarterResult] = []
    for result_id, (grade, reason) in changes.items():
        r = results[result_id]
        reason = clean_text(reason)
        shown_grade, shown_reason = shown.get(result_id, ("", ""))
        if (grade, reason.strip()) == (shown_grade, shown_reason.strip()):
            continue  # not touched on this page: keep what is stored, whoever wrote it
        if (r.grade, r.change_reason) != (shown_grade, shown_reason.strip()):
            stale.append(r.person.name)
            continue
        if grade == r.grade and not (r.tie and visible_length(reason)):
            continue  # unchanged; a tied row may still record the head's decision
        if not r.band or grade not in GRADE_RANK:
            problems.append(_("%(name)s: choose a grade from the list.") % {"name": r.person.name})
            continue
        if grade not in allowed_grades(r, left[pool_key(r.pool_id, r.unit_id)]):
            if GRADE_RANK[grade] < GRADE_RANK[r.band]:
                problem = _(
                    "%(name)s scored %(score)s; the grade cannot be above the score's band."
                ) % {"name": r.person.name, "score": r.score}
            elif any(step.get("code") == engine.StepCode.VETO for step in r.steps):
                problem = _("%(name)s: a veto item applies, so the grade cannot be 好.") % {
                    "name": r.person.name
                }
            else:
                problem = _(
                    "%(name)s: the pool's %(limit)s places for 好 are all taken this quarter; "
                    "lower another person's grade first (with the reason)."
                ) % {"name": r.person.name, "limit": counters[pool_key(r.pool_id, r.unit_id)].limit}
            problems.append(problem)
            continue
        if (grade != r.computed_grade or r.tie) and visible_length(reason) < 4:
            problems.append(
                _("%(name)s: write the reason for changing the grade.") % {"name": r.person.name}
            )
            continue
        r.grade = grade
        r.change_reason = reason.strip()[:300] if grade != r.computed_grade or r.tie else ""
        r.proposed_at = timezone.now()
        # The explanation keeps the engine's steps and adds the decision on top.
        r.steps = [s for s in r.steps if s.get("code") != engine.StepCode.PROPOSED]
        if r.change_reason:
            r.steps.append(
                {
                    "code": engine.StepCode.PROPOSED,
                    "figures": {"grade": grade, "reason": r.change_reason},
                }
            )
        changed.append(r)
    if stale:
        raise ApplicationError(
            _(
                "Someone else changed the grades of %(names)s while this page was open; "
                "nothing was saved. Reload the page to see their changes, then make yours again."
            )
            % {"names": "、".join(stale)},
            code=ScoringErrorCode.GRADES_CHANGED_MEANWHILE,
        )
    if problems:
        raise ApplicationError(
            " ".join(problems), problems=problems, code=ScoringErrorCode.GRADES_INVALID
        )
    QuarterResult.objects.bulk_update(changed, ["grade", "change_reason", "proposed_at", "steps"])
    # The backstop: several rows raised at once may together overrun a pool's places.
    for counter in pool_counters(run, {pool_key(r.pool_id, r.unit_id) for r in changed}).values():
        if counter.used > counter.limit:
            raise ApplicationError(
                _(
                    "Only %(limit)s people of this pool may be 好 this quarter; %(used)s would be. "
                    "Nothing was saved."
                )
                % {"limit": counter.limit, "used": counter.used},
                code=ScoringErrorCode.POOL_OVER_QUOTA,
            )
    audit_record(
        actor=actor,
        action=AuditAction.SCORING_QUARTER_PROPOSE,
        obj=run,
        region=run.region,
        details={"changes": {str(r.person_id): r.grade for r in changed}},
    )
    runs_forget(run.region_id)
    return len(changed)


def _set_state(
    actor: User, run: QuarterRun | AnnualRun, to: str, allowed: set[str], action: AuditAction
) -> None:
    require_region_admin(actor, run.region_id)
    if run.state not in allowed:
        raise ApplicationError(
            _("This period is %(state)s.") % {"state": run.get_state_display()},
            code=ScoringErrorCode.BAD_TRANSITION,
        )
    run.state = to
    run.save(update_fields=["state"])
    home_forget_region(run.region_id)  # published results are to be confirmed
    runs_forget(run.region_id)
    audit_record(actor=actor, action=action, obj=run, region=run.region)


@transaction.atomic
def quarter_confirm(*, actor: User, run: QuarterRun) -> None:
    ties = run.results.filter(
        tie=True, grade=engine.QuarterGrade.FAIRLY_GOOD, change_reason=""
    ).count()
    if ties:
        raise ApplicationError(
            _("%(n)s people are tied at the 好 boundary; their unit heads must decide first.")
            % {"n": ties},
            code=ScoringErrorCode.TIES_UNDECIDED,
        )
    _set_state(
        actor, run, RunState.CONFIRMED, {RunState.COMPUTED}, AuditAction.SCORING_QUARTER_CONFIRM
    )


def _notify_published(results: models.QuerySet[Any], text: str, url: str, kind: str) -> None:
    """Every person with a result learns it is published (a subquery: a province's
    run holds hundreds of thousands of people)."""
    notify(
        users=User.objects.filter(person_id__in=results.values("person_id")),
        text=text,
        url=url,
        kind=kind,
    )


@transaction.atomic
def quarter_publish(
    *, actor: User, run: QuarterRun, confirmation: str, progress: ProgressFn = no_progress
) -> None:
    """Publish a confirmed quarter from its confirmation page (`confirmation` is the
    page's token, guards.publish_token); every cadre concerned is notified (after the
    commit). The receivers of `quarter_published` report their steps to `progress`."""
    require_region_admin(actor, run.region_id)
    guards.require_confirmation(run, confirmation)
    _set_state(
        actor, run, RunState.PUBLISHED, {RunState.CONFIRMED}, AuditAction.SCORING_QUARTER_PUBLISH
    )
    from django.urls import reverse

    _notify_published(
        run.results.all(),
        _("The results of %(period)s are published; please read and confirm yours.")
        % {"period": Period(run.year, run.quarter).label()},
        reverse("scoring:mine"),
        "quarter_published",
    )
    signals.quarter_published.send(sender=QuarterRun, run=run, progress=progress)


@transaction.atomic
def quarter_reopen(
    *,
    actor: User,
    run: QuarterRun,
    reason: str,
    today: dt.date,
    progress: ProgressFn = no_progress,
) -> QuarterRun:
    """Keep the old run as superseded and compute a new one; the reason is recorded."""
    reason = _supersede(actor, run, reason, AuditAction.SCORING_QUARTER_REOPEN)
    new = quarter_compute(
        actor=actor,
        region=run.region,
        year=run.year,
        quarter=run.quarter,
        today=today,
        progress=progress,
    )
    new.reopen_reason = reason
    new.save(update_fields=["reopen_reason"])
    return new


def _supersede(actor: User, run: QuarterRun | AnnualRun, reason: str, action: AuditAction) -> str:
    """The shared half of reopening: checks, the old run marked superseded, the audit row."""
    require_region_admin(actor, run.region_id)
    reason = clean_text(reason)[:300]
    if visible_length(reason) < 4:
        raise ApplicationError(
            _("Reopening needs a written reason."), code=ScoringErrorCode.REOPEN_NEEDS_REASON
        )
    if run.state not in (RunState.CONFIRMED, RunState.PUBLISHED):
        raise ApplicationError(
            _("Only a confirmed or published period is reopened."),
            code=ScoringErrorCode.REOPEN_NOT_FINAL,
        )
    run.state = RunState.SUPERSEDED
    run.save(update_fields=["state"])
    home_forget_region(run.region_id)  # its results are no longer to be confirmed
    runs_forget(run.region_id)
    audit_record(actor=actor, action=action, obj=run, region=run.region, details={"reason": reason})
    return reason


@transaction.atomic
def receipt_confirm(*, actor: User, result: QuarterResult | AnnualResult) -> None:
    """The cadre confirms they have read their result (R3.8 feedback, R5.12)."""
    if actor.person_id != result.person_id:
        raise ApplicationError(
            _("Only the person assessed confirms receipt."),
            code=ScoringErrorCode.NOT_ASSESSED_PERSON,
        )
    if result.run.state != RunState.PUBLISHED:
        raise ApplicationError(
            _("This result is not published yet."), code=ScoringErrorCode.NOT_PUBLISHED
        )
    if result.receipt_at is None:
        result.receipt_at = timezone.now()
        result.save(update_fields=["receipt_at"])
        home_forget_user(actor.pk)
        my_results_forget(actor.pk)
        audit_record(
            actor=actor, action=AuditAction.SCORING_RECEIPT, obj=result.run, region=actor.region
        )


# ---------------------------------------------------------------- annual


def _in_index_order(results: Mapping[int, engine.AnnualResult]) -> list[engine.AnnualResult]:
    """The year's results in the order of the (run, tier, composite) index: by tier,
    then composite upwards (the rank in the tier downwards: equal ranks are equal
    composites), then person. That index's B-tree is then filled leaf page after leaf
    page; in the order of the person (the unique key) its inserts fell at random and
    cost more than those of the unique key do now (its two integers compare faster
    than a text and a number; measured at 300,000 rows: the COPY about a fifth
    shorter). Sorted in numpy (np.lexsort): two sorts of 300,000 tuples by
    attrgetter keys cost about four times as much."""
    values = list(results.values())
    count = len(values)
    tiers = [r.tier for r in values]
    code_of = {t: i for i, t in enumerate(sorted(set(tiers)))}
    tier = np.fromiter(map(code_of.__getitem__, tiers), dtype=np.int64, count=count)
    rank = np.fromiter(map(_rank_of, values), dtype=np.int64, count=count)
    person = np.fromiter(map(_person_of, values), dtype=np.int64, count=count)
    # Tier, rank, person downwards, each tie kept by person upwards: lexsort's last
    # key first, then the whole reversed.
    order = np.lexsort((-person, rank, tier))[::-1]
    return list(map(values.__getitem__, order.tolist()))


_person_of = operator.attrgetter("person_id")
_rank_of = operator.attrgetter("rank_in_tier")


@transaction.atomic
@_collector_paused()
def annual_compute(
    *,
    actor: User | None,
    region: Region,
    year: int,
    excellent_share: Decimal | None = None,
    approval: str = "",
    progress: ProgressFn = no_progress,
) -> AnnualRun:
    """The annual composite and grades. Above the default 优秀 share (up to the
    maximum) a recorded approval is required (R5.3)."""
    if actor is not None:
        require_region_admin(actor, region.pk)
    # Four quarters published, the democratic evaluation closed, every unit's result in.
    guards.refuse(guards.annual_blockers(region.pk, year))
    p = _policy_stored(region.pk)
    share = excellent_share if excellent_share is not None else p.excellent_share
    if share < 0:
        raise ApplicationError(
            _("The 优秀 share cannot be negative."), code=ScoringErrorCode.SHARE_NEGATIVE
        )
    if share > p.excellent_share_max:
        raise ApplicationError(
            _("优秀 may not exceed %(max)s%% of those assessed.")
            % {"max": int(p.excellent_share_max * 100)},
            code=ScoringErrorCode.SHARE_ABOVE_MAX,
        )
    approval = clean_text(approval)
    if share > p.excellent_share and visible_length(approval) < 4:
        raise ApplicationError(
            _("A share above %(base)s%% needs the approval recorded.")
            % {"base": int(p.excellent_share * 100)},
            code=ScoringErrorCode.SHARE_NEEDS_APPROVAL,
        )
    run = _run_to_compute(
        AnnualRun,
        _("This year is %(state)s; reopen it with a reason to recompute."),
        ScoringErrorCode.YEAR_NOT_DRAFT,
        region=region,
        year=year,
    )
    run.excellent_share, run.share_approval = share, approval.strip()[:300]
    run.save(update_fields=["excellent_share", "share_approval"])
    progress(0, 100, _("Reading the year's inputs"))
    inputs, memberships = annual_inputs(region.pk, year)
    progress(40, 100, _("Scoring and grading"))
    results = engine.annual_grades(inputs, annual_policy(p, share))
    progress(70, 100, _("Writing the results"))
    AnnualResult.objects.filter(run=run).delete()
    AnnualStep.objects.filter(run=run).delete()
    catalog = StepCatalog()
    consequences_text = functools.cache(_dumps)  # a handful of ladders
    run_id = run.pk
    grade_values = {g: g.value for g in engine.AnnualGrade}  # Enum.value is a descriptor call
    in_order = _in_index_order(results)
    store_rows(
        AnnualResult,
        ANNUAL_COLUMNS,
        (
            (
                run_id,
                r.person_id,
                memberships[r.person_id].unit_id,
                max(r.pool_id, 0),
                r.tier,
                r.composite,
                grade_values[r.grade],
                r.priority,
                consequences_text(r.consequences),
                r.tie,
                "[]",  # the steps are in the run's catalog, named by number
                catalog(r.steps),
                r.rank_in_tier,
            )
            for r in in_order
        ),
        progress=tracked(progress, len(results), 70),
    )
    store_rows(AnnualStep, STEP_COLUMNS, catalog.rows(run_id))
    audit_record(
        actor=actor,
        action=AuditAction.SCORING_YEAR_COMPUTE,
        obj=run,
        region=region,
        details={"people": len(results)},
    )
    runs_forget(region.pk)
    return run


@transaction.atomic
def annual_publish(
    *, actor: User, run: AnnualRun, confirmation: str, progress: ProgressFn = no_progress
) -> None:
    """Publish the year from its confirmation page; every cadre concerned is notified
    (after the commit). The receivers of `year_published` (the archive, the lists, the
    consequences: minutes for a province) report their steps to `progress`."""
    require_region_admin(actor, run.region_id)
    guards.require_confirmation(run, confirmation)
    guards.refuse(guards.year_publish_blockers(run))
    _set_state(
        actor,
        run,
        RunState.PUBLISHED,
        {RunState.COMPUTED, RunState.CONFIRMED},
        AuditAction.SCORING_YEAR_PUBLISH,
    )
    from django.urls import reverse

    _notify_published(
        run.results.all(),
        _("The annual results of %(year)s are published; please read and confirm yours.")
        % {"year": run.year},
        reverse("scoring:mine"),
        "year_published",
    )
    signals.year_published.send(sender=AnnualRun, run=run, progress=progress)


@transaction.atomic
def annual_reopen(
    *, actor: User, run: AnnualRun, reason: str, progress: ProgressFn = no_progress
) -> AnnualRun:
    """Keep the published year as superseded and compute it again, with the reason."""
    reason = _supersede(actor, run, reason, AuditAction.SCORING_YEAR_REOPEN)
    new = annual_compute(
        actor=actor,
        region=run.region,
        year=run.year,
        excellent_share=run.excellent_share,
        approval=run.share_approval,
        progress=progress,
    )
    new.reopen_reason = reason
    new.save(update_fields=["reopen_reason"])
    return new


@transaction.atomic
def flag_record(
    *, actor: User, person_id: int, year: int, kind: str, reason: str
) -> PersonYearFlag:
    require_region_admin(actor, actor.region_id or 0)
    if kind not in PersonYearFlag.Kind.values:
        raise ApplicationError(_("Choose a kind from the list."), code=ScoringErrorCode.BAD_CHOICE)
    reason = clean_text(reason)
    if visible_length(reason) < 4:
        raise ApplicationError(
            _("Write the reason; it is shown in the explanation."),
            code=ScoringErrorCode.FLAG_NEEDS_REASON,
        )
    flag = PersonYearFlag.objects.create(
        person_id=person_id, year=year, kind=kind, reason=reason.strip()[:300], actor=actor
    )
    audit_record(
        actor=actor,
        action=AuditAction.SCORING_FLAG,
        obj=flag,
        region=actor.region,
        details={"kind": kind},
    )
    return flag
