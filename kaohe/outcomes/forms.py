"""The official forms as PDF: 公务员年度考核登记表 and 公务员平时考核登记表.

Each form is one bordered table on A4 in the 宋体 of `core.pdf`, its rows those of the
forms annexed to 《公务员考核规定》 and 《公务员平时考核办法（试行）》. What kaohe holds is
filled in (the person, their summary, the grades and their explanation, absences,
punishments); what the law has signed by hand (本人意见, signatures, seals, dates)
is left as the box with its label. A unit's forms are one document, a page (or more,
for a long summary) per person.

The wording is the forms' own fixed Chinese, as the roster file's headers are: the
form is a document shared with personnel offices, not a translated page
(docs/decisions.md, "Official forms: fixed Chinese wording"). Labels of grades and
punishment kinds come from their choices, rendered in Chinese whatever the request's
language.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from django.utils import translation
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from kaohe.conduct.models import DisciplineKind
from kaohe.core import clock
from kaohe.core.pdf import register_fonts, styles
from kaohe.org.models import Gender
from kaohe.outcomes.selectors import AnnualFormData, Discipline, QuarterFormData
from kaohe.scoring.engine import AnnualGrade, StepCode
from kaohe.scoring.explain import explain, grade_label

MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN
LABEL_WIDTH = 30 * mm
SIGNATURE = "签名：　　　　　　　　　年　　月　　日"
SEAL = "（盖章）　　　　　　　　　年　　月　　日"
# Punishments during whose period the year gets comments and no grade (记过 to 撤职).
NO_GRADE_KINDS = frozenset(
    {
        DisciplineKind.DEMERIT,
        DisciplineKind.MAJOR_DEMERIT,
        DisciplineKind.DEMOTION,
        DisciplineKind.REMOVAL,
    }
)
UNDETERMINED = frozenset({AnnualGrade.NONE, AnnualGrade.PENDING})


class _Styles:
    """The forms' paragraph styles, built once from the house's."""

    def __init__(self) -> None:
        base = styles()
        self.title = base["title"]
        self.body = base["body"]
        self.small = base["small"]
        self.subtitle = ParagraphStyle("form-subtitle", parent=base["body"], alignment=TA_CENTER)
        self.label = ParagraphStyle("form-label", parent=base["body"], alignment=TA_CENTER)
        self.right = ParagraphStyle("form-right", parent=base["body"], alignment=TA_RIGHT)


@functools.cache
def _st() -> _Styles:
    return _Styles()


def _p(text: str, style: ParagraphStyle | None = None) -> Paragraph:
    return Paragraph(escape(text), style or _st().body)


def _texts(text: str) -> list[Flowable]:
    """Free text as paragraphs, one per line written."""
    return [_p(line) for line in text.splitlines() if line.strip()]


def _box(content: Sequence[Flowable], tail: str, *, space: float = 10 * mm) -> list[Flowable]:
    """A box's content, room to write, and its signature or seal line."""
    return [*content, Spacer(1, space), _p(tail, _st().right)]


def _day(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _month(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月" if day else ""


def _gender(value: str) -> str:
    return str(Gender(value).label) if value in Gender.values else ""


def _number(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _discipline_line(d: Discipline) -> str:
    kind = str(DisciplineKind(d.kind).label) if d.kind in DisciplineKind.values else d.kind
    until = _day(d.end) if d.end else "今"
    return f"{kind}（{_day(d.start)}至{until}，{d.document}）"


def _table(
    rows: list[list[Any]], widths: Sequence[float], spans: Iterable[tuple[Any, ...]]
) -> Table:
    table = Table(rows, colWidths=list(widths), splitInRow=1, repeatRows=0)
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.8, "black"),
        ("BOX", (0, 0), (-1, -1), 1.5, "black"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 5),
        ("TOPPADDING", (0, 0), (-1, -1), 6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]
    commands += [("SPAN", *span) for span in spans]
    table.setStyle(TableStyle(commands))
    return table


def _label(text: str) -> Paragraph:
    return _p(text, _st().label)


def _heading(title: str, period: str, who: str) -> list[Flowable]:
    st = _st()
    return [_p(title, st.title), _p(period, st.subtitle), Spacer(1, 3 * mm), _p(who, st.small)]


def _footnote(text: str) -> list[Flowable]:
    return [Spacer(1, 3 * mm), _p(text, _st().small)]


# --- 公务员年度考核登记表 ---------------------------------------------------------------


def _suggestion(form: AnnualFormData) -> list[Flowable]:
    """主管领导评语和考核等次建议: the grade and the explanation of how it was found."""
    if not form.grade:
        return []
    out: list[Flowable] = [_p(f"考核等次建议：{grade_label(form.grade)}")]
    if form.steps:
        headline, lines = explain(form.steps)
        out += [_p(headline), *(_p(line) for line in lines)]
    return out


def _undetermined(form: AnnualFormData) -> list[str]:
    """未确定等次或不参加考核情况说明: why a year has no grade (试用期, 处分期间, 立案审查)."""
    if form.grade not in UNDETERMINED:
        return []
    codes = {step.get("code") for step in form.steps if isinstance(step, dict)}
    probation = "新录用公务员在试用期内，参加年度考核，只写评语，不确定等次。"
    reasons = [probation] if form.who.probation or StepCode.PROBATION in codes else []
    for d in form.discipline:
        if d.kind in NO_GRADE_KINDS:
            reasons.append(f"受{_discipline_line(d)}处分期间，只写评语，不确定等次。")
    if form.investigations or StepCode.INVESTIGATION in codes or form.grade == AnnualGrade.PENDING:
        detail = "；".join(form.investigations)
        reasons.append(
            "涉嫌违纪违法被立案审查调查，尚未结案，暂不确定等次，结案后再行确定"
            + (f"（{detail}）。" if detail else "。")
        )
    if not reasons:
        # The engine gives "none" for probation only.
        reasons.append(probation)
    return reasons


def annual_form(form: AnnualFormData) -> list[Flowable]:
    """One person's 年度考核登记表 as flowables (a table under its title)."""
    who = form.who
    label, p = _label, _p
    grade = (
        [p(f"考核等次：{grade_label(form.grade)}")]
        if form.grade and form.grade not in UNDETERMINED
        else []
    )
    rows: list[list[Any]] = [
        [label("姓名"), p(who.name), label("性别"), p(_gender(who.gender)), label("出生年月"),
         p(_month(who.birth_date))],
        [label("单位"), p(who.unit), "", "", "", ""],
        [label("职务"), p(who.post), "", "", label("职级"), p(who.rank)],
        [label("个人总结"), _box(_texts(form.summary), SIGNATURE, space=8 * mm), "", "", "", ""],
        [label("主管领导评语和考核等次建议"), _box(_suggestion(form), SIGNATURE), "", "", "", ""],
        [label("机关负责人或者考核委员会意见"), _box(grade, SEAL), "", "", "", ""],
        [
            label("未确定等次或者不参加考核情况说明"),
            _box([p(r) for r in _undetermined(form)], SEAL, space=6 * mm),
            "", "", "", "",
        ],
        [label("本人意见"), _box([], SIGNATURE, space=12 * mm), "", "", "", ""],
    ]  # fmt: skip
    widths = [LABEL_WIDTH, 33 * mm, 18 * mm, 27 * mm, 22 * mm]
    widths.append(WIDTH - sum(widths))
    spans = [((1, r), (5, r)) for r in (1, 3, 4, 5, 6, 7)] + [((1, 2), (3, 2))]
    source = "实绩档案" if form.archived else "已公布的年度考核结果"
    return [
        *_heading("公务员年度考核登记表", f"（{form.year}年度）", f"单位：{who.unit}"),
        _table(rows, widths, spans),
        *_footnote(
            f"本表由考核系统据{source}生成（{_day(clock.today())}）；签名、盖章处手写、加盖。"
        ),
    ]


# --- 公务员平时考核登记表 ---------------------------------------------------------------

QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


def quarter_form(form: QuarterFormData) -> list[Flowable]:
    """One person's 平时考核登记表 (a quarter) as flowables."""
    who = form.who
    label, p = _label, _p
    attendance = (
        f"旷工 {_number(form.absent_days)} 天；请假 {_number(form.leave_days)} 天；"
        f"迟到早退 {form.late_early_times} 次"
    )
    conduct = [p(f"{_discipline_line(d)}") for d in form.discipline] or [p("无")]
    proposal: list[Flowable] = []
    if form.proposed:
        proposal.append(p(f"等次建议：{grade_label(form.proposed)}"))
        if form.change_reason:
            proposal.append(p(f"调整理由：{form.change_reason}"))
    approved = [p(f"审定等次：{grade_label(form.approved)}")] if form.approved else []
    department = "　".join(x for x in (who.unit, who.post) if x)
    rows: list[list[Any]] = [
        [label("姓名"), p(who.name), label("部门及职务"), p(department)],
        [label("从事或分管工作"), p(who.post), "", ""],
        [label("个人小结"), _box(_texts(form.summary), SIGNATURE, space=8 * mm), "", ""],
        [label("考勤情况"), p(attendance), "", ""],
        [label("奖惩情况与不良行为记录"), conduct, "", ""],
        [label("主管领导点评和等次建议"), _box(proposal, SIGNATURE), "", ""],
        [label("机关审定意见"), _box(approved, SEAL), "", ""],
    ]
    widths = [LABEL_WIDTH, 52 * mm, LABEL_WIDTH]
    widths.append(WIDTH - sum(widths))
    spans = [((1, r), (3, r)) for r in range(1, 7)]
    return [
        *_heading(
            "公务员平时考核登记表",
            f"（{form.year}年{QUARTER_NAMES[form.quarter]}）",
            f"单位：{who.unit}",
        ),
        _table(rows, widths, spans),
        *_footnote(f"本表由考核系统生成（{_day(clock.today())}）；签名、盖章处手写、加盖。"),
    ]


# --- Documents ---------------------------------------------------------------------


def _document(title: str, pages: list[list[Flowable]]) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
        author="kaohe",
    )
    story: list[Flowable] = []
    for n, page in enumerate(pages):
        if n:
            story.append(PageBreak())
        story += page
    if not story:
        story = [_p(title, _st().title), _p("（本期无考核对象）", _st().subtitle)]
    doc.build(story)
    return buffer.getvalue()


def annual_pdf(forms: Sequence[AnnualFormData], title: str) -> bytes:
    """The 年度考核登记表 of each form's person, in order, as one PDF."""
    with translation.override("zh-hans"):
        return _document(title, [annual_form(f) for f in forms])


def quarter_pdf(forms: Sequence[QuarterFormData], title: str) -> bytes:
    """The 平时考核登记表 of each form's person, in order, as one PDF."""
    with translation.override("zh-hans"):
        return _document(title, [quarter_form(f) for f in forms])
