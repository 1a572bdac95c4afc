"""The working-day calendar: official holidays, swapped workdays, overrides, unknown years."""

from __future__ import annotations

import datetime as dt

import pytest

from kaohe.core.calendar import WorkCalendar, region_calendar
from kaohe.core.models import WorkdayOverride
from kaohe.testing import World

D = dt.date


def test_national_day_2025_and_its_swapped_saturday() -> None:
    cal = WorkCalendar.build(D(2025, 9, 1), D(2025, 10, 31))
    assert cal.is_workday(D(2025, 9, 28))  # Sunday, swapped workday
    assert not any(cal.is_workday(D(2025, 10, d)) for d in range(1, 9))
    assert cal.is_workday(D(2025, 10, 11))  # Saturday, swapped workday
    assert cal.nth_workday_after(D(2025, 9, 30), 5) == D(2025, 10, 14)
    assert cal.count(D(2025, 9, 29), D(2025, 10, 12)) == 5  # 29, 30, 9, 10, 11
    assert cal.previous_workdays(D(2025, 10, 13), 3) == [
        D(2025, 10, 9),
        D(2025, 10, 10),
        D(2025, 10, 11),
    ]


def test_a_year_the_package_does_not_know_falls_back_to_weekdays() -> None:
    cal = WorkCalendar.build(D(2031, 1, 1), D(2031, 1, 31))
    assert cal.unknown_years == frozenset({2031})
    assert cal.is_workday(D(2031, 1, 1))  # a Wednesday: New Year unknown, so counted
    assert not cal.is_workday(D(2031, 1, 4))  # Saturday


@pytest.mark.django_db
def test_region_overrides_win_over_the_official_calendar(world: World) -> None:
    WorkdayOverride.objects.create(
        region=world.region, day=D(2026, 3, 2), is_workday=False, note="停电"
    )
    WorkdayOverride.objects.create(region=world.region, day=D(2026, 3, 7), is_workday=True)
    cal = region_calendar(world.region.pk, D(2026, 3, 1), D(2026, 3, 31))
    assert not cal.is_workday(D(2026, 3, 2)) and cal.is_workday(D(2026, 3, 7))
    other = region_calendar(world.other_region.pk, D(2026, 3, 1), D(2026, 3, 31))
    assert other.is_workday(D(2026, 3, 2)) and not other.is_workday(D(2026, 3, 7))
