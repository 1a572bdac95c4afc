"""The demo county's leadership teams for the demo year: the office's figures for every
team (democratic evaluation, leaders' evaluation, public survey, party building, each
with its evidence), entered through the grid's service as the office would, then the
year computed; published when every team is complete.

The unit performance component is read from the units' annual results
(performance.UnitYearResult, written by the performance demo that runs before this one):
a unit without one is listed as missing and the year stays computed, not published,
until the office completes it. The figures are fixed per unit (from its code), so a
reload shows the same year.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from decimal import Decimal

from kaohe.accounts.models import User
from kaohe.core.errors import ApplicationError
from kaohe.demo.schemes import REGION_ADMIN_LOGIN
from kaohe.teams import selectors, services
from kaohe.teams.errors import TeamErrorCode
from kaohe.teams.models import TeamEntry, TeamYear

EVIDENCE = (
    "年度述职述廉评议汇总表",
    "县委考核组领导评价意见",
    "第三方群众满意度调查报告",
    "机关党建工作考核评分表",
)


@dataclass
class DemoTeams:
    teams: int = 0
    complete: int = 0
    published: bool = False


def _figure(code: str, salt: int, low: int, span: int) -> Decimal:
    """A fixed figure for a unit: low … low + span, in halves."""
    value = zlib.crc32(f"{code}:{salt}".encode()) % (span * 2 + 1)
    return Decimal(low) + Decimal(value) / 2


def generate_demo_teams(*, region_id: int, year: int, today: dt.date) -> DemoTeams:
    """Enter, compute and (when complete) publish the demo year's teams; a no-op when the
    region has entries for the year already."""
    if TeamEntry.objects.filter(region_id=region_id, year=year).exists():
        return DemoTeams()
    admin = User.objects.get(region_id=region_id, username=REGION_ADMIN_LOGIN)
    rows = selectors.entry_rows(region_id, year)
    if not rows:
        return DemoTeams()
    services.team_entries_save(
        actor=admin,
        region_id=region_id,
        year=year,
        rows=[
            services.EntryInput(
                unit_id=row.unit.pk,
                shown_version=row.version,
                democratic=_figure(row.unit.code, 1, 78, 18),
                leader=_figure(row.unit.code, 2, 76, 20),
                public=_figure(row.unit.code, 3, 74, 20),
                party=_figure(row.unit.code, 4, 80, 18),
                evidence=EVIDENCE[row.unit.pk % len(EVIDENCE)],
            )
            for row in rows
        ],
    )
    services.team_year_compute(actor=admin, region_id=region_id, year=year)
    done = DemoTeams(teams=len(rows))
    done.complete = selectors.year_results(admin, year).filter(composite__isnull=False).count()
    try:
        services.team_year_publish(actor=admin, region_id=region_id, year=year)
    except ApplicationError as exc:
        if exc.code != TeamErrorCode.INCOMPLETE:
            raise
    else:
        done.published = TeamYear.objects.filter(
            region_id=region_id, year=year, state=TeamYear.State.PUBLISHED
        ).exists()
    return done
