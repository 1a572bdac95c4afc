"""The reviews domain's endpoints: the rater's open ballots, as the "my ballots" page
lists them. Names and standing only: never a score, a draft's values or anything that
ties a rater to a value (the selector's OpenBallot holds none)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from kaohe.core.http import AuthedRequest
from kaohe.reviews import selectors
from kaohe.reviews.selectors import OpenBallot

router = Router(tags=["reviews"])


class BallotOut(Schema):
    round_unit_id: int
    round: str
    unit: str
    group: str  # the rater's group: leader, team, others
    group_label: str
    starts_on: dt.date
    ends_on: dt.date
    target_count: int  # how many people the ballot rates
    status: str  # submitted, waiting (outside raters not yet approved), draft, open
    status_label: str


class BallotDetailOut(BallotOut):
    targets: list[str]  # the names of the people to rate, in the ballot's order


def _status(ballot: OpenBallot) -> tuple[str, str]:
    """The ballot's standing as the page tells it (its order: submitted first)."""
    if ballot.submitted:
        return "submitted", _("Submitted")
    if not ballot.can_vote:
        return "waiting", _("Waiting for the outside raters to be approved.")
    if ballot.has_draft:
        return "draft", _("Draft saved")
    return "open", _("Not submitted")


def _out(ballot: OpenBallot) -> BallotOut:
    status, label = _status(ballot)
    return BallotOut(
        round_unit_id=ballot.round_unit_id,
        round=ballot.round_label,
        unit=ballot.unit_name,
        group=ballot.group,
        group_label=ballot.group_label,
        starts_on=ballot.starts_on,
        ends_on=ballot.ends_on,
        target_count=len(ballot.targets),
        status=status,
        status_label=label,
    )


@router.get("", response=list[BallotOut], summary="My ballots in open rounds (no scores)")
def ballots(request: HttpRequest) -> list[BallotOut]:
    req = AuthedRequest.of(request)
    return [_out(b) for b in selectors.my_ballots(req.user)]


@router.get(
    "/{round_unit_id}",
    response=BallotDetailOut,
    summary="One of my ballots in an open round, with whom it rates (404 otherwise)",
)
def ballot(request: HttpRequest, round_unit_id: int) -> BallotDetailOut:
    req = AuthedRequest.of(request)
    found = selectors.my_open_ballot(req.user, round_unit_id)  # Http404 for anyone else's
    return BallotDetailOut(**_out(found).model_dump(), targets=[t.name for t in found.targets])
