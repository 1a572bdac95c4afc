"""The view helpers shared by every app."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory

from kaohe.core.errors import ApplicationError, CoreErrorCode
from kaohe.core.http import Refusal, show_refusal

CODE = CoreErrorCode.NOT_XLSX


def test_a_refusal_lists_its_problems_or_else_its_message() -> None:
    assert ApplicationError("a. b.", code=CODE, problems=["a.", "b."]).problems == ["a.", "b."]
    assert ApplicationError("only one.", code=CODE).problems == ["only one."]
    assert ApplicationError("only one.", code=CODE, problems=[]).problems == ["only one."]


def test_a_summary_is_said_unless_it_only_joins_the_problems() -> None:
    joined = Refusal.of(ApplicationError("a. b.", code=CODE, problems=["a.", "b."]))
    assert joined == Refusal(code="core.not_xlsx", summary="", problems=["a.", "b."])
    summed = Refusal.of(ApplicationError("2 wrong.", code=CODE, problems=["a.", "b."]))
    assert summed.summary == "2 wrong."
    assert Refusal.of(ApplicationError("one.", code=CODE)).summary == ""


def test_it_queues_the_summary_and_each_problem_as_error_messages() -> None:
    request = RequestFactory().post("/")
    request._messages = CookieStorage(request)  # type: ignore[attr-defined]
    show_refusal(request, ApplicationError("a. b.", code=CODE, problems=["a.", "b."]))
    show_refusal(request, ApplicationError("c.", code=CODE))
    show_refusal(request, ApplicationError("2 wrong.", code=CODE, problems=["d.", "e."]))
    queued = [(m.level_tag, m.message) for m in get_messages(request)]
    assert queued == [
        ("error", "a."),
        ("error", "b."),
        ("error", "c."),
        ("error", "2 wrong."),
        ("error", "d."),
        ("error", "e."),
    ]
