"""Every view that catches an ApplicationError shows the refusal one way: its summary
and each problem of its list (kaohe.core.http.show_refusal / core/_refusal.html).

Each case makes the service the view calls refuse with a list of problems, submits the
view's form and reads the page the user lands on; the JSON API answers the same
refusal as {code, message, problems}.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from kaohe.core.errors import ApplicationError, CoreErrorCode, ValidationFailed

SUMMARY = "两处不对，未保存。"
PROBLEMS = ["第一处：日期不对。", "第二处：内容太短。"]


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise ApplicationError(SUMMARY, code=CoreErrorCode.NOT_XLSX, problems=PROBLEMS)


def _refuse_validation(*args: Any, **kwargs: Any) -> Any:
    raise ValidationFailed(SUMMARY, code=CoreErrorCode.NOT_XLSX, problems=PROBLEMS)


def _upload() -> dict[str, Any]:
    file = io.BytesIO(b"PK not really a workbook")
    file.name = "roster.xlsx"
    return {"file": file}


@dataclass(frozen=True)
class Case:
    persona: str
    url: str
    target: str  # the service the view calls, made to refuse
    data: Callable[[], dict[str, Any]] = field(default=dict)
    raiser: Callable[..., Any] = _refuse


CASES = {
    "worklogs.today": Case(
        "cadre",
        "/logs/today/",
        "kaohe.worklogs.services.worklog_submit",
        lambda: {"content": "写了一点"},
    ),
    "worklogs.summaries": Case(
        "cadre",
        "/logs/summaries/",
        "kaohe.worklogs.services.summary_submit",
        lambda: {"content": "写了一点", "kind": "quarterly", "year": "2026", "quarter": "1"},
    ),
    "reviews.rounds": Case(
        "region_admin",
        "/reviews/rounds/",
        "kaohe.reviews.services.round_create",
        lambda: {
            "year": "2026",
            "number": "1",
            "starts_on": "2026-04-01",
            "ends_on": "2026-04-10",
            "cadence": "quarterly",
        },
    ),
    "schemes.list": Case(
        "region_admin",
        "/schemes/",
        "kaohe.schemes.services.template_create",
        lambda: {"action": "template", "name": "模板"},
    ),
    "org.roster_import": Case(
        "region_admin",
        "/org/roster/",
        "kaohe.org.roster.roster_import",
        _upload,
        _refuse_validation,
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", CASES)
def test_the_page_shows_the_refusal_and_each_of_its_problems(
    name: str, client_as: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES[name]
    monkeypatch.setattr(case.target, case.raiser)
    response = client_as(case.persona).post(case.url, case.data(), follow=True)
    page = response.content.decode()
    assert response.status_code == 200, name
    for line in [SUMMARY, *PROBLEMS]:
        assert line in page, (name, line)


@pytest.mark.django_db
def test_the_api_answers_a_refusal_with_its_code_message_and_problems(
    client_as: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kaohe.scoring.presenters.my_result_displays", _refuse)
    response = client_as("cadre").get("/api/my/results")
    assert response.status_code == 400
    assert response.json() == {"code": "core.not_xlsx", "message": SUMMARY, "problems": PROBLEMS}


@pytest.mark.django_db
def test_the_api_reads_only_the_users_own_results(client_as: Callable[[str], Client]) -> None:
    assert client_as("cadre").get("/api/my/results/quarter/999999").status_code == 404
    assert client_as("cadre").get("/api/my/results").json() == []
