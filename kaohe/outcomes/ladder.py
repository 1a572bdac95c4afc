"""Which consequences a published period carries (R5.6, R5.13, R6.6): pure rules over
the archive's rows and the quarters' grades, no ORM; the services read the rows and
write what these return (outcomes.services, the consequences block).

The year (from the archive's `YearRecord`s, imported earlier years included):
- last place in the unit's annual ranking: 提醒谈话 by the unit's main leader; two
  years running: 诫勉谈话; three or more: a proposal of 组织处理 to the organization
  department (R6.6). Last place is rank = people ranked in the unit (at least two);
  those tied at the bottom are all last, unless the whole unit is tied (decision
  "ties at last place");
- 不称职: demotion by one level and no year-end bonus (R5.13); two years running: a
  dismissal review as well (R6.6);
- 基本称职: no promotion for a year, no year-end bonus (R5.13).

The quarters of a year: a failing quarter (较差, or 一般 too where the scoring policy
says so): the first → a talk by the unit head; the second → a notice of criticism in
the unit (R5.6). The third and fourth set the annual grade (scoring's engine).

Every decision carries its rule as a plain sentence in the site's language, naming
the years or quarters that set it off.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext as _

from kaohe.scoring.engine import AnnualGrade
from kaohe.scoring.explain import grade_label


class Kind(StrEnum):
    """outcomes.models.ConsequenceKind's values (a test keeps them equal)."""

    REMINDER_TALK = "reminder_talk"
    ADMONITION_TALK = "admonition_talk"
    ORG_HANDLING = "org_handling"
    QUARTER_TALK = "quarter_talk"
    UNIT_CRITICISM = "unit_criticism"
    DEMOTION = "demotion"
    DISMISSAL_REVIEW = "dismissal_review"
    NO_PROMOTION = "no_promotion"
    NO_BONUS = "no_bonus"


# accounts.Role values of the owner: the unit's head (the main leader) acts on talks
# and notices in the unit, the region office (组织部) on the rest.
UNIT_HEAD = "unit_head"
REGION_OFFICE = "region_admin"
OWNER = {
    Kind.REMINDER_TALK: UNIT_HEAD,
    Kind.ADMONITION_TALK: UNIT_HEAD,
    Kind.QUARTER_TALK: UNIT_HEAD,
    Kind.UNIT_CRITICISM: UNIT_HEAD,
    Kind.ORG_HANDLING: REGION_OFFICE,
    Kind.DEMOTION: REGION_OFFICE,
    Kind.DISMISSAL_REVIEW: REGION_OFFICE,
    Kind.NO_PROMOTION: REGION_OFFICE,
    Kind.NO_BONUS: REGION_OFFICE,
}

# How far back the year's rules look: three years of last place is the top step.
LOOK_BACK = 2


@dataclass(frozen=True)
class YearRow:
    """What the rules read of one archived year (YearRecord)."""

    person_id: int
    year: int
    grade: str  # scoring's AnnualGrade value
    rank_in_unit: int | None
    unit_size: int | None
    unit_id: int | None
    unit_name: str

    @property
    def unit_key(self) -> str:
        # An imported year may name a unit kaohe never had: then its name is its key.
        return f"#{self.unit_id}" if self.unit_id is not None else self.unit_name


@dataclass(frozen=True)
class QuarterRow:
    """One person's published grade of one quarter, with the unit it was given in."""

    person_id: int
    quarter: int
    grade: str  # scoring's QuarterGrade value, "" for none
    unit_id: int | None


@dataclass(frozen=True)
class Decision:
    """One consequence to carry out."""

    person_id: int
    year: int
    quarter: int | None
    kind: Kind
    unit_id: int | None
    citation: str

    @property
    def key(self) -> tuple[int, int, int | None, str]:
        return (self.person_id, self.year, self.quarter, self.kind.value)

    @property
    def owner(self) -> str:
        return OWNER[self.kind]


TieKey = tuple[int, str, int]  # (year, unit key, rank in unit)


def tie_counts(rows: Iterable[YearRow]) -> dict[TieKey, int]:
    """How many archived rows share each (year, unit, rank): the size of a tie."""
    return dict(
        Counter((r.year, r.unit_key, r.rank_in_unit) for r in rows if r.rank_in_unit is not None)
    )


def is_last(row: YearRow, tied: Mapping[TieKey, int]) -> bool:
    """Last place in the unit's ranking. Ranks are competition ranks (1, 2, 2, 4), so
    the k people tied at the bottom of n share rank n − k + 1: all of them are last,
    unless the whole unit is tied (rank 1: nobody is placed below anybody)."""
    rank, size = row.rank_in_unit, row.unit_size
    if rank is None or size is None or size < 2 or rank < 2:
        return False
    if rank == size:
        return True
    return rank + tied.get((row.year, row.unit_key, rank), 1) - 1 == size


def _years(years: Sequence[int]) -> str:
    return "、".join(str(y) for y in years)


def _running(
    by_year: Mapping[int, YearRow], year: int, test: Callable[[YearRow], bool]
) -> list[int]:
    """The years ending at `year`, consecutive, whose row passes `test` (oldest first)."""
    run: list[int] = []
    y = year
    while (row := by_year.get(y)) is not None and test(row) and len(run) <= LOOK_BACK:
        run.append(y)
        y -= 1
    return run[::-1]


def year_consequences(
    *, year: int, rows: Iterable[YearRow], tied: Mapping[TieKey, int]
) -> list[Decision]:
    """The consequences of `year` for every person with a row of that year in `rows`;
    `rows` also holds their rows of the years before (up to LOOK_BACK), `tied` the tie
    sizes of every (year, unit, rank) among them (`tie_counts` over each year's rows)."""
    by_person: dict[int, dict[int, YearRow]] = defaultdict(dict)
    for r in rows:
        by_person[r.person_id][r.year] = r
    decisions: list[Decision] = []
    for by_year in by_person.values():
        current = by_year.get(year)
        if current is None:
            continue

        def add(kind: Kind, citation: str, row: YearRow = current) -> None:
            decisions.append(Decision(row.person_id, year, None, kind, row.unit_id, citation))

        last = _running(by_year, year, lambda r: is_last(r, tied))
        if len(last) == 1:
            add(
                Kind.REMINDER_TALK,
                _(
                    "Last place in the unit's annual ranking of %(years)s: a reminder talk "
                    "by the unit's main leader."
                )
                % {"years": _years(last)},
            )
        elif len(last) == 2:
            add(
                Kind.ADMONITION_TALK,
                _(
                    "Last place in the unit's annual ranking two years running "
                    "(%(years)s): an admonition talk."
                )
                % {"years": _years(last)},
            )
        elif len(last) > 2:
            add(
                Kind.ORG_HANDLING,
                _(
                    "Last place in the unit's annual ranking %(n)s years running "
                    "(%(years)s): a proposal of organizational handling to the "
                    "organization department."
                )
                % {"n": len(last), "years": _years(last)},
            )
        if current.grade == AnnualGrade.INCOMPETENT:
            add(
                Kind.DEMOTION,
                _("Graded 不称职 for %(year)s: demotion by one post or rank level.")
                % {"year": year},
            )
            add(
                Kind.NO_BONUS,
                _("Graded 不称职 for %(year)s: no year-end bonus.") % {"year": year},
            )
            incompetent = _running(by_year, year, lambda r: r.grade == AnnualGrade.INCOMPETENT)
            if len(incompetent) >= 2:
                add(
                    Kind.DISMISSAL_REVIEW,
                    _("Graded 不称职 two years running (%(years)s): a dismissal review.")
                    % {"years": _years(incompetent[-2:])},
                )
        elif current.grade == AnnualGrade.BASIC:
            add(
                Kind.NO_PROMOTION,
                _("Graded 基本称职 for %(year)s: no promotion of post or rank for one year.")
                % {"year": year},
            )
            add(
                Kind.NO_BONUS,
                _("Graded 基本称职 for %(year)s: no year-end bonus.") % {"year": year},
            )
    return decisions


def quarter_consequences(
    *, year: int, rows: Iterable[QuarterRow], failing: frozenset[str]
) -> list[Decision]:
    """The consequences of a year's published quarters: each person's first failing
    quarter (a grade in `failing`) → a talk by the unit head, the second → a notice of
    criticism in the unit, each in the quarter and the unit it happened in."""
    by_person: dict[int, list[QuarterRow]] = defaultdict(list)
    for r in rows:
        by_person[r.person_id].append(r)
    decisions: list[Decision] = []
    for person_id, quarters in by_person.items():
        failed = sorted((r for r in quarters if r.grade in failing), key=lambda r: r.quarter)
        if failed:
            first = failed[0]
            decisions.append(
                Decision(
                    person_id,
                    year,
                    first.quarter,
                    Kind.QUARTER_TALK,
                    first.unit_id,
                    _(
                        "First failing quarter of %(year)s (Q%(q)s, %(grade)s): a talk "
                        "by the unit head."
                    )
                    % {"year": year, "q": first.quarter, "grade": grade_label(first.grade)},
                ),
            )
        if len(failed) > 1:
            second = failed[1]
            decisions.append(
                Decision(
                    person_id,
                    year,
                    second.quarter,
                    Kind.UNIT_CRITICISM,
                    second.unit_id,
                    _(
                        "Second failing quarter of %(year)s (Q%(first)s and Q%(q)s): a "
                        "notice of criticism in the unit."
                    )
                    % {"year": year, "first": failed[0].quarter, "q": second.quarter},
                ),
            )
    return decisions
