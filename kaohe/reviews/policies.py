"""Who rates whom in a round, in which group and with what weight: the rater plans,
the leadership role's group and a rater's ballot sheet. Read by the ballot pages
(selectors) and by the services that check a submitted ballot against the same sheet:
a module below both, so selectors never import services. Nothing here writes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kaohe.org.models import LeadershipRole, Membership, Person, Unit
from kaohe.reviews.models import ExtraRater, RaterGroup, RaterPlan, ReviewRound, RoundUnit
from kaohe.reviews.tally import high_score_limit

ROLE_GROUP = {
    LeadershipRole.MAIN: RaterGroup.LEADER,
    LeadershipRole.TEAM: RaterGroup.TEAM,
    LeadershipRole.STAFF: RaterGroup.OTHERS,
}


def plan_for(region_id: int, unit_type: str) -> RaterPlan:
    """The region's rater plan for a unit type: the groups' weights. The model's
    defaults, unsaved, when the region has no row for the type yet (opening a round
    creates it: `services.weights_fix`)."""
    return RaterPlan.objects.filter(region_id=region_id, unit_type=unit_type).first() or (
        RaterPlan(region_id=region_id, unit_type=unit_type)
    )


def _scope_members(round_: ReviewRound, unit_ids: list[int]) -> list[Membership]:
    return list(
        Membership.objects.filter(unit_id__in=unit_ids)
        .on(round_.period_end)
        .in_scope()
        .select_related("person")
    )


@dataclass(frozen=True)
class BallotSheet:
    """What one rater rates in one unit of a round."""

    round: ReviewRound
    unit: Unit
    group: RaterGroup
    targets: list[Person]
    high_limit: int  # per dimension
    dimensions: list[str]  # [OVERALL], or 德能勤绩廉 in the annual democratic evaluation

    @staticmethod
    def key(person_id: int, dimension: str) -> str:
        """The name of one score on the ballot: "12", or "12:de" for a dimension."""
        return f"{person_id}:{dimension}" if dimension else str(person_id)

    def entries(self) -> list[tuple[Person, str, str]]:
        """Every score the ballot asks for: (person, dimension, key)."""
        return [(p, d, self.key(p.pk, d)) for p in self.targets for d in self.dimensions]


def rater_group(
    own_role: str | None, round_unit: RoundUnit, is_extra: Callable[[], bool]
) -> RaterGroup | None:
    """The group a rater rates a unit in: their leadership role's when they are one of
    its members in scope at the period's end (`own_role`), "others" when they are one
    of its approved outside raters (`is_extra`, asked only then), else None."""
    if own_role is not None:
        return ROLE_GROUP[LeadershipRole(own_role)]
    if round_unit.proposal == RoundUnit.Proposal.APPROVED and is_extra():
        return RaterGroup.OTHERS
    return None


def ballot_sheet(*, rater: Person, round_unit: RoundUnit) -> BallotSheet | None:
    """The rater's ballot for a unit, or None when they do not rate it."""
    round_ = round_unit.round
    members = _scope_members(round_, [round_unit.unit_id])
    own = next((m for m in members if m.person_id == rater.pk), None)
    group = rater_group(
        own.leadership_role if own is not None else None,
        round_unit,
        lambda: ExtraRater.objects.filter(round_unit=round_unit, person=rater).exists(),
    )
    if group is None:
        return None
    targets = sorted(
        (m.person for m in members if m.person_id != rater.pk), key=lambda p: p.staff_no
    )
    return BallotSheet(
        round=round_,
        unit=round_unit.unit,
        group=group,
        targets=targets,
        high_limit=high_score_limit(len(targets), round_.high_share),
        dimensions=round_.dimensions,
    )
