"""Backfill windows and period dates for work records (R2.3). Pure: no ORM."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kaohe.core.calendar import WorkCalendar

# How far around a day a calendar must reach to answer every question here.
CALENDAR_MARGIN = dt.timedelta(days=62)


def backfill_deadline(cal: WorkCalendar, day: dt.date, backfill_workdays: int) -> dt.date:
    """The last date on which the log of `day` may still be written."""
    return cal.nth_workday_after(day, backfill_workdays)


def missing_cutoff(cal: WorkCalendar, today: dt.date, backfill_workdays: int) -> dt.date | None:
    """The latest working day whose backfill deadline has passed by `today`.

    With n backfill days, the day n+1 working days before today is the last one
    that can no longer be written; None when the calendar does not reach back.
    """
    earlier = cal.previous_workdays(today, backfill_workdays + 1)
    if len(earlier) < backfill_workdays + 1:
        return None
    return earlier[0]


@dataclass(frozen=True)
class Period:
    """A quarter (1–4) or a whole year (quarter 0)."""

    year: int
    quarter: int = 0

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1 if self.quarter == 0 else 3 * self.quarter - 2, 1)

    @property
    def end(self) -> dt.date:
        if self.quarter in (0, 4):
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, 3 * self.quarter + 1, 1) - dt.timedelta(days=1)

    @property
    def summary_opens(self) -> dt.date:
        """Summaries may be written from the first day of the period's last month."""
        return dt.date(self.end.year, self.end.month, 1)

    @classmethod
    def quarter_of(cls, day: dt.date) -> Period:
        return cls(day.year, (day.month - 1) // 3 + 1)

    def label(self) -> str:
        return f"{self.year}年" if self.quarter == 0 else f"{self.year}年第{self.quarter}季度"
