"""The clocks by hand, on the official 2026 calendar: National Day runs 10-01..10-07
(10-08 is a working day), and a weekend is two rest days."""

from __future__ import annotations

import datetime as dt

import pytest

from kaohe.core.calendar import WorkCalendar
from kaohe.dueprocess.clocks import calendar_deadline, clock, in_time, workday_deadline

D = dt.date
CAL = WorkCalendar.build(D(2026, 8, 1), D(2027, 3, 31))


def test_calendar_days_start_the_day_after_the_event() -> None:
    # Notice on Monday 2026-11-02: 30 days run 11-03..12-02 (a Wednesday).
    assert calendar_deadline(CAL, D(2026, 11, 2), 30) == D(2026, 12, 2)


def test_a_last_day_in_a_holiday_moves_past_it() -> None:
    # 2026-09-01 + 30 days = 10-01, inside National Day: the last day is 10-08.
    assert calendar_deadline(CAL, D(2026, 9, 1), 30) == D(2026, 10, 8)
    # A last day on a Saturday moves to Monday: 11-05 + 2 = Saturday 11-07 → 11-09.
    assert calendar_deadline(CAL, D(2026, 11, 5), 2) == D(2026, 11, 9)


def test_accepted_on_the_last_day_refused_the_next() -> None:
    last = calendar_deadline(CAL, D(2026, 9, 1), 30)
    assert in_time(last, last)
    assert not in_time(last + dt.timedelta(days=1), last)


def test_publicity_over_national_day() -> None:
    # 5 working days from Monday 2026-09-28: 09-28, 09-29, 09-30, then the holiday,
    # then 10-08 and 10-09.
    assert workday_deadline(CAL, D(2026, 9, 28), 5) == D(2026, 10, 9)
    # Starting on a rest day, the first working day after it is day one.
    assert workday_deadline(CAL, D(2026, 10, 3), 1) == D(2026, 10, 8)


@pytest.mark.parametrize(
    ("today", "left", "passed"),
    [(D(2026, 9, 30), 2, False), (D(2026, 10, 8), 1, False), (D(2026, 10, 9), 0, False)],
)
def test_working_day_clock_counts_working_days_left(
    today: dt.date, left: int, passed: bool
) -> None:
    c = clock(CAL, D(2026, 10, 9), today, workdays=True)
    assert (c.days_left, c.passed) == (left, passed)


def test_calendar_clock() -> None:
    c = clock(CAL, D(2026, 12, 2), D(2026, 11, 2), workdays=False)
    assert (c.days_left, c.passed) == (30, False)
    assert clock(CAL, D(2026, 12, 2), D(2026, 12, 3), workdays=False).passed
