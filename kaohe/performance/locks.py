"""What keeps a unit's year from changing (P2): the cadres' annual period that read it.

A unit's year result feeds its cadres' annual composite (scoring, above performance).
Once that period is confirmed or published, recomputing the units' year, its year-end
scores, an override or a mark would change a result already settled: scoring registers
its check here from its AppConfig.ready (performance may not import scoring, as
reviews' reopen guards), and every write of the year asks it first."""

from __future__ import annotations

from collections.abc import Callable

# (region id, year) → the reasons the year is settled (empty: it may change).
YearLock = Callable[[int, int], list[str]]
year_locks: list[YearLock] = []


def register_year_lock(lock: YearLock) -> YearLock:
    """Register `lock` (once: registering the same function again changes nothing)."""
    if lock not in year_locks:
        year_locks.append(lock)
    return lock


def year_lock_reasons(region_id: int, year: int) -> list[str]:
    """Why the region's unit year may not change (empty: it may)."""
    return [reason for lock in year_locks for reason in lock(region_id, year)]
