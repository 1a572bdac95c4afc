"""The annual democratic evaluation: 德能勤绩廉 rated apart on one anonymous ballot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from kaohe.org.models import ASPECTS as ORG_ASPECTS
from kaohe.reviews import policies, services
from kaohe.reviews.errors import ReviewErrorCode
from kaohe.reviews.models import BallotBox, Participation, ReviewRound, RoundResult
from kaohe.reviews.tests.fixtures import bureau_unit, folded
from kaohe.testing import World, refused

ASPECTS = [str(d) for d in ORG_ASPECTS]


@pytest.fixture
def annual(big: World, settings: Settings) -> ReviewRound:
    settings.KAOHE_TODAY = dt.date(2027, 1, 5)  # a voting day
    round_ = services.round_create(
        actor=big.users["region_admin"],
        region=big.region,
        year=2026,
        number=1,
        starts_on=dt.date(2027, 1, 4),
        ends_on=dt.date(2027, 1, 15),
        cadence=ReviewRound.Cadence.ANNUAL,
    )
    services.round_open(actor=big.users["region_admin"], round_=round_)
    return round_


def aspects_ballot(big: World, key: str, round_: ReviewRound, base: int = 80) -> dict[str, object]:
    sheet = policies.ballot_sheet(rater=big.users[key].person, round_unit=bureau_unit(round_, big))  # type: ignore[arg-type]
    assert sheet is not None and sheet.dimensions == ASPECTS
    return {
        f"{p.pk}:{d}": base + (i + j) % 7
        for i, p in enumerate(sheet.targets)
        for j, d in enumerate(ASPECTS)
    }


def test_every_aspect_is_scored_and_stored_apart(big: World, annual: ReviewRound) -> None:
    values = aspects_ballot(big, "B01", annual)
    services.ballot_submit(
        actor=big.users["B01"], round_unit=bureau_unit(annual, big), values=values
    )
    entries = folded(annual)
    assert len([e for e in entries.values() if e.count]) == 11 * 5
    assert {aspect for _t, aspect, _g in entries} == set(ASPECTS)


def test_a_missing_aspect_is_refused_by_name(big: World, annual: ReviewRound) -> None:
    values = aspects_ballot(big, "B01", annual)
    target = next(k for k in values if k.endswith(":lian"))
    del values[target]
    with refused(ReviewErrorCode.BALLOT_INVALID, match="廉"):
        services.ballot_submit(
            actor=big.users["B01"], round_unit=bureau_unit(annual, big), values=values
        )
    assert not BallotBox.objects.exists() and not Participation.objects.exists()


def test_the_high_score_limit_holds_for_each_aspect(big: World, annual: ReviewRound) -> None:
    values = aspects_ballot(big, "B01", annual)
    # 11 people: at most 3 may get 90 or more on each aspect. Four on 能 is refused,
    # naming 能; three on every aspect is fine.
    ability = [k for k in values if k.endswith(":neng")]
    for key in ability[:4]:
        values[key] = 95
    with refused(ReviewErrorCode.BALLOT_INVALID, match="能：4 人"):
        services.ballot_submit(
            actor=big.users["B01"], round_unit=bureau_unit(annual, big), values=values
        )
    values[ability[3]] = 85
    for aspect in ASPECTS:
        for key in [k for k in values if k.endswith(f":{aspect}")][:3]:
            values[key] = 92
    services.ballot_submit(
        actor=big.users["B01"], round_unit=bureau_unit(annual, big), values=values
    )


def test_a_ballot_that_tells_nobody_apart_is_refused(big: World, annual: ReviewRound) -> None:
    ru = bureau_unit(annual, big)
    # The same score for everyone on each aspect (though the aspects differ): refused.
    flat = {k: 80 + ASPECTS.index(k.split(":")[1]) for k in aspects_ballot(big, "B01", annual)}
    with refused(ReviewErrorCode.BALLOT_UNIFORM):
        services.ballot_submit(actor=big.users["B01"], round_unit=ru, values=flat)
    assert not folded(annual) and not Participation.objects.exists()
    # One aspect that tells people apart is enough for the ballot to count.
    told = dict(aspects_ballot(big, "B02", annual, base=70))
    services.ballot_submit(actor=big.users["B02"], round_unit=ru, values=told)
    assert Participation.objects.count() == 1


def test_results_give_each_aspect_and_their_mean(big: World, annual: ReviewRound) -> None:
    ru = bureau_unit(annual, big)
    # The other cadres only: with the leader's and the team's single ballots, all three
    # groups would be hidden (the two hold fewer than k scores together).
    keys = ["B00", "B01", "B02", "B03", "B04", "B05", "B06"]
    for i, key in enumerate(keys):
        services.ballot_submit(
            actor=big.users[key], round_unit=ru, values=aspects_ballot(big, key, annual, 72 + i)
        )
    services.round_close(actor=big.users["region_admin"], round_=annual)
    assert not BallotBox.objects.exists()
    result = RoundResult.objects.get(round=annual, target=big.people["b8"])
    assert set(result.dimensions) == set(ASPECTS)

    assert result.dimensions["de"]["groups"]["others"]["count"] == 7
    scores = [float(result.dimensions[d]["score"]) for d in ASPECTS]
    assert result.score is not None and min(scores) <= float(result.score) <= max(scores)
    assert result.groups["others"]["count"] == 7  # raters, not scores (5 per rater)


def test_the_ballot_page_has_a_column_per_aspect(
    big: World, annual: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    ru = bureau_unit(annual, big)
    client = client_as("B01")
    html = client.get(reverse("reviews:ballot", args=[ru.pk])).content.decode()
    for label in ("德", "能", "勤", "绩", "廉"):
        assert f"<label>{label}<input" in html
    values = aspects_ballot(big, "B01", annual)
    form = {f"score_{k}": v for k, v in values.items()}
    response = client.post(
        reverse("reviews:ballot", args=[ru.pk]), {**form, "action": "submit"}, follow=True
    )
    assert response.status_code == 200
    assert sum(e.count for e in folded(annual).values()) == 55


def test_a_reopened_evaluation_collects_every_ballot_again(big: World, annual: ReviewRound) -> None:
    ru = bureau_unit(annual, big)
    for i, key in enumerate(["B00", "B01", "B02", "B03", "unit_head"]):
        services.ballot_submit(
            actor=big.users[key], round_unit=ru, values=aspects_ballot(big, key, annual, 72 + i)
        )
    services.round_close(actor=big.users["region_admin"], round_=annual)
    before = RoundResult.objects.get(round=annual, target=big.people["b8"])
    assert before.score is not None and before.dimensions["de"]["score"] is not None
    services.round_reopen(actor=big.users["region_admin"], round_=annual, reason="补投两张选票")
    # Nothing of the first collection is left to add late ballots to, or to subtract.
    assert not RoundResult.objects.filter(round=annual).exists()
    assert not Participation.objects.filter(round=annual).exists()
    for key in ("B04", "B05"):
        services.ballot_submit(
            actor=big.users[key], round_unit=ru, values=aspects_ballot(big, key, annual, 60)
        )
    services.round_close(actor=big.users["region_admin"], round_=annual)
    after = RoundResult.objects.get(round=annual, target=big.people["b8"])
    # Two ballots are fewer than k: no score on any aspect, no group figures.
    assert after.score is None and after.rater_count == 2
    for aspect in ASPECTS:
        assert after.dimensions[aspect]["score"] is None
        assert all(
            v == {"count": None, "mean": None} for v in after.dimensions[aspect]["groups"].values()
        )


def test_the_results_page_shows_each_aspect(
    big: World, annual: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    ru = bureau_unit(annual, big)
    keys = ["B00", "B01", "B02", "B03", "B04", "B05", "B06", "unit_head", "team_member"]
    for i, key in enumerate(keys):
        services.ballot_submit(
            actor=big.users[key], round_unit=ru, values=aspects_ballot(big, key, annual, 72 + i)
        )
    services.round_close(actor=big.users["region_admin"], round_=annual)
    html = (
        client_as("region_admin")
        .get(reverse("reviews:results", args=[annual.pk, big.bureau.pk]))
        .content.decode()
    )
    for label in ("德", "能", "勤", "绩", "廉"):
        assert f"<th>{label}</th>" in html
    result = RoundResult.objects.get(round=annual, target=big.people["b8"])
    assert f"<td>{result.dimensions['ji']['score']}</td>" in html
