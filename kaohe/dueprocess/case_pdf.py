"""The case file (案卷) as one printable PDF: the notice, each case of it (复核, then
申诉) with its request, evidence list, extension and decision, and every step with
its date. Drawn on demand from the rows with the house helpers (kaohe.core.pdf)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from kaohe.core.pdf import a4_document, grid_table, para, register_fonts
from kaohe.dueprocess import selectors
from kaohe.dueprocess.models import Case
from kaohe.scoring.explain import grade_label


def _d(value: object) -> str:
    return value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else "—"


def case_file_bytes(case: Case) -> bytes:
    register_fonts()
    notice = case.notice
    story: list[Flowable] = [
        para(
            _("Case file: %(name)s, result of %(year)s")
            % {"name": case.person.name, "year": case.year},
            "title",
        ),
        para(_("Written notice"), "heading"),
        grid_table(
            [
                [_("Name"), _("Unit"), _("Year"), _("Grade as notified"), _("Issued on")],
                [
                    case.person.name,
                    notice.unit.name if notice.unit else "—",
                    str(notice.year),
                    grade_label(notice.grade),
                    _d(notice.issued_on),
                ],
            ]
        ),
    ]
    for c in selectors.notice_cases(notice):
        evidence = selectors.case_evidence(c)
        story.append(
            para(
                _("%(kind)s filed on %(day)s")
                % {"kind": c.get_kind_display(), "day": _d(c.filed_on)},
                "heading",
            )
        )
        story.append(para(_("Request")))
        story.append(para(c.request_text, "small"))
        story.append(para(_("Evidence")))
        if evidence:
            story.append(
                grid_table(
                    [[_("Added on"), _("Statement"), _("File")]]
                    + [[_d(e.added_at), e.text or "—", e.file_name or "—"] for e in evidence]
                )
            )
        else:
            story.append(para(_("No evidence was added."), "small"))
        facts = [
            [_("Decision due on"), _d(c.due_on)],
            [_("State"), c.get_state_display()],
        ]
        if c.extended_on:
            facts.append(
                [
                    _("Extended"),
                    _("on %(day)s by %(days)s days: %(reason)s")
                    % {
                        "day": _d(c.extended_on),
                        "days": c.extended_days,
                        "reason": c.extension_reason,
                    },
                ]
            )
        if c.decided_on:
            facts.append([_("Decision"), c.get_outcome_display()])
            if c.new_composite is not None:
                facts.append([_("composite score after the decision"), str(c.new_composite)])
            if c.new_grade:
                facts.append([_("Grade after the decision"), grade_label(c.new_grade)])
            facts.append([_("Reasons"), c.reasons])
            facts.append([_("Decided on"), _d(c.decided_on)])
        story.append(grid_table([[_("Item"), _("Value")], *facts], widths=[40 * mm, 130 * mm]))
        story.append(para(_("Steps")))
        story.append(
            grid_table(
                [[_("Date"), _("Step")]]
                + [[_d(s.day), s.text] for s in selectors.case_steps(c, evidence)],
                widths=[30 * mm, 140 * mm],
            )
        )
        story.append(Spacer(1, 4 * mm))
    return a4_document(story, _("Case file"))
