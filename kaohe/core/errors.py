"""One exception hierarchy for the application; views turn it into a message."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A refusal the user can act on; `message` is already translated for them."""

    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class ValidationFailed(ApplicationError):
    """Input was rejected; `extra["errors"]` lists every problem found."""
