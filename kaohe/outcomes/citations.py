"""The lists' words: each list's name and rule, and each reason of an entry in plain
Chinese (English msgids, translated in the locale like every page string)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.utils.translation import gettext as _

from kaohe.outcomes.rules import ListKind, ListPolicy, Reason, Why, share_percent


def list_title(kind: ListKind | str) -> str:
    titles = {
        ListKind.PROMOTION: _("Promotion to a leading post"),
        ListKind.AWARD: _("Awards"),
        ListKind.COMMENDATION: _("Commendation (嘉奖)"),
        ListKind.MERIT: _("Third-class merit (记三等功)"),
        ListKind.TENURE: _("Shorter tenure for the next rank"),
        ListKind.PAY: _("Pay steps and levels"),
        ListKind.PRIORITY: _("Priority: all four quarters 好"),
        ListKind.PROSPECT: _("Good prospects (好苗子) for training"),
        ListKind.TRAINING: _("Targeted training"),
        ListKind.BONUS_CUT: _("Bonus cuts (for the finance office)"),
    }
    try:
        return titles[ListKind(kind)]
    except ValueError:
        return "—"


def list_rule(kind: ListKind, policy: ListPolicy) -> str:
    """The rule of a list, stated at the top of its page, with the region's figures."""
    p = policy
    rules: dict[ListKind, Callable[[], str]] = {
        ListKind.PROMOTION: lambda: (
            _(
                "R6.2: the year's composite score in the top %(pct)s%% of the same rank tier "
                "(rank ≤ people in the tier × %(pct)s%%, rounded down; people tied at a rank "
                "inside the line are all in), or at least one 优秀 in the last %(n)s years "
                "(imported years count)."
            )
            % {"pct": share_percent(p.promotion_top_share), "n": p.promotion_excellent_years}
        ),
        ListKind.AWARD: lambda: (
            _(
                "R6.3: the year's composite score in the top %(pct)s%% of the same rank tier "
                "(rounded down; ties at a rank inside the line are all in)."
            )
            % {"pct": share_percent(p.award_top_share)}
        ),
        ListKind.COMMENDATION: lambda: _("R5.13: a year graded 优秀 earns a 嘉奖."),
        ListKind.MERIT: lambda: (
            _(
                "R6.5: %(n)s 优秀 years in a row earn a 记三等功; each further run of %(n)s "
                "years in a row earns another (a year missing from the archive breaks the run)."
            )
            % {"n": p.merit_excellent_years}
        ),
        ListKind.TENURE: lambda: (
            _(
                "R6.4: each 优秀 shortens the tenure needed for the next 职级 by %(m)s months. "
                "kaohe does not hold the date of the last promotion: every 优秀 in the archive "
                "is counted, and the years counted are shown."
            )
            % {"m": p.tenure_cut_months}
        ),
        ListKind.PAY: lambda: (
            _(
                "R5.13: every %(s)s years at 称职 or better (cumulative) → one 工资档次; every "
                "%(l)s years → one 级别. 基本称职, 不称职 and years without a grade do not count "
                "and do not reset the count. Listed: those whose year completes a step or a level; "
                "the years counted are every year in the archive."
            )
            % {"s": p.pay_step_years, "l": p.pay_level_years}
        ),
        ListKind.PRIORITY: lambda: _(
            "R5.5: all four quarters graded 好 → priority for awards, training and promotion."
        ),
        ListKind.PROSPECT: lambda: (
            _(
                "R6.7: at least %(n)s quarters graded 好 in the year → a good prospect (好苗子), "
                "tracked for training."
            )
            % {"n": p.prospect_good_quarters}
        ),
        ListKind.TRAINING: lambda: _(
            "R6.7: a quarter graded 一般 (or 较差) in the year → targeted training."
        ),
        ListKind.BONUS_CUT: lambda: (
            _(
                "R5.7: each quarter graded 一般 (or 较差) cuts the year-end bonus by %(p)s%%; "
                "R5.13: a year graded 基本称职 or 不称职 has no year-end bonus."
            )
            % {"p": p.bonus_cut_percent}
        ),
    }
    return rules[kind]()


def _years(years: Sequence[int]) -> str:
    return "、".join(str(y) for y in years)


def reason_text(why: Why | str, figures: Sequence[int]) -> str:
    """One reason in plain Chinese, e.g. "2025 年度综合得分在同职级层次前 50%（第 12 名 /
    共 40 人）"."""
    f = list(figures)
    if why == Why.TOP_SHARE:
        return _(
            "%(year)s composite score in the top %(pct)s%% of the rank tier "
            "(rank %(rank)s of %(size)s)"
        ) % {"year": f[0], "rank": f[1], "size": f[2], "pct": f[3]}
    if why == Why.EXCELLENT_RECENT:
        return _("优秀 in the last years (%(a)s–%(b)s): %(years)s") % {
            "a": f[0],
            "b": f[1],
            "years": _years(f[2:]),
        }
    if why == Why.EXCELLENT_YEAR:
        return _("graded 优秀 for %(year)s: 嘉奖") % {"year": f[0]}
    if why == Why.EXCELLENT_RUN:
        return _("%(run)s 优秀 years in a row (%(a)s–%(b)s): 记三等功") % {
            "run": f[0],
            "a": f[1],
            "b": f[2],
        }
    if why == Why.TENURE:
        return _(
            "%(n)s 优秀 in the archive (%(a)s–%(b)s), %(each)s months each: "
            "tenure for the next 职级 shorter by %(m)s months"
        ) % {"n": f[0], "m": f[1], "a": f[2], "b": f[3], "each": f[4]}
    if why == Why.PAY:
        parts = []
        if f[5]:
            parts.append(_("one 工资档次"))
        if f[6]:
            parts.append(_("one 级别"))
        return _(
            "%(n)s years at 称职 or better in the archive (%(a)s–%(b)s, cumulative): %(what)s"
        ) % {"n": f[0], "a": f[1], "b": f[2], "what": "、".join(parts)}
    if why == Why.ALL_GOOD:
        return _("all four quarters of %(year)s graded 好") % {"year": f[0]}
    if why == Why.PROSPECT:
        return _("%(good)s quarters of %(year)s graded 好 (at least %(n)s)") % {
            "year": f[0],
            "good": f[1],
            "n": f[2],
        }
    if why == Why.BELOW_PAR:
        return _("%(year)s: %(a)s quarters graded 一般, %(p)s graded 较差") % {
            "year": f[0],
            "a": f[1],
            "p": f[2],
        }
    if why == Why.BONUS_CUT:
        return _(
            "%(n)s quarters of %(year)s graded 一般 or lower, %(each)s%% each: "
            "year-end bonus cut by %(all)s%%"
        ) % {"year": f[0], "n": f[1], "each": f[2], "all": f[3]}
    if why == Why.NO_BONUS:
        return _("graded 基本称职 or 不称职 for %(year)s: no year-end bonus") % {"year": f[0]}
    return "—"


def citation(reasons: Sequence[Sequence[object]]) -> str:
    """An entry's stored reasons ([[code, *figures], …]) as one sentence."""
    texts = []
    for reason in reasons:
        code, *figures = reason
        texts.append(reason_text(str(code), [int(str(x)) for x in figures]))
    return "；".join(texts)


def reasons_stored(reasons: Sequence[Reason]) -> list[list[object]]:
    return [[str(r.why), *r.figures] for r in reasons]
