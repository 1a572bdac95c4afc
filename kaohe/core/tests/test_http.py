"""The view helpers shared by every app."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory

from kaohe.core.errors import ApplicationError
from kaohe.core.http import problems_of, queue_problems


def test_it_lists_the_problems_or_else_the_message() -> None:
    assert problems_of(ApplicationError("a. b.", {"problems": ["a.", "b."]})) == ["a.", "b."]
    assert problems_of(ApplicationError("only one.")) == ["only one."]
    assert problems_of(ApplicationError("only one.", {"problems": []})) == ["only one."]


def test_it_queues_each_problem_as_an_error_message() -> None:
    request = RequestFactory().post("/")
    request._messages = CookieStorage(request)  # type: ignore[attr-defined]
    queue_problems(request, ApplicationError("a. b.", {"problems": ["a.", "b."]}))
    queue_problems(request, ApplicationError("c."))
    queued = [(m.level_tag, m.message) for m in get_messages(request)]
    assert queued == [("error", "a."), ("error", "b."), ("error", "c.")]
