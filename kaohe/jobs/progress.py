"""Progress of a running job, written in a bounded number of short writes.

Decision "Job progress outside the job's transaction" (docs/decisions.md): the work
of a job runs in one transaction (a quarter is all or nothing), so progress written
through that transaction's connection would stay invisible to the poll until the
end. On PostgreSQL the reporter writes through a connection of its own in
autocommit, so each update is seen at once. SQLite has one writer at a time and the
job's transaction holds it (IMMEDIATE), so there progress goes through the job's
own connection: visible between transactions (and at the end), which suits the
small SQLite set-ups. Tests keep the one connection (KAOHE_JOB_PROGRESS_OWN_CONNECTION
off): their transaction is never committed, so another connection would not see it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from kaohe.core import sql
from kaohe.jobs.models import Job, JobState


class ProgressFn(Protocol):
    """What a service accepts as `progress`: how much is done of how much, and
    optionally what it is doing now (shown under the bar)."""

    def __call__(self, done: int, total: int, message: str = "") -> None: ...


def no_progress(done: int, total: int, message: str = "") -> None:
    """The default `progress` of a service called synchronously."""


def _busy(target: BaseDatabaseWrapper) -> bool:
    """Whether `target` is in the middle of a statement, as during a COPY whose rows
    are still being produced (store_rows): a second statement there would wait for
    the first forever."""
    raw = getattr(target, "connection", None)
    status = getattr(getattr(raw, "info", None), "transaction_status", None)
    return getattr(status, "name", "") == "ACTIVE"


class Progress:
    """Writes a job's done/total when it moved by at least `step` of the whole (2%)
    and at least `seconds` passed since the last write (or the message changed, or the
    work is complete): at most about 1/step + phases writes however fine-grained the
    calls are. Each write counts itself in `Job.updates`."""

    def __init__(
        self,
        job: Job,
        *,
        step: float = 0.02,
        seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.job_id = job.pk
        self.step = step
        self.seconds = seconds
        self.clock = clock
        self.written_fraction = -1.0
        self.written_at = -float("inf")
        self.message = ""
        self.writes = 0
        self._own: BaseDatabaseWrapper | None = None

    def __call__(self, done: int, total: int, message: str = "") -> None:
        total = max(total, 0)
        done = min(max(done, 0), total) if total else max(done, 0)
        fraction = done / total if total else 0.0
        now = self.clock()
        complete = bool(total) and done >= total
        changed = bool(message) and message != self.message
        moved = fraction - self.written_fraction >= self.step
        finishing = complete and fraction > self.written_fraction
        due = moved and now - self.written_at >= self.seconds
        if not (finishing or changed or due):
            return
        if message:
            self.message = message
        target = self._connection()
        if _busy(target):
            return  # mid-COPY on the shared connection (tests on PostgreSQL): next time
        self.written_fraction, self.written_at = fraction, now
        self.writes += 1
        self._write(target, done, total, self.message[:200])

    def _connection(self) -> BaseDatabaseWrapper:
        if (
            sql.is_postgres()
            and connection.in_atomic_block
            and getattr(settings, "KAOHE_JOB_PROGRESS_OWN_CONNECTION", True)
        ):
            if self._own is None:
                # A private connection with the default database's settings, in
                # autocommit: each update is committed as it is written.
                self._own = connections.create_connection(DEFAULT_DB_ALIAS)
            return self._own
        return connection

    def _write(self, target: BaseDatabaseWrapper, done: int, total: int, message: str) -> None:
        table = sql.table(Job)
        with target.cursor() as cursor:
            # Only a running job moves: a job declared stale stays failed.
            cursor.execute(
                f"UPDATE {table} SET done = %s, total = %s, message = %s, "  # noqa: S608
                "updates = updates + 1, heartbeat_at = %s WHERE id = %s AND state = %s",
                [done, total, message, timezone.now(), self.job_id, JobState.RUNNING],
            )

    def close(self) -> None:
        if self._own is not None:
            self._own.close()
            self._own = None


def tracked(
    progress: ProgressFn, count: int, start: int, end: int = 100
) -> Callable[[int], None] | None:
    """A counter for a loop over `count` items that tells `progress` (out of 100) how
    far it is, from `start` to `end`, every 2% of the items (otherwise one modulo per
    item). None when nobody listens, so the loop needs no counter at all."""
    if progress is no_progress or count <= 0:
        return None
    every = max(count // 50, 1)
    span = end - start

    def seen(n: int) -> None:
        if n % every == 0:
            progress(start + span * n // count, 100)

    return seen
