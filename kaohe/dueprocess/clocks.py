"""The clocks of due process: each deadline on the calendar its rule names.

- **Calendar days** (the Civil Service Law's 30 / 15 / 60 days): counted as the Civil
  Code counts a period (民法典 art. 201, 203): the day of the event does not count,
  the period starts the next day, and a last day that is a statutory holiday or rest
  day moves to the first working day after it. So a notice issued on 2026-09-01 may
  be answered within 30 days until 2026-10-08: 10-01 falls in the National Day
  holiday, which ends on 10-07.
- **Working days** (公示): the official calendar with the region's overrides
  (core.calendar); a 公示 that starts on a working day counts it as its first day.

Pure but for reading the region's calendar overrides: every function takes the
calendar it counts on, and `region_calendar_around` builds one wide enough.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kaohe.core.calendar import WorkCalendar, region_calendar

ONE_DAY = dt.timedelta(days=1)
# A calendar wide enough for any clock of the law's (60 days + a 30-day extension,
# with holidays at the end) from its start.
_SPAN = dt.timedelta(days=200)


def region_calendar_around(region_id: int, day: dt.date) -> WorkCalendar:
    """The region's working days from a little before `day` to well after it."""
    return region_calendar(region_id, day - dt.timedelta(days=31), day + _SPAN)


def calendar_deadline(cal: WorkCalendar, start: dt.date, days: int) -> dt.date:
    """The last day of a period of `days` calendar days that runs from the event on
    `start` (not counted); moved past a holiday or rest day it falls on."""
    last = start + dt.timedelta(days=days)
    while not cal.is_workday(last):
        last += ONE_DAY
    return last


def workday_deadline(cal: WorkCalendar, start: dt.date, workdays: int) -> dt.date:
    """The last day of a period of `workdays` working days that starts on `start`
    (counted when it is a working day itself)."""
    return cal.nth_workday_after(start - ONE_DAY, workdays)


@dataclass(frozen=True)
class Clock:
    """A deadline as a page shows it: the last day, whether it has passed, the days
    left (calendar days; working days for a working-day clock)."""

    last_day: dt.date
    workdays: bool
    days_left: int
    passed: bool


def clock(cal: WorkCalendar, last_day: dt.date, today: dt.date, *, workdays: bool) -> Clock:
    """The clock of `last_day` as of `today`: on the last day itself the request is
    still in time (0 days left); the next day it has passed."""
    passed = today > last_day
    if passed:
        left = 0
    elif workdays:
        left = cal.count(today + ONE_DAY, last_day)
    else:
        left = (last_day - today).days
    return Clock(last_day=last_day, workdays=workdays, days_left=left, passed=passed)


def in_time(today: dt.date, last_day: dt.date) -> bool:
    """Whether a request made on `today` meets a deadline whose last day is `last_day`."""
    return today <= last_day
