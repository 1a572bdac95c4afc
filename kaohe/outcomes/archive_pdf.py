"""The archive of one cadre's year as a PDF: the page's content (selectors.ArchiveView)
drawn with reportlab and the house styles (kaohe.core.pdf), on demand from the frozen
rows (docs/decisions.md, "The archive's PDF is drawn on demand")."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from kaohe.core.pdf import a4_document, grid_table, para
from kaohe.outcomes.selectors import ArchiveView

# The frame's width (A4 less the margins below). Every table gets its columns' widths:
# left to reportlab, a 200-character document (one unbroken run of Chinese) claimed
# more than the page and the PDF was a 500 ("negative availWidth").
FRAME = A4[0] - 36 * mm


def _cols(*shares: float) -> list[float]:
    """Column widths in proportion to `shares`, filling the frame."""
    total = sum(shares)
    return [FRAME * share / total for share in shares]


def _date(value: object) -> str:
    return value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else "—"


def _when(value: object) -> str:
    if hasattr(value, "strftime"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")  # type: ignore[arg-type]
    return "—"


def archive_story(a: ArchiveView) -> list[Flowable]:
    """The flowables of the archive, section by section as on the page."""
    story: list[Flowable] = [
        para(_("%(name)s: archive of %(year)s") % {"name": a.person.name, "year": a.year}, "title")
    ]
    r = a.record
    story.append(para(_("Published figures"), "heading"))
    if r is None:
        story.append(para(_("The year is not published yet: there is no archived record.")))
    else:
        story.append(
            grid_table(
                [
                    [_("Unit"), _("Post"), _("Rank tier"), _("Composite score"), _("Grade")],
                    [a.unit_name, a.post or "—", a.tier, r.composite or "—", a.grade],
                    [
                        _("Rank in the tier"),
                        _("Rank in the unit"),
                        _("Quarter grades"),
                        _("All four quarters 好"),
                        _("Frozen at"),
                    ],
                    [
                        _rank(r.rank_in_tier, r.tier_size),
                        _rank(r.rank_in_unit, r.unit_size),
                        "、".join(a.quarter_grades) or "—",
                        _("Yes") if r.priority else _("No"),
                        _when(r.frozen_at),
                    ],
                ],
                _cols(4, 3, 3, 2.5, 3),
            )
        )
    if a.headline or a.explanation:
        story.append(para(_("Why this grade"), "heading"))
        story.append(para(a.headline))
        story += [para(f"· {line}") for line in a.explanation]
    story.append(para(_("Quarters"), "heading"))
    quarters: list[list[object]] = [[_("Quarter"), _("Score"), _("Grade"), _("Rank in the unit")]]
    quarters += [
        [_("Quarter %(q)s") % {"q": q.quarter}, q.score, q.grade, _rank(q.rank, q.rank_total)]
        for q in a.quarters
    ]
    if not a.quarters:
        quarters.append([_("No published quarter."), "", "", ""])
    story.append(grid_table(quarters, _cols(1, 1, 1, 1)))
    story.append(para(_("Work logs"), "heading"))
    t = a.logs
    story.append(
        grid_table(
            [
                [_("Working days due"), _("Written"), _("On time"), _("Backfilled"), _("Missing")],
                [t.expected, t.written, t.on_time, t.backfilled, t.missing],
            ],
            _cols(1, 1, 1, 1, 1),
        )
    )
    story.append(para(_("Summaries"), "heading"))
    if not a.summaries:
        story.append(para(_("No summary written.")))
    for s in a.summaries:
        story.append(para(f"{s.title}（{s.timeliness}，{_when(s.written_at)}）", "small"))
        story.append(para(s.content))
    story.append(para(_("Rewards and penalties"), "heading"))
    if not (a.discipline or a.absences):
        story.append(para(_("None recorded.")))
    else:
        story.append(
            grid_table(
                [[_("Kind"), _("From"), _("To"), _("Details")]]
                + [[c.kind, _date(c.start), _date(c.end), c.detail] for c in a.discipline]
                + [[c.kind, _date(c.start), _date(c.end), c.detail] for c in a.absences],
                _cols(3, 2, 2, 7),
            )
        )
    story.append(para(_("Lists the year puts them on"), "heading"))
    if not a.eligibility:
        story.append(para(_("On no list this year.")))
    for e in a.eligibility:
        story.append(para(f"{e.title}：{e.citation}"))
    story.append(para(_("Consequences and what became of them"), "heading"))
    if not a.consequences:
        story.append(para(_("None.")))
    else:
        story.append(
            grid_table(
                [[_("Consequence"), _("Rule"), _("State"), _("Due"), _("Done on"), _("Note")]]
                + [
                    [c.kind, c.citation, c.state, _date(c.due_on), _date(c.done_on), c.note or "—"]
                    for c in a.consequences
                ],
                _cols(3, 5, 2, 2, 2, 5),
            )
        )
    for section in a.sections:
        story.append(para(section.title, "heading"))
        if section.rows:
            header = list(section.header)
            rows = [header] + [list(r) for r in section.rows]
            story.append(grid_table(rows, _cols(*[1] * len(header))))
        else:
            story.append(para(section.empty))
    story.append(para(_("Corrections"), "heading"))
    if not a.corrections:
        story.append(para(_("No correction since the year was frozen.")))
    else:
        story.append(
            grid_table(
                [[_("Figure"), _("Was"), _("Now"), _("Reason"), _("When")]]
                + [
                    [
                        c.field,
                        c.old,
                        c.new,
                        f"{c.reason}（{c.basis}）" if c.basis else c.reason,
                        _when(c.at),
                    ]
                    for c in a.corrections
                ],
                _cols(2, 2, 2, 5, 2),
            )
        )
    story.append(Spacer(1, 4 * mm))
    return story


def _rank(n: int | None, m: int | None) -> str:
    if not n or not m:
        return "—"
    return _("%(n)s of %(m)s") % {"n": n, "m": m}


def archive_pdf_bytes(a: ArchiveView) -> bytes:
    return a4_document(archive_story(a), f"{a.person.name} {a.year}")
