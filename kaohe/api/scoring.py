"""The scoring domain's endpoints: the user's own published results."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Schema

from kaohe.core.http import AuthedRequest
from kaohe.scoring import presenters, selectors
from kaohe.scoring.presenters import ResultDisplay

router = Router(tags=["scoring"])


class ResultOut(Schema):
    kind: str
    id: int
    period: str
    unit: str
    score: Decimal
    grade: str
    grade_label: str
    explanation: str
    steps: list[str]
    consequences: list[str]
    receipt_confirmed: bool


def _out(shown: ResultDisplay) -> ResultOut:
    row = shown.row
    return ResultOut(
        kind=row.kind,
        id=row.pk,
        period=row.period,
        unit=shown.unit,
        score=row.score,
        grade=row.grade,
        grade_label=shown.grade_label,
        explanation=shown.headline,
        steps=shown.lines,
        consequences=shown.consequences,
        receipt_confirmed=row.receipt_at is not None,
    )


@router.get(
    "/my/results", response=list[ResultOut], summary="My published results with their explanations"
)
def my_results(request: HttpRequest) -> list[ResultOut]:
    req = AuthedRequest.of(request)
    return [_out(shown) for shown in presenters.my_result_displays(req.user)]


@router.get(
    "/my/results/{kind}/{result_id}",
    response=ResultOut,
    summary="One of my published results (404 for anyone else's)",
)
def my_result(request: HttpRequest, kind: str, result_id: int) -> ResultOut:
    req = AuthedRequest.of(request)
    row = selectors.my_result_row(req.user, kind, result_id)  # Http404 outside the user's own
    return _out(presenters.result_displays([row])[0])
