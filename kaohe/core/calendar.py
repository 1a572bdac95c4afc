"""Official working days: the chinesecalendar package plus each region's overrides.

Holidays and swapped workdays (调休) decide backfill windows and which days
need a log. For a year the package does not know, Monday–Friday is assumed
and `unknown_years` says so, so administrators can be warned to enter holidays.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import chinese_calendar

from kaohe.core.cache import forget, region_cached
from kaohe.core.models import WorkdayOverride

ONE_DAY = dt.timedelta(days=1)


@functools.lru_cache(maxsize=4096)
def _official_workday(day: dt.date) -> bool | None:
    """True/False from the official calendar, None when the year is unknown to it."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def year_is_known(year: int) -> bool:
    return _official_workday(dt.date(year, 6, 1)) is not None


@dataclass
class WorkCalendar:
    """Working days between `start` and `end` (inclusive), ready for fast counting.

    Build it once per request or command with `build`; counting working days in
    any sub-range is then a pair of binary searches.
    """

    start: dt.date
    end: dt.date
    workdays: list[dt.date]
    unknown_years: frozenset[int] = frozenset()
    _index: set[dt.date] = field(default_factory=set, repr=False)

    def __post_init__(self) -> None:
        self._index = set(self.workdays)

    @classmethod
    def build(
        cls, start: dt.date, end: dt.date, overrides: Mapping[dt.date, bool] | None = None
    ) -> WorkCalendar:
        overrides = overrides or {}
        unknown: set[int] = set()
        days: list[dt.date] = []
        day = start
        while day <= end:
            if day in overrides:
                working = overrides[day]
            else:
                official = _official_workday(day)
                if official is None:
                    unknown.add(day.year)
                    working = day.weekday() < 5
                else:
                    working = official
            if working:
                days.append(day)
            day += ONE_DAY
        return cls(start=start, end=end, workdays=days, unknown_years=frozenset(unknown))

    def _check(self, day: dt.date) -> None:
        if not self.start <= day <= self.end:
            raise ValueError(f"{day} is outside the calendar's span {self.start}..{self.end}")

    def is_workday(self, day: dt.date) -> bool:
        self._check(day)
        return day in self._index

    def count(self, first: dt.date, last: dt.date) -> int:
        """Working days in [first, last]; 0 for an empty range."""
        if last < first:
            return 0
        lo = bisect.bisect_left(self.workdays, max(first, self.start))
        hi = bisect.bisect_right(self.workdays, min(last, self.end))
        return max(0, hi - lo)

    def between(self, first: dt.date, last: dt.date) -> list[dt.date]:
        lo = bisect.bisect_left(self.workdays, max(first, self.start))
        hi = bisect.bisect_right(self.workdays, min(last, self.end))
        return self.workdays[lo:hi]

    def nth_workday_after(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day strictly after `day` (n >= 1)."""
        index = bisect.bisect_right(self.workdays, day) + n - 1
        if index >= len(self.workdays):
            raise ValueError(f"the calendar ends before the {n}th working day after {day}")
        return self.workdays[index]

    def previous_workdays(self, day: dt.date, n: int) -> list[dt.date]:
        """Up to n working days strictly before `day`, most recent last."""
        hi = bisect.bisect_left(self.workdays, day)
        return self.workdays[max(0, hi - n) : hi]


def region_overrides(region_id: int) -> dict[dt.date, bool]:
    """All of a region's overrides (a few dozen rows), cached for every process: every
    log submission needs them. Saving or deleting an override forgets them (core.signals)."""

    def build() -> dict[dt.date, bool]:
        rows = WorkdayOverride.objects.filter(region_id=region_id)
        return dict(rows.values_list("day", "is_workday"))

    return region_cached("workday-overrides", region_id, build)


def forget_overrides(region_id: int) -> None:
    forget("workday-overrides", region_id)


def region_calendar(region_id: int, start: dt.date, end: dt.date) -> WorkCalendar:
    """The calendar of one region, with its administrators' overrides applied."""
    overrides = {d: w for d, w in region_overrides(region_id).items() if start <= d <= end}
    return WorkCalendar.build(start, end, overrides)


def years_span(years: Iterable[int]) -> tuple[dt.date, dt.date]:
    ys = sorted(years)
    return dt.date(ys[0], 1, 1), dt.date(ys[-1], 12, 31)
