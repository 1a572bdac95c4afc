"""无痕化打分 (R3.4) against a determined administrator: the attacks of issue 12, replayed.

Each test does what an attacker did and asserts that it now recovers nothing:
  1. a sole rater's scores read off the results;
  2. late ballots recovered by differencing the results across a reopen;
  3. small groups' ballots read off what a closed round keeps;
  4. void ballots told apart, by the void counts or by whose count lacks a ballot;
  5. the database read during voting: SQLite rowids and PostgreSQL transaction ids
     that grouped a ballot's rows and tied them to its participation row, plain
     tallies and drafts;
and those a red-team review found after the first fix: rater weights changed during
voting or set so that one group is the score, a group of weight 0 taken as the
second hidden group, and a trimmed mean of k scores that is one ballot.
They run on SQLite and PostgreSQL alike (CI runs the suite on both). The all-or-
nothing close (attack 6) is in test_close_is_all_or_nothing.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, models
from django.test import Client, override_settings
from django.urls import reverse

from kaohe.accounts.models import User
from kaohe.core.models import AuditEvent
from kaohe.org import services as org_services
from kaohe.org.models import LeadershipRole, MembershipStatus, Person, Unit, UnitType
from kaohe.reviews import policies, seal, selectors, services
from kaohe.reviews.errors import ReviewErrorCode
from kaohe.reviews.models import (
    BallotBox,
    DraftBallot,
    Participation,
    ReviewRound,
    RoundResult,
    RoundUnit,
)
from kaohe.reviews.tests.fixtures import bureau_unit
from kaohe.testing import World, refused

pytestmark = pytest.mark.django_db
STAFF = ["B00", "B01", "B02", "B03", "B04", "B05", "B06"]


def sheet_of(world: World, key: str, ru: RoundUnit) -> policies.BallotSheet:
    sheet = policies.ballot_sheet(rater=world.users[key].person, round_unit=ru)  # type: ignore[arg-type]
    assert sheet is not None
    return sheet


def cast(world: World, key: str, ru: RoundUnit, seed: int) -> dict[int, int]:
    """A valid ballot of distinctive values (no two raters alike); returns them."""
    sheet = sheet_of(world, key, ru)
    values = {p.pk: 52 + (seed * 7 + j * 5) % 37 for j, p in enumerate(sheet.targets)}
    services.ballot_submit(
        actor=world.users[key], round_unit=ru, values={str(k): v for k, v in values.items()}
    )
    return values


def close(world: World, round_: ReviewRound) -> None:
    services.round_close(actor=world.users["region_admin"], round_=round_)


def figures_of(result: RoundResult) -> list[Any]:
    """Every number a closed round keeps for a target, JSON opened up."""
    out: list[Any] = [result.score]
    for group in ("leader", "team", "others"):
        out += [getattr(result, f"{group}_{stat}") for stat in ("count", "mean", "weight")]
    stack: list[Any] = [result.dimensions]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif item is not None:
            out.append(item)
    return out


@pytest.fixture
def team_of_two(big: World) -> World:
    """B06 joins the bureau's leadership team beside team_member: a group of two."""
    org_services.membership_change(
        actor=None,
        person=big.people["b6"],
        unit=big.bureau,
        rank_level=big.rank("一级科员"),
        personnel_category=big.category(),
        leadership_role=LeadershipRole.TEAM,
        status=MembershipStatus.ON_DUTY,
        valid_from=dt.date(2026, 2, 1),
    )
    return big


# --- 1. a sole rater -----------------------------------------------------------------


def test_a_sole_raters_scores_cannot_be_read_off_the_results(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    ru = bureau_unit(q1, big)
    given = cast(big, "unit_head", ru, seed=1)  # only the main leader votes
    close(big, q1)
    results = list(RoundResult.objects.filter(round=q1, unit=big.bureau))
    assert results  # every target covered by the ballot has a result row …
    recovered = [r for r in results if r.score is not None and int(r.score) == given[r.target_id]]
    assert recovered == []  # … and none gives the leader's score away (was 10 of 10)
    for r in results:
        assert all(v is None for v in figures_of(r)), r.target_id
    html = client_as("region_admin").get(reverse("reviews:results", args=[q1.pk, big.bureau.pk]))
    text = html.content.decode()
    for value in given.values():
        assert f"<td>{value}.00</td>" not in text and f">{value}.00 " not in text
    assert "少于 3 票" in text
    # The quarter uses no rating for them and says why.
    shown = selectors.results(big.users["region_admin"], q1, ru)
    assert all(s.score is None for s in shown)


# --- 2. reopen differencing ---------------------------------------------------------


def test_late_ballots_cannot_be_recovered_by_differencing_across_a_reopen(
    big: World, q1: ReviewRound
) -> None:
    ru = bureau_unit(q1, big)
    for i, key in enumerate(STAFF[:6]):
        cast(big, key, ru, seed=i)
    close(big, q1)
    before = {r.target_id: r for r in RoundResult.objects.filter(round=q1)}
    assert any(r.others_count for r in before.values())  # figures were shown
    services.round_reopen(actor=big.users["region_admin"], round_=q1, reason="补投一张选票")
    late = cast(big, "B06", ru, seed=99)
    close(big, q1)
    after = {r.target_id: r for r in RoundResult.objects.filter(round=q1)}

    # The attack: late ballot = new sum − old sum, where sums are kept, else new mean ×
    # new count − old mean × old count.
    def total(r: RoundResult) -> float | None:
        kept = getattr(r, "others_total", None)
        if kept is not None:
            return float(kept)
        if r.others_mean is None or r.others_count is None:
            return None
        return r.others_mean * r.others_count / 100

    inferred = 0
    for target, value in late.items():
        old, new = before.get(target), after.get(target)
        if old is None or new is None:
            continue
        old_total, new_total = total(old), total(new)
        if old_total is not None and new_total is not None:
            inferred += round(new_total - old_total) == value
    assert inferred == 0  # was 11 of 11
    # A reopen collects again: the late ballot alone is below k, so nothing rests on it.
    assert all(r.score is None and r.others_mean is None for r in after.values())


# --- 3. small groups in what a closed round keeps ---------------------------------------


def test_no_group_below_k_is_kept_after_close(team_of_two: World, q1: ReviewRound) -> None:
    big = team_of_two
    ru = bureau_unit(q1, big)
    given = {"unit_head": cast(big, "unit_head", ru, seed=2)}  # a group of one
    given["team_member"] = cast(big, "team_member", ru, seed=3)  # a group of two
    given["B06"] = cast(big, "B06", ru, seed=4)
    for i, key in enumerate(STAFF[:5]):
        given[key] = cast(big, key, ru, seed=10 + i)
    close(big, q1)
    small = {"unit_head", "team_member", "B06"}
    for r in RoundResult.objects.filter(round=q1):
        assert r.leader_count is None and r.leader_mean is None and r.leader_weight is None
        assert r.team_count is None and r.team_mean is None and r.team_weight is None
        kept = {int(v * 100) if isinstance(v, Decimal) else v for v in figures_of(r)}
        for key in small:
            value = given[key].get(r.target_id)
            # Neither the leader's score nor a team member's (as the lowest or highest of
            # two) is kept: was 15 of 15 for the leader.
            assert value is None or value * 100 not in kept, (key, r.target_id)
    # What is kept holds the others' figures, which rest on five ballots.
    staff = RoundResult.objects.get(round=q1, target=big.people["b8"])
    assert staff.others_count == 5 and staff.score is not None


# --- 4. void ballots ------------------------------------------------------------------


def test_a_ballot_that_tells_nobody_apart_is_refused_so_no_void_voter_can_be_found(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    """The attacks: "无效票：领导主评 1" told what the leader did; and among ten voters the
    one whose own count held every valid ballot (nobody rates themselves) had voided."""
    ru = bureau_unit(q1, big)
    flat = {str(p.pk): 85 for p in sheet_of(big, "B07", ru).targets}
    with refused(ReviewErrorCode.BALLOT_UNIFORM):
        services.ballot_submit(actor=big.users["B07"], round_unit=ru, values=flat)
    flat = {str(p.pk): 85 for p in sheet_of(big, "unit_head", ru).targets}
    with refused(ReviewErrorCode.BALLOT_UNIFORM):
        services.ballot_submit(actor=big.users["unit_head"], round_unit=ru, values=flat)
    for i, key in enumerate(STAFF):
        cast(big, key, ru, seed=20 + i)
    close(big, q1)
    voters = set(Participation.objects.filter(round=q1).values_list("rater_id", flat=True))
    valid_others = len(voters)  # every participation is a counted ballot
    suspects = [
        r.target_id
        for r in RoundResult.objects.filter(round=q1, target_id__in=voters)
        if r.others_count == valid_others
    ]
    assert suspects == []
    text = (
        client_as("region_admin")
        .get(reverse("reviews:results", args=[q1.pk, big.bureau.pk]))
        .content.decode()
    )
    assert "所有人同分" not in text and "领导主评 1" not in text


# --- red team: weights ---------------------------------------------------------------


def _leader_recovered(big: World, q1: ReviewRound, leader: dict[int, int]) -> int:
    """The attack: (score − w_others × others mean) / w_leader, from what is kept."""
    hits = 0
    for r in RoundResult.objects.filter(round=q1):
        if r.score is None or r.target_id not in leader:
            continue
        weights = {g: Decimal(w) for g, w in r.weights.items()}
        if set(weights) != {"leader", "others"} or r.others_mean is None:
            continue
        guess = (r.score - weights["others"] * Decimal(r.others_mean) / 100) / weights["leader"]
        hits += round(guess) == leader[r.target_id]
    return hits


def test_weights_changed_during_voting_do_not_apply(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    """The attack: set the rater plan to 100:0:0 while voting runs, then close: every
    score was the leader's (11 of 11)."""
    ru = bureau_unit(q1, big)
    leader = cast(big, "unit_head", ru, seed=5)
    for i, key in enumerate(STAFF):
        cast(big, key, ru, seed=30 + i)
    plan = policies.plan_for(big.region.pk, big.bureau.unit_type)
    url = f"/admin/reviews/raterplan/{plan.pk}/change/"
    admin = client_as("region_admin")
    form = {"unit_type": plan.unit_type, "team_weight": "0", "others_weight": "0"}
    response = admin.post(url, {**form, "leader_weight": "100"})
    assert response.status_code == 200 and "10 到 60" in response.content.decode()
    # A sound plan can be saved, but the open round keeps the weights it opened with.
    assert (
        admin.post(url, {**form, "leader_weight": "60", "others_weight": "40"}).status_code == 302
    )
    # Nor does moving the unit to a type whose plan weighs the leader more (the second
    # review's route round the fixed weights).
    town = policies.plan_for(big.region.pk, UnitType.TOWN)
    town.leader_weight, town.team_weight, town.others_weight = 60, 0, 40
    town.save()
    Unit.objects.filter(pk=big.bureau.pk).update(unit_type=UnitType.TOWN)
    close(big, q1)
    scored = RoundResult.objects.filter(round=q1, score__isnull=False)
    assert scored.exists()
    fixed = RoundUnit.objects.filter(round=q1).values_list(
        "leader_weight", "team_weight", "others_weight"
    )
    assert set(fixed) == {(40, 30, 30)}  # fixed at opening
    for r in scored:  # 30 of 70 or of 60, or the only group: never 10 of 100
        assert r.others_weight in (None, 4286, 5000, 10000), r.weights
    assert _leader_recovered(big, q1, leader) == 0


@pytest.fixture
def without_team(big: World) -> World:
    """A plan that weighs the leader 40 and the others 60, the team not at all."""
    plan = policies.plan_for(big.region.pk, big.bureau.unit_type)
    plan.leader_weight, plan.team_weight, plan.others_weight = 40, 0, 60
    plan.save()
    return big


def test_a_group_of_weight_0_is_not_the_second_group_hidden(
    without_team: World, q1: ReviewRound
) -> None:
    """The attack: with 40:0:60 the rule hid the team (weight 0) as the second group, so
    (score − 0.6 × others' mean) / 0.4 gave the leader's ballot (10 of 11)."""
    big = without_team
    ru = bureau_unit(q1, big)
    leader = cast(big, "unit_head", ru, seed=6)
    cast(big, "team_member", ru, seed=7)
    for i, key in enumerate(STAFF):
        cast(big, key, ru, seed=40 + i)
    close(big, q1)
    assert _leader_recovered(big, q1, leader) == 0
    staff = RoundResult.objects.get(round=q1, target=big.people["b8"])
    assert staff.score is not None and staff.others_mean is None  # hidden with the leader


def test_a_lone_group_that_counts_withholds_the_score(big: World, q1: ReviewRound) -> None:
    """Leader 1 and team 1 voted, nobody else: both counting groups are below k, the total
    is below k: no score. With the others' ballots, the score rests on all of them."""
    ru = bureau_unit(q1, big)
    cast(big, "unit_head", ru, seed=8)
    cast(big, "team_member", ru, seed=9)
    close(big, q1)
    assert not RoundResult.objects.filter(round=q1, score__isnull=False).exists()


# --- red team: a trimmed mean of k scores ------------------------------------------------


def test_trimming_never_leaves_fewer_than_k_scores(draft_round: ReviewRound) -> None:
    """The attack: trim_above 0 made a group of 3 show its middle score (4 targets)."""
    draft_round.trim_above = 0
    with refused(ReviewErrorCode.RULES_INVALID):
        services.round_rules_check(draft_round)
    draft_round.trim_above = draft_round.min_shown
    with refused(ReviewErrorCode.RULES_INVALID):
        services.round_rules_check(draft_round)


@pytest.fixture
def draft_round(world: World) -> ReviewRound:
    return services.round_create(
        actor=world.users["region_admin"],
        region=world.region,
        year=2026,
        number=2,
        starts_on=dt.date(2026, 7, 1),
        ends_on=dt.date(2026, 7, 10),
    )


# --- 5. the database read during voting --------------------------------------------------

# Tables that hold anything of a ballot while voting runs: the boxes, and the drafts.
BALLOT_TABLES = {BallotBox, DraftBallot}


def _rows(model: type[models.Model], extra: str) -> list[dict[str, Any]]:
    """Every row of a table as the database has it, with `extra` (rowid, xmin …)."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {extra} AS physical, * FROM {table}")  # noqa: S608
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _assert_all_sealed(round_: ReviewRound) -> None:
    """Nothing of a ballot is in the clear while voting runs: every box and draft is
    sealed, and no other table has a column for a score."""
    for model in BALLOT_TABLES:
        assert {f.name for f in model._meta.concrete_fields} & {
            "value",
            "values",
            "count",
            "total",
            "valid",
            "void",
        } == set(), model
        for row in _rows(model, "1"):
            assert row["sealed"] is not None and len(bytes(row["sealed"])) > 12


def test_no_table_keeps_a_ballot_apart_during_voting(team_of_two: World, q1: ReviewRound) -> None:
    """A reader of the whole database between any two ballots (and of the earlier row
    versions its files keep) finds only sealed boxes and drafts, whatever the group's
    size."""
    big = team_of_two
    ru = bureau_unit(q1, big)
    given: dict[str, dict[int, int]] = {}
    draft = {str(p.pk): 70 + i % 9 for i, p in enumerate(sheet_of(big, "B05", ru).targets)}
    services.ballot_save_draft(actor=big.users["B05"], round_unit=ru, values=draft)
    for i, key in enumerate(["unit_head", "team_member", "B06", *STAFF[:5]]):
        given[key] = cast(big, key, ru, seed=40 + i)
        _assert_all_sealed(q1)
    assert DraftBallot.objects.count() == 1  # B05's, sealed; the rater reads it back
    assert selectors.my_draft(big.users["B05"], ru) == draft
    # No other table of the app has a column that could hold a score during voting.
    for model in apps.get_models():
        if model in BALLOT_TABLES or model._meta.app_label != "reviews":
            continue
        for field in model._meta.concrete_fields:
            assert field.name not in {"value", "values", "sealed"} or model is RoundResult, (
                model,
                field.name,
            )
    assert {f.name for f in Participation._meta.concrete_fields} == {
        "id",
        "round",
        "unit",
        "rater",
        "submitted_on",  # a day, not a time
    }
    for event in AuditEvent.objects.filter(action="reviews.ballot.submit"):
        assert event.details == {"unit": big.bureau.pk}
    # A sealed box holds nothing readable, and cannot be opened without the key.
    leader = BallotBox.objects.get(round=q1, rater_group="leader")
    raw = bytes(leader.sealed)
    assert b"\x00" * 4 not in raw[12:]  # no plain fixed-width integers left in the clear
    seal._key.cache_clear()
    try:
        with override_settings(BALLOT_KEY=b"k" * 32), refused(ReviewErrorCode.BALLOT_KEY_CHANGED):
            seal.unseal(raw, round_id=q1.pk, unit_id=big.bureau.pk, group="leader")
    finally:
        seal._key.cache_clear()
    opened = seal.unseal(raw, round_id=q1.pk, unit_id=big.bureau.pk, group="leader")
    assert {t: e.total for (t, _a), e in opened.entries.items()} == given["unit_head"]


def _single(row: dict[str, Any]) -> int | None:
    """The one ballot value a row holds in the clear, if it holds one."""
    if "value" in row:
        return int(row["value"])
    if row.get("count") == 1:
        return int(row["total"])
    return None


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite rowids")
def test_sqlite_rowids_do_not_name_a_rater(team_of_two: World, q1: ReviewRound) -> None:
    """The attack: a ballot's rows had consecutive rowids and lacked the rater's own
    row (nobody rates themselves), so the missing target named the rater (12 of 13)."""
    big = team_of_two
    ru = bureau_unit(q1, big)
    roster = {p.pk for p in sheet_of(big, "B00", ru).targets} | {big.people["b0"].pk}
    given: dict[int, dict[int, int]] = {}
    for i, key in enumerate(["unit_head", "team_member", "B06", *STAFF[:6]]):
        given[big.users[key].person_id] = cast(big, key, ru, seed=50 + i)  # type: ignore[index]
        _assert_all_sealed(q1)
    tied = 0
    for model in BALLOT_TABLES:
        rows = sorted(_rows(model, "rowid"), key=lambda r: r["physical"])
        # Windows of one ballot's size in rowid order, each missing one target: the rater.
        size = len(roster) - 1
        for start in range(len(rows) - size + 1):
            window = rows[start : start + size]
            missing = roster - {r.get("target_id") for r in window}
            if len(missing) != 1:
                continue
            ballot = given.get(missing.pop())
            if ballot and all(_single(r) == ballot.get(r.get("target_id", 0)) for r in window):
                tied += 1
    assert tied == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL transaction ids")
@pytest.mark.django_db(transaction=True)
def test_postgresql_transaction_ids_do_not_tie_a_ballot_to_its_rater(
    team_of_two: World, q1: ReviewRound
) -> None:
    """The attack: `JOIN … ON s.xmin = p.xmin` tied the score rows to the participation
    row written in the same transaction (4 of 4)."""
    big = team_of_two
    ru = bureau_unit(q1, big)
    given: dict[int, dict[int, int]] = {}
    tied = 0
    for i, key in enumerate(["unit_head", "team_member", "B06", *STAFF[:6]]):
        given[big.users[key].person_id] = cast(big, key, ru, seed=60 + i)  # type: ignore[index]
        _assert_all_sealed(q1)
        participation = {r["physical"]: r["rater_id"] for r in _rows(Participation, "xmin::text")}
        for model in BALLOT_TABLES:
            for row in _rows(model, "xmin::text"):
                rater = participation.get(row["physical"])
                if rater is None:
                    continue
                value = _single(row)
                tied += value is not None and value == given[rater].get(row.get("target_id", 0))
    assert tied == 0


# --- after close: no row ties a rater to a value; pages show none ------------------------


def _names_a_row(key: object) -> bool:
    return key in ID_KEYS or (isinstance(key, str) and key.endswith("_id"))


ID_KEYS = frozenset({"unit", "round", "person", "target", "comment", "run", "job", "version"})


def _plain_values(obj: models.Model) -> list[Any]:
    """A row's non-key values, with JSON opened up, as ints where they are numbers."""
    out: list[Any] = []
    for field in obj._meta.concrete_fields:
        if field.primary_key or field.is_relation:
            continue
        stack = [getattr(obj, field.attname)]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                stack.extend(item.keys())
                # A value under a key that names another row ("unit": 73 in a ballot's
                # audit row) is that row's id, not a figure: ids run on with the
                # database's sequences, so one equal to a cast score is chance (it was,
                # on PostgreSQL), while a score under any other key still counts.
                stack.extend(v for k, v in item.items() if not _names_a_row(k))
            elif isinstance(item, list | tuple):
                stack.extend(item)
            elif isinstance(item, int | str) and not isinstance(item, bool):
                out.append(item)
    return out


def _refers_to(obj: models.Model, person: Person, user: User) -> bool:
    for field in obj._meta.concrete_fields:
        if not field.is_relation or field.name == "target":
            continue
        target = field.related_model
        value = getattr(obj, field.attname)
        if (target is Person and value == person.pk) or (target is User and value == user.pk):
            return True
    return False


def test_no_row_of_any_table_links_a_rater_to_a_value(big: World, q1: ReviewRound) -> None:
    ru = bureau_unit(q1, big)
    given = {key: cast(big, key, ru, seed=70 + i) for i, key in enumerate(STAFF)}
    close(big, q1)
    assert not DraftBallot.objects.exists()
    assert not BallotBox.objects.exists()
    for model in apps.get_models():
        for row in model._default_manager.all():
            for key, values in given.items():
                user = big.users[key]
                if not _refers_to(row, user.person, user):  # type: ignore[arg-type]
                    continue
                leaked = {v for v in _plain_values(row) if v in set(values.values())}
                assert not leaked, (model.__name__, key, leaked)


def test_no_page_shows_a_rater_with_a_value(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    ru = bureau_unit(q1, big)
    given = [cast(big, key, ru, seed=80 + i) for i, key in enumerate(STAFF)]
    admin = client_as("region_admin")
    close(big, q1)
    for url in (
        reverse("reviews:round", args=[q1.pk]),
        reverse("reviews:results", args=[q1.pk, big.bureau.pk]),
        reverse("reviews:raters", args=[q1.pk, big.bureau.pk]),
        reverse("audit_log"),
    ):
        html = admin.get(url).content.decode()
        for values in given:
            for value in values.values():
                assert f"<td>{value}</td>" not in html, (url, value)


def test_progress_lists_who_has_not_voted_and_no_values(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    ru = bureau_unit(q1, big)
    cast(big, "B00", ru, seed=1)
    html = client_as("region_admin").get(reverse("reviews:round", args=[q1.pk])).content.decode()
    assert "1 / 12" in html and "吴刚" in html  # B01 has not voted
    row = html[html.index("区人力资源和社会保障局</td>") :].split("</tr>")[0]
    assert "周敏" not in row  # B00 voted, so is not listed


def test_two_small_groups_together_below_k_are_not_left_to_subtraction(
    big: World, q1: ReviewRound
) -> None:
    """The second review's attack: the leader (1) and the team (1) were both hidden, so
    no second group was; score × 100 − 30 × the others' mean gave 40·L + 30·T, a figure
    on two ballots (both exact on a 1–5 scale, 10 of 10 targets)."""
    ru = bureau_unit(q1, big)
    leader = cast(big, "unit_head", ru, seed=11)
    team = cast(big, "team_member", ru, seed=12)
    for i, key in enumerate(STAFF):
        cast(big, key, ru, seed=50 + i)
    close(big, q1)
    exposed = 0
    for r in RoundResult.objects.filter(round=q1, score__isnull=False):
        if r.others_mean is None or r.target_id not in leader or r.target_id not in team:
            continue
        pair = r.score * 100 - Decimal(30) * Decimal(r.others_mean) / 100
        exposed += pair == 40 * leader[r.target_id] + 30 * team[r.target_id]
    assert exposed == 0
    staff = RoundResult.objects.get(round=q1, target=big.people["b8"])
    assert staff.score is not None and staff.others_mean is None


def test_a_round_for_a_year_out_of_range_is_refused_not_a_server_error(
    world: World, client_as: Callable[[str], Client]
) -> None:
    admin = client_as("region_admin")
    for year in ("0", "10000", "32767", "99999"):
        response = admin.post(
            reverse("reviews:rounds"),
            {
                "year": year,
                "number": "1",
                "cadence": "quarterly",
                "starts_on": "2026-04-01",
                "ends_on": "2026-04-10",
            },
            follow=True,
        )
        assert response.status_code == 200, year
    assert not ReviewRound.objects.exists()
