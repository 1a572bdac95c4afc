"""Writes of the teams' year, by the region's assessment office only: the entry grid
(all rows or none), the computation (every team at once) and publishing; each one
audited transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.access import require_region_admin
from kaohe.accounts.models import User
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ApplicationError
from kaohe.core.text import bounded_text, visible_length
from kaohe.notices.services import notify
from kaohe.org.models import Region, Unit
from kaohe.teams import rules, selectors
from kaohe.teams.errors import TeamErrorCode
from kaohe.teams.models import TeamEntry, TeamYear, TeamYearResult
from kaohe.teams.policies import policy_for, rules_policy
from kaohe.teams.selectors import FIRST_YEAR, LAST_YEAR, teams_on, year_inputs

SCORES = ("democratic", "leader", "public", "party")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class EntryInput:
    """One row of the grid as typed: the version it showed, each score (None: blank)."""

    unit_id: int
    shown_version: int
    democratic: Decimal | None
    leader: Decimal | None
    public: Decimal | None
    party: Decimal | None
    evidence: str


def _year_open(region_id: int, year: int) -> TeamYear | None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ApplicationError(_("Choose a year from 2000 to 2099."), code=TeamErrorCode.BAD_YEAR)
    team_year = TeamYear.objects.select_for_update().filter(region_id=region_id, year=year).first()
    if team_year is not None and team_year.state == TeamYear.State.PUBLISHED:
        raise ApplicationError(
            _("The teams' year %(year)s is published: its results are final.") % {"year": year},
            code=TeamErrorCode.PUBLISHED,
        )
    return team_year


@transaction.atomic
def team_entries_save(*, actor: User, region_id: int, year: int, rows: Sequence[EntryInput]) -> int:
    """Save the grid: every row or none. A row whose shown version is not the stored one
    was changed by someone else since the page was opened: the whole save is refused.
    A row with any score needs its evidence. Returns how many rows changed."""
    require_region_admin(actor, region_id)
    team_year = _year_open(region_id, year)
    teams = teams_on(region_id, year)
    units = {u.pk: u for u in Unit.objects.filter(region_id=region_id, pk__in=list(teams))}
    stored = {
        e.unit_id: e
        for e in TeamEntry.objects.select_for_update().filter(region_id=region_id, year=year)
    }
    problems: list[str] = []
    stale: list[str] = []
    changed: list[tuple[EntryInput, str]] = []
    for row in rows:
        unit = units.get(row.unit_id)
        if unit is None:
            raise ApplicationError(
                _("A row names a unit without a leadership team this year."),
                code=TeamErrorCode.UNKNOWN_UNIT,
            )
        entry = stored.get(row.unit_id)
        if (entry.version if entry else 0) != row.shown_version:
            stale.append(unit.name)
            continue
        evidence = bounded_text(
            row.evidence, 300, field=_("Evidence or note"), code=TeamErrorCode.BAD_ENTRY
        )
        values = [getattr(row, name) for name in SCORES]
        for value in values:
            if value is not None and not (
                value.is_finite()
                and Decimal(0) <= value <= Decimal(100)
                and value == value.quantize(CENT)
            ):
                problems.append(
                    _("%(unit)s: every score is from 0 to 100, with at most two decimals.")
                    % {"unit": unit.name}
                )
                break
        if any(v is not None for v in values) and visible_length(evidence) < 2:
            problems.append(
                _("%(unit)s: give the evidence or a note for the scores entered.")
                % {"unit": unit.name}
            )
        if entry is None:
            if any(v is not None for v in values) or evidence:
                changed.append((row, evidence))
        elif [getattr(entry, n) for n in SCORES] != values or entry.evidence != evidence:
            changed.append((row, evidence))
    if stale:
        raise ApplicationError(
            _("Someone saved these teams' figures after you opened the page: open it again."),
            code=TeamErrorCode.STALE_ENTRY,
            problems=stale,
        )
    if problems:
        raise ApplicationError(
            _("Nothing was saved: correct these rows."),
            code=TeamErrorCode.BAD_ENTRY,
            problems=problems,
        )
    creates, updates = [], []
    for row, evidence in changed:
        entry = stored.get(row.unit_id)
        if entry is None:
            entry = TeamEntry(region_id=region_id, unit_id=row.unit_id, year=year, version=0)
            creates.append(entry)
        else:
            updates.append(entry)
        for name in SCORES:
            setattr(entry, name, getattr(row, name))
        entry.evidence = evidence
        entry.version += 1
        entry.updated_by = actor
        entry.updated_at = timezone.now()
    TeamEntry.objects.bulk_create(creates)
    TeamEntry.objects.bulk_update(
        updates, [*SCORES, "evidence", "version", "updated_by", "updated_at"]
    )
    if changed and team_year is not None and not team_year.entries_changed:
        team_year.entries_changed = True
        team_year.save(update_fields=["entries_changed"])
    if changed:
        audit_record(
            actor=actor,
            action=AuditAction.TEAMS_ENTRIES_SAVE,
            region=Region.objects.get(pk=region_id),
            details={"year": year, "count": len(changed)},
        )
    return len(changed)


@transaction.atomic
def team_year_compute(*, actor: User | None, region_id: int, year: int) -> TeamYear:
    """Compute every team of the year anew (the year's earlier results replaced)."""
    if actor is not None:
        require_region_admin(actor, region_id)
    team_year = _year_open(region_id, year)
    policy = policy_for(region_id)
    problems = policy.problems()
    if problems:
        raise ApplicationError(
            _("The region's rules for leadership teams cannot be used: correct them first."),
            code=TeamErrorCode.BAD_POLICY,
            problems=problems,
        )
    gathered = year_inputs(region_id, year)
    if not gathered.inputs:
        raise ApplicationError(
            _("No unit has a leadership team on the year's last day."),
            code=TeamErrorCode.NO_TEAMS,
        )
    outcomes = rules.grade_year(gathered.inputs, rules_policy(policy))
    TeamYearResult.objects.filter(region_id=region_id, year=year).delete()
    TeamYearResult.objects.bulk_create(
        TeamYearResult(
            region_id=region_id,
            unit_id=team.unit_id,
            year=year,
            members=gathered.teams[team.unit_id],
            performance=team.values.get("performance"),
            democratic=team.values.get("democratic"),
            leader=team.values.get("leader"),
            public=team.values.get("public"),
            party=team.values.get("party"),
            missing=outcomes[team.unit_id].missing,
            composite=outcomes[team.unit_id].composite,
            rank=outcomes[team.unit_id].rank,
            grade=outcomes[team.unit_id].grade,
            quota_tie=outcomes[team.unit_id].quota_tie,
            explanation=outcomes[team.unit_id].steps,
        )
        for team in gathered.inputs
    )
    now = timezone.now()
    if team_year is None:
        team_year = TeamYear.objects.create(region_id=region_id, year=year, computed_at=now)
    else:
        team_year.computed_at, team_year.entries_changed = now, False
        team_year.save(update_fields=["computed_at", "entries_changed"])
    incomplete = sum(1 for o in outcomes.values() if o.missing)
    audit_record(
        actor=actor,
        action=AuditAction.TEAMS_YEAR_COMPUTE,
        obj=team_year,
        region=Region.objects.get(pk=region_id),
        details={"year": year, "count": len(outcomes), "incomplete": incomplete},
        state=team_year.state,
    )
    return team_year


_COMPONENTS = ("performance", "democratic", "leader", "public", "party")


@transaction.atomic
def team_year_publish(*, actor: User | None, region_id: int, year: int) -> TeamYear:
    """Publish the computed year: the units' leaders then see their team's result.
    Refused while entries changed since the computation or a team lacks a component."""
    if actor is not None:
        require_region_admin(actor, region_id)
    team_year = _year_open(region_id, year)
    if team_year is None:
        raise ApplicationError(
            _("Compute the teams' year before publishing it."), code=TeamErrorCode.NOT_COMPUTED
        )
    if team_year.entries_changed:
        raise ApplicationError(
            _("Figures were entered after the year was computed: compute it again first."),
            code=TeamErrorCode.ENTRIES_CHANGED,
        )
    # The units' year, the annual round and the teams themselves live elsewhere and may
    # have changed since the computation (an override, a recompute, a reopened round):
    # what would be published is compared with what the inputs give now.
    stored = {
        r[0]: r[1:]
        for r in TeamYearResult.objects.filter(region_id=region_id, year=year).values_list(
            "unit_id", "performance", "democratic", "leader", "public", "party"
        )
    }
    now_inputs = {
        team.unit_id: tuple(team.values.get(c) for c in _COMPONENTS)
        for team in year_inputs(region_id, year).inputs
    }
    if stored != now_inputs:
        raise ApplicationError(
            _(
                "The units' year results, the annual democratic round or the teams changed "
                "after the year was computed: compute it again first."
            ),
            code=TeamErrorCode.INPUTS_CHANGED,
        )
    incomplete = list(
        TeamYearResult.objects.filter(region_id=region_id, year=year, composite__isnull=True)
        .order_by("unit__path")
        .values_list("unit__name", flat=True)
    )
    if incomplete:
        raise ApplicationError(
            _("These teams miss components: enter them and compute again before publishing."),
            code=TeamErrorCode.INCOMPLETE,
            problems=incomplete,
        )
    team_year.state = TeamYear.State.PUBLISHED
    team_year.published_at = timezone.now()
    team_year.published_by = actor if actor is not None and actor.pk else None
    team_year.save(update_fields=["state", "published_at", "published_by"])
    # Every member of a team learns that the year is out (a subquery, one notify).
    members = selectors.team_members(region_id, year)
    notify(
        users=User.objects.filter(region_id=region_id, person_id__in=members),
        text=_("The leadership teams' results of %(year)s are published.") % {"year": year},
        url=f"{reverse('teams:year')}?year={year}",
        kind="teams_published",
    )
    audit_record(
        actor=actor,
        action=AuditAction.TEAMS_YEAR_PUBLISH,
        obj=team_year,
        region=Region.objects.get(pk=region_id),
        details={"year": year},
        state=team_year.state,
    )
    return team_year
