"""Job kinds, registered by the apps that own the work (from their AppConfig.ready),
so this low app runs scoring or reviews work without importing them."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.functional import Promise
from django.utils.translation import gettext

from kaohe.jobs.models import Job
from kaohe.jobs.progress import Progress

# Runs the job and returns the URL of its result ("" for none). An ApplicationError
# it raises fails the job with its message; any other exception fails it with a
# generic message and the traceback in the log.
JobFunction = Callable[[Job, Progress], str]

_KINDS: dict[str, JobFunction] = {}
_LABELS: dict[str, str | Promise] = {}


def register(kind: str, label: str | Promise) -> Callable[[JobFunction], JobFunction]:
    """Register `function` as the work of `kind`; `label` names it on the progress bar."""

    def decorate(function: JobFunction) -> JobFunction:
        _KINDS[kind] = function
        _LABELS[kind] = label
        return function

    return decorate


def function_for(kind: str) -> JobFunction | None:
    return _KINDS.get(kind)


def label_for(kind: str) -> str:
    label = _LABELS.get(kind)
    return str(label) if label is not None else gettext("Background job")


def kinds() -> frozenset[str]:
    return frozenset(_KINDS)
