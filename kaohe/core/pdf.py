"""PDF documents in Chinese (the archive, the official forms): reportlab with its
built-in CJK font, so nothing is vendored and nothing is installed beyond a wheel
(docs/decisions.md, "PDF: reportlab and its built-in CJK font").

`STSong-Light` is one of the Adobe CJK fonts every PDF reader carries: the file names
it and does not embed it, so a 50-page file stays small, and its text extracts (a test
reads the names and grades back)."""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from urllib.parse import quote
from xml.sax.saxutils import escape

from django.http import HttpResponse
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

FONT = "STSong-Light"


@functools.cache
def register_fonts() -> str:
    """Register the CJK font once per process; the font's name for styles."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    """The house paragraph styles: a title, a heading, body text, small print. CJK
    text wraps at any character (`wordWrap="CJK"`)."""
    font = register_fonts()
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=15, wordWrap="CJK")
    return {
        "title": ParagraphStyle(
            "title", parent=body, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=8
        ),
        "heading": ParagraphStyle(
            "heading", parent=body, fontSize=12.5, leading=18, spaceBefore=8, spaceAfter=4
        ),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=9, leading=12),
    }


def a4_document(story: list[Flowable], title: str) -> bytes:
    """The house A4 page (18 mm at the sides, 16 mm above and below) around `story`,
    titled `title` in the file's properties: the archive, the notice, the case file."""
    register_fonts()
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        author="kaohe",
    ).build(story)
    return out.getvalue()


def pdf_response(filename: str, content: bytes) -> HttpResponse:
    """A finished PDF sent as the download `filename` (RFC 5987 name, not cached)."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    return response


def para(text: object, style: str = "body") -> Paragraph:
    """Plain text as a paragraph of a house style: escaped (reportlab reads markup),
    line breaks kept."""
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), styles()[style])


def grid_table(rows: Sequence[Sequence[object]], widths: Sequence[float] | None = None) -> Table:
    """A ruled table of the house font: every cell a wrapped paragraph (long Chinese
    text breaks inside its cell), the first row a header on a grey ground."""
    cells = [[c if isinstance(c, Flowable) else para(c, "small") for c in row] for row in rows]
    t = Table(cells, colWidths=list(widths) if widths else None, repeatRows=1)
    t.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return t
