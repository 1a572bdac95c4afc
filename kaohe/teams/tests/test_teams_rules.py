"""The pure engine: 60/10/10/10/10 arithmetic, missing components, ranks, and the grades
under the 优秀 quota (its boundary and ties)."""

from __future__ import annotations

from decimal import Decimal as D

from kaohe.teams import rules
from kaohe.teams.rules import StepCode

WEIGHTS = {
    "performance": D(60),
    "democratic": D(10),
    "leader": D(10),
    "public": D(10),
    "party": D(10),
}
POLICY = rules.Policy(weights=WEIGHTS)


def team(unit_id: int, performance: str | None, *others: str | None) -> rules.TeamInput:
    names = rules.COMPONENTS
    raw = (performance, *others) if others else (performance,) * 5
    values = {n: (D(v) if v is not None else None) for n, v in zip(names, raw, strict=True)}
    return rules.TeamInput(unit_id, values, members=3)


def codes(outcome: rules.TeamOutcome) -> list[str]:
    return [s["code"] for s in outcome.steps]


def test_sixty_ten_ten_ten_ten() -> None:
    out = rules.composite(team(1, "85", "90", "80", "70", "100"), POLICY)
    # 85×0.6 + 90×0.1 + 80×0.1 + 70×0.1 + 100×0.1 = 51 + 9 + 8 + 7 + 10 = 85
    assert out.composite == D("85.00")
    parts = [s["params"] for s in out.steps if s["code"] == StepCode.COMPONENT]
    assert [p["points"] for p in parts] == ["51.00", "9.00", "8.00", "7.00", "10.00"]
    assert [p["weight"] for p in parts] == ["60", "10", "10", "10", "10"]


def test_cents_round_half_up() -> None:
    out = rules.composite(team(1, "88.33", "77.77", "66.66", "99.99", "55.55"), POLICY)
    exact = D("88.33") * D("0.6") + (D("77.77") + D("66.66") + D("99.99") + D("55.55")) / 10
    assert out.composite == exact.quantize(D("0.01"))


def test_other_weights() -> None:
    policy = rules.Policy(weights={**WEIGHTS, "performance": D(50), "party": D(20)})
    assert rules.composite(team(1, "80", "100", "100", "100", "50"), policy).composite == D("80.00")


def test_missing_components_no_score_rank_or_grade() -> None:
    outcomes = rules.grade_year([team(1, None, "90", None, "90", "90"), team(2, "90")], POLICY)
    gap = outcomes[1]
    assert gap.composite is None and gap.rank is None and gap.grade == ""
    assert gap.missing == ["performance", "leader"]
    assert codes(gap).count(StepCode.MISSING) == 2 and StepCode.NOT_SCORED in codes(gap)
    # The incomplete team neither takes a rank nor counts in the quota's base.
    assert outcomes[2].rank == 1
    quota = next(s for s in outcomes[2].steps if s["code"] == StepCode.QUOTA)
    assert quota["params"]["count"] == "1"


def test_bands() -> None:
    outcomes = rules.grade_year(
        [team(1, "95"), team(2, "85"), team(3, "65"), team(4, "59.99")],
        rules.Policy(weights=WEIGHTS, excellent_share=D(25)),
    )
    assert [outcomes[i].grade for i in (1, 2, 3, 4)] == ["excellent", "good", "fair", "poor"]
    assert [outcomes[i].rank for i in (1, 2, 3, 4)] == [1, 2, 3, 4]


def test_quota_caps_excellent_by_score() -> None:
    # 10 teams, 20%: two may be 优秀; five reach the band (98 … 90).
    teams = [team(i, str(100 - 2 * i)) for i in range(1, 11)]
    outcomes = rules.grade_year(teams, POLICY)
    assert [outcomes[i].grade for i in (1, 2, 3, 4)] == ["excellent", "excellent", "good", "good"]
    assert StepCode.QUOTA_PUSHED in codes(outcomes[3])
    assert outcomes[6].grade == "good" and StepCode.QUOTA not in codes(outcomes[6])


def test_quota_boundary_rounds_down() -> None:
    # 9 teams × 20% = 1.8 → one 优秀; 4 teams → none at all.
    nine = rules.grade_year(
        [team(i, "95") if i < 3 else team(i, "70") for i in range(1, 10)], POLICY
    )
    assert sum(o.grade == "excellent" for o in nine.values()) == 0  # the two at 95 tie
    assert rules.quota(9, D(20)) == 1 and rules.quota(10, D(20)) == 2 and rules.quota(4, D(20)) == 0
    four = rules.grade_year([team(i, str(90 + i)) for i in range(1, 5)], POLICY)
    assert all(o.grade == "good" for o in four.values())


def test_tie_at_the_quota_line_stays_below_and_is_flagged() -> None:
    # 10 teams, two places: 96, then 94 and 94 tie for the second.
    teams = [team(1, "96"), team(2, "94"), team(3, "94")] + [team(i, "70") for i in range(4, 11)]
    outcomes = rules.grade_year(teams, POLICY)
    assert outcomes[1].grade == "excellent"
    assert outcomes[2].grade == outcomes[3].grade == "good"
    assert outcomes[2].quota_tie and outcomes[3].quota_tie and not outcomes[1].quota_tie
    assert outcomes[2].rank == outcomes[3].rank == 2 and outcomes[4].rank == 4
    assert StepCode.TIE in codes(outcomes[2])


def test_tie_inside_the_quota_is_no_tie() -> None:
    teams = [team(1, "96"), team(2, "96")] + [team(i, "70") for i in range(3, 11)]
    outcomes = rules.grade_year(teams, POLICY)
    assert outcomes[1].grade == outcomes[2].grade == "excellent"
    assert not outcomes[1].quota_tie
