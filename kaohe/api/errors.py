"""One JSON shape for every refusal the API passes on (ApplicationError)."""

from __future__ import annotations

from ninja import Schema

from kaohe.core.errors import ApplicationError

# A refusal is the client's to act on (the same request would be refused again), so a
# 4xx; one status for all: the code, not the status, tells the refusals apart.
REFUSED = 400


class ErrorOut(Schema):
    code: str  # stable, "<domain>.<name>" (kaohe.core.errors); match this, not the wording
    message: str  # translated for the user
    problems: list[str]  # every problem found; the message alone when there is one


def error_out(exc: ApplicationError) -> ErrorOut:
    return ErrorOut(code=str(exc.code), message=exc.message, problems=list(exc.problems))
