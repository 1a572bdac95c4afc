"""The cache key of a region's year as the period guards read it (`scoring.guards.
YearFacts`: its rounds and their turnout, head counts, indicator entries, runs and
proposals, unit annual results), which the year plan and the scoring overview read on
every request.

Scoring builds the value, but four domains write what it holds (memberships, units and
pools in org; rounds, rater proposals and ballots in reviews; indicator entries and
declarations in schemes; runs and results in scoring), all of them above core: so the
topic lives here, and every service that changes one of those facts calls
`year_facts_forget` inside its transaction.
"""

from __future__ import annotations

from kaohe.core import clock
from kaohe.core.cache import forget

# Versioned: the file cache outlives a deploy; bump when YearFacts changes shape.
TOPIC = "year-facts.v1"


def year_facts_topic(year: int) -> str:
    return f"{TOPIC}:{year}"


def year_kept(year: int) -> bool:
    """Only the years around today are cached (the plan's and the overview's years);
    others are built per request, so a forget needs to drop only a few keys."""
    return abs(year - clock.today().year) <= 1


def year_facts_forget(region_id: int) -> None:
    """Drop the region's cached years: call in every write of the facts above. Two
    years either side, so a forget just after New Year still drops what was kept on
    New Year's Eve."""
    this_year = clock.today().year
    for year in range(this_year - 2, this_year + 3):
        forget(year_facts_topic(year), region_id)
