"""The eligibility lists (R5.5, R5.7, R5.13, R6.2–R6.5, R6.7): who stands on which list
for a year, decided from the archive's years (kaohe-computed and imported alike).

Pure: NamedTuples in, NamedTuples out, no ORM, no I/O, like scoring.engine. A year's
lists are read from each record's facts (`RecordFacts`: the year's figures and the
person's history up to it, kept on the YearRecord; `facts_of` states how a history
makes them). Each entry carries its reasons as codes with their figures (`Reason`);
`outcomes.citations` turns them into plain Chinese when a row is shown.

Choices made here (docs/decisions.md, "Eligibility lists: how the rules count"):
- Top share of the tier: `rank_in_tier <= tier_size × share`, compared exactly. With
  competition ranks (1, 2, 2, 4) everyone tied at a rank inside the cut is in; an odd
  tier rounds down (20 of 41 at one half); alone in a tier is not "the top half".
- 记三等功: when the run of 优秀 years ending this year is a positive multiple of the
  years needed (3, 6, 9 …): each further three-year run earns another, a fourth year
  does not. A year missing from the archive breaks the run.
- Pay counters: only 优秀 and 称职 years count; 基本称职, 不称职 and a year without a
  grade do not count and do not reset the count (the law's "累计").
- Counting years "since": the archive holds no date of the last promotion, so tenure
  and pay count every year in the archive up to this one, and say from which year.
- 一般 quarters: a quarter rated 一般 or lower (较差) counts for targeted training and
  for the bonus cut; a 基本称职 or 不称职 year has no year-end bonus at all (R5.13).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

EXCELLENT = "excellent"
COUNTING_GRADES = frozenset({"excellent", "competent"})
NO_BONUS_GRADES = frozenset({"basic", "incompetent"})
GOOD = "good"
BELOW_PAR = frozenset({"average", "poor"})  # 一般 and 较差


class ListKind(StrEnum):
    """The lists, in the order the lists page shows them. Stored: values never change."""

    PROMOTION = "promotion"  # R6.2 提拔任用领导职务
    AWARD = "award"  # R6.3 评先评优
    COMMENDATION = "commendation"  # R5.13 嘉奖
    MERIT = "merit"  # R6.5 记三等功
    TENURE = "tenure"  # R6.4 缩短晋升职级任职年限
    PAY = "pay"  # R5.13 晋升工资档次、级别
    PRIORITY = "priority"  # R5.5 四个季度均为好：优先
    PROSPECT = "prospect"  # R6.7 好苗子
    TRAINING = "training"  # R6.7 针对性培训
    BONUS_CUT = "bonus_cut"  # R5.7 扣减年度奖金


class Why(StrEnum):
    """Why an entry is on its list: each code's figures are listed beside it, and
    `outcomes.citations` has its words (a test fails on a code without them)."""

    TOP_SHARE = "top_share"  # year, rank, size, share %
    EXCELLENT_RECENT = "excellent_recent"  # first year, last year, *years of 优秀
    EXCELLENT_YEAR = "excellent_year"  # year
    EXCELLENT_RUN = "excellent_run"  # years in the run, first year, last year, needed
    TENURE = "tenure"  # times 优秀, months saved, first archived year, year, months each
    PAY = "pay"  # counted years, first archived year, year, step years, level years, steps?, level?
    ALL_GOOD = "all_good"  # year
    PROSPECT = "prospect"  # year, 好 quarters, needed
    BELOW_PAR = "below_par"  # year, quarters of 一般, quarters of 较差
    BONUS_CUT = "bonus_cut"  # year, quarters, % each, % in all
    NO_BONUS = "no_bonus"  # year (基本称职/不称职)


class Reason(NamedTuple):
    why: Why
    figures: tuple[int, ...]


class Entry(NamedTuple):
    """One person on one list for the year: `figure` is the list's number (months saved,
    years counted, % cut, 好 quarters …; 0 where a list has none)."""

    person_id: int
    kind: ListKind
    figure: int
    reasons: tuple[Reason, ...]


class YearFacts(NamedTuple):
    """One archived year of one person (a YearRecord's figures). A NamedTuple: a
    region's three years make close to a million of them."""

    person_id: int
    year: int
    grade: str
    rank_in_tier: int | None
    tier_size: int | None
    quarter_grades: Sequence[str]


class ListPolicy(NamedTuple):
    """The region's figures (OutcomesPolicy), with the law's defaults."""

    promotion_top_share: Decimal = Decimal("0.50")
    promotion_excellent_years: int = 3
    award_top_share: Decimal = Decimal("0.50")
    merit_excellent_years: int = 3
    tenure_cut_months: int = 6
    pay_step_years: int = 2
    pay_level_years: int = 5
    prospect_good_quarters: int = 3
    bonus_cut_percent: int = 10


def share_percent(share: Decimal) -> int:
    return int((share * 100).to_integral_value())


def in_top_share(rank: int | None, size: int | None, share: Decimal) -> bool:
    """rank ≤ size × share, exactly: ties share a rank and are all in; odd sizes round
    down (rank 20 of 41 is in the top half, 21 is not)."""
    if rank is None or size is None or rank <= 0:
        return False
    return Decimal(rank) <= Decimal(size) * share


def excellent_run(history: Sequence[YearFacts], year: int) -> int:
    """How many 优秀 years in a row end with `year` (a year missing breaks the run).
    `history` is one person's years, in any order."""
    excellent = {r.year for r in history if r.grade == EXCELLENT and r.year <= year}
    run = 0
    while year - run in excellent:
        run += 1
    return run


# The 优秀 years are kept as bits of one integer (`RecordFacts.excellent_years`): bit
# (y − FACTS_BASE_YEAR) for a year y. 63 bits (a signed 64-bit column) cover 2000–2062;
# the archive starts in 2000 (the import's first year).
FACTS_BASE_YEAR = 2000
FACTS_LAST_YEAR = FACTS_BASE_YEAR + 62


def year_bit(year: int) -> int:
    """The bit of `year` in `excellent_years` (0 outside 2000–2062)."""
    if FACTS_BASE_YEAR <= year <= FACTS_LAST_YEAR:
        return 1 << (year - FACTS_BASE_YEAR)
    return 0


def since_threshold(since: int) -> int | None:
    """ "An 优秀 in `since` or later" is `excellent_years >= since_threshold(since)`: the
    bits hold no year after the record's own, so any bit at or above since's is one.
    None: no year the bits can hold (after 2062)."""
    return year_bit(max(since, FACTS_BASE_YEAR)) or None


def bit_years(bits: int) -> list[int]:
    """The years whose bits are set, ascending."""
    return [FACTS_BASE_YEAR + i for i in range(bits.bit_length()) if bits >> i & 1]


class RecordFacts(NamedTuple):
    """One person's archived year with the facts of their history up to it: what the
    lists read. The database keeps the same on each YearRecord (services.
    year_facts_refresh computes them in SQL; `facts_of` is their statement here)."""

    person_id: int
    year: int
    grade: str
    rank_in_tier: int | None
    tier_size: int | None
    excellent_years: int  # bits, see FACTS_BASE_YEAR
    excellent_run: int
    counted_years: int
    first_year: int
    quarters_good: int
    quarters_average: int
    quarters_poor: int


def facts_of(history: Sequence[YearFacts], year: int) -> RecordFacts | None:
    """The facts of one person's `year` from their archived years (any order; years
    after `year` are not read); None when the archive does not hold that year."""
    current = next((r for r in history if r.year == year), None)
    if current is None:
        return None
    past = [r for r in history if r.year <= year]
    quarters = list(current.quarter_grades)
    return RecordFacts(
        person_id=current.person_id,
        year=year,
        grade=current.grade,
        rank_in_tier=current.rank_in_tier,
        tier_size=current.tier_size,
        excellent_years=sum(year_bit(r.year) for r in past if r.grade == EXCELLENT),
        excellent_run=excellent_run(past, year),
        counted_years=sum(1 for r in past if r.grade in COUNTING_GRADES),
        first_year=min(r.year for r in past),
        quarters_good=quarters.count(GOOD),
        quarters_average=quarters.count("average"),
        quarters_poor=quarters.count("poor"),
    )


def next_facts(prev: RecordFacts | None, current: YearFacts) -> RecordFacts:
    """The facts of `current` from those of the person's latest archived year before it
    (`prev`; None for their first): what the archive writes with a year's new records,
    which follow every year archived before them. Equal to `facts_of` over the whole
    history when `prev` is the latest earlier year (test_lists_sql checks it)."""
    excellent = current.grade == EXCELLENT
    bits = prev.excellent_years if prev else 0
    run = prev.excellent_run if prev and prev.year == current.year - 1 else 0
    quarters = list(current.quarter_grades)
    return RecordFacts(
        person_id=current.person_id,
        year=current.year,
        grade=current.grade,
        rank_in_tier=current.rank_in_tier,
        tier_size=current.tier_size,
        excellent_years=bits | year_bit(current.year) if excellent else bits,
        excellent_run=run + 1 if excellent else 0,
        counted_years=(prev.counted_years if prev else 0) + (current.grade in COUNTING_GRADES),
        first_year=prev.first_year if prev else current.year,
        quarters_good=quarters.count(GOOD),
        quarters_average=quarters.count("average"),
        quarters_poor=quarters.count("poor"),
    )


def person_entries(history: Sequence[YearFacts], year: int, policy: ListPolicy) -> list[Entry]:
    """Everything one person's archive puts them on for `year`: none unless the archive
    holds that year (the lists are of the year's assessed)."""
    facts = facts_of(history, year)
    return record_entries(facts, policy) if facts is not None else []


# Each list's rule: the facts of one record and the region's figures → its entry on
# that list, or None. One function per list, paired with its SQL predicate
# (outcomes.lists.list_q), so a page reading one list runs only that list's rule.


def _promotion(f: RecordFacts, policy: ListPolicy) -> Entry | None:
    """R6.2: top share of the tier in the year, or an 优秀 in the last N years."""
    reasons: list[Reason] = []
    rank, size = f.rank_in_tier, f.tier_size
    if in_top_share(rank, size, policy.promotion_top_share):
        assert rank is not None and size is not None
        pct = share_percent(policy.promotion_top_share)
        reasons.append(Reason(Why.TOP_SHARE, (f.year, rank, size, pct)))
    since = f.year - policy.promotion_excellent_years + 1
    recent = [y for y in bit_years(f.excellent_years) if y >= since] if f.excellent_years else []
    if recent:
        reasons.append(Reason(Why.EXCELLENT_RECENT, (since, f.year, *recent)))
    if not reasons:
        return None
    return Entry(f.person_id, ListKind.PROMOTION, len(recent), tuple(reasons))


def _award(f: RecordFacts, policy: ListPolicy) -> Entry | None:
    """R6.3: top share of the tier for awards."""
    rank, size = f.rank_in_tier, f.tier_size
    if not in_top_share(rank, size, policy.award_top_share):
        return None
    assert rank is not None and size is not None
    pct = share_percent(policy.award_top_share)
    return Entry(
        f.person_id, ListKind.AWARD, 0, (Reason(Why.TOP_SHARE, (f.year, rank, size, pct)),)
    )


def _commendation(f: RecordFacts, policy: ListPolicy) -> Entry | None:
    """R5.13: 嘉奖 for a year of 优秀."""
    if f.grade != EXCELLENT:
        return None
    return Entry(f.person_id, ListKind.COMMENDATION, 0, (Reason(Why.EXCELLENT_YEAR, (f.year,)),))


def _merit(f: RecordFacts, policy: ListPolicy) -> Entry | None:
    """R6.5: each full run of N 优秀 years in a row."""
    needed = max(policy.merit_excellent_years, 1)
    run = f.excellent_run
    if not run or run % needed:
        return None
    reason = Reason(Why.EXCELLENT_RUN, (run, f.year - run + 1, f.year, needed))
    return Entry(f.person_id, ListKind.MERIT, run, (reason,))


def _tenure(f: RecordFacts, policy: ListPolicy) -> Entry | None:
    """R6.4: each 优秀 in the archive shortens the tenure for the next 职级."""
    times = f.excellent_years.bit_count()
    if not times:
        return None
    months = times * policy.tenure_cut_months
    figures = (times, months, f.first_year, f.year, policy.tenure_cut_months)
    return Entry(f.person_id, ListKind.TENURE, months, (Reason(Why.TENURE, figures),))


def _pay(f: RecordFacts, policy: ListPolicy) -> Entry | None:
    """R5.13: cumulative years at 称职 or better; listed when the year completes a
    工资档次 or a 级别."""
    if f.grade not in COUNTING_GRADES:
        return None
    counted = f.counted_years
    step = policy.pay_step_years > 0 and counted % policy.pay_step_years == 0
    level = policy.pay_level_years > 0 and counted % policy.pay_level_years == 0
    if not (step or level):
        return None
    figures = (
        counted,
        f.first_year,
        f.year,
        policy.pay_step_years,
        policy.pay_level_years,
        int(step),
        int(level),
    )
    return Entry(f.person_id, ListKind.PAY, counted, (Reason(Why.PAY, figures),))


def _priority(f: RecordFacts, policy: ListPolicy) -> Entry | None:
    """R5.5: all four quarters 好."""
    if f.quarters_good != 4:
        return None
    return Entry(f.person_id, ListKind.PRIORITY, 4, (Reason(Why.ALL_GOOD, (f.year,)),))


def _prospect(f: RecordFacts, policy: ListPolicy) -> Entry | None:
    """R6.7: enough 好 quarters make a 好苗子."""
    needed, good = policy.prospect_good_quarters, f.quarters_good
    if needed <= 0 or good < needed:
        return None
    return Entry(
        f.person_id, ListKind.PROSPECT, good, (Reason(Why.PROSPECT, (f.year, good, needed)),)
    )


def _training(f: RecordFacts, policy: ListPolicy) -> Entry | None:
    """R6.7: a quarter of 一般 (or 较差) → targeted training."""
    below = f.quarters_average + f.quarters_poor
    if not below:
        return None
    reason = Reason(Why.BELOW_PAR, (f.year, f.quarters_average, f.quarters_poor))
    return Entry(f.person_id, ListKind.TRAINING, below, (reason,))


def _bonus_cut(f: RecordFacts, policy: ListPolicy) -> Entry | None:
    """R5.7: each quarter of 一般 or lower cuts the bonus; R5.13: none at all for a
    基本称职 or 不称职 year."""
    if f.grade in NO_BONUS_GRADES:
        return Entry(f.person_id, ListKind.BONUS_CUT, 100, (Reason(Why.NO_BONUS, (f.year,)),))
    below = f.quarters_average + f.quarters_poor
    if not below or not policy.bonus_cut_percent:
        return None
    cut = min(100, below * policy.bonus_cut_percent)
    reason = Reason(Why.BONUS_CUT, (f.year, below, policy.bonus_cut_percent, cut))
    return Entry(f.person_id, ListKind.BONUS_CUT, cut, (reason,))


RULES: dict[ListKind, Callable[[RecordFacts, ListPolicy], Entry | None]] = {
    ListKind.PROMOTION: _promotion,
    ListKind.AWARD: _award,
    ListKind.COMMENDATION: _commendation,
    ListKind.MERIT: _merit,
    ListKind.TENURE: _tenure,
    ListKind.PAY: _pay,
    ListKind.PRIORITY: _priority,
    ListKind.PROSPECT: _prospect,
    ListKind.TRAINING: _training,
    ListKind.BONUS_CUT: _bonus_cut,
}


def record_entries(
    facts: RecordFacts, policy: ListPolicy, only: ListKind | None = None
) -> list[Entry]:
    """The lists one archived year puts its person on, each with its reasons, from the
    record's facts alone, in the lists' order (`only`: that list's entry, if any). The
    SQL statement of each rule (outcomes.lists.list_q) lists exactly the records whose
    entry here is non-empty; test_lists_sql checks it on both databases."""
    kinds = (only,) if only is not None else tuple(ListKind)
    found = (RULES[kind](facts, policy) for kind in kinds)
    return [e for e in found if e is not None]


def derive(records: Iterable[YearFacts], year: int, policy: ListPolicy) -> Iterator[Entry]:
    """Every entry of the region's lists for `year`, person by person (ascending)."""
    by_person: dict[int, list[YearFacts]] = defaultdict(list)
    for record in records:
        by_person[record.person_id].append(record)
    for person_id in sorted(by_person):
        yield from person_entries(by_person[person_id], year, policy)
