"""What the office prints: a sheet of single-use codes for household visits (a PDF of
QR codes, twelve to an A4 page, each with the unit's and the survey's names and how to
answer), and a service window's open link as a QR code (SVG).

The QR's modules are drawn as reportlab rectangles from segno's matrix: vector, sharp
at any printer's resolution, and no image library. The plain codes exist only in the
request that printed them: the database keeps their digests."""

from __future__ import annotations

import io
from collections.abc import Sequence

import segno
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from kaohe.core.pdf import register_fonts
from kaohe.surveys.models import Target

COLUMNS, ROWS = 3, 4
MARGIN = 12 * mm
QR_SIZE = 40 * mm


def code_url(request: HttpRequest, code: str) -> str:
    """The absolute address a household visit's code opens (the public answer page)."""
    return request.build_absolute_uri(reverse("survey_public:code", args=[code]))


def window_url(request: HttpRequest, target: Target) -> str:
    """The absolute address of a service window's open link (H1's pages name it "open")."""
    return request.build_absolute_uri(reverse("survey_public:open", args=[target.open_key]))


def target_label(target: Target) -> str:
    """The target as a sheet names it: the unit, and its window or cadre."""
    parts = [target.unit.name]
    if target.window:
        parts.append(target.window)
    if target.person is not None:
        parts.append(target.person.name)
    return " · ".join(parts)


def _draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    """The QR code of `data` with its lower left corner at (x, y), `size` wide, quiet
    zone included."""
    qr = segno.make(data, error="m")
    matrix = [list(row) for row in qr.matrix_iter(border=2)]
    module = size / len(matrix)
    canvas.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(matrix):
        top = y + size - (r + 1) * module
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                # A run of dark modules as one rectangle: a page draws in a blink.
                canvas.rect(x + start * module, top, (c - start) * module, module, stroke=0, fill=1)
            else:
                c += 1


def code_sheet(
    *, request: HttpRequest, target: Target, survey_name: str, codes: Sequence[str]
) -> bytes:
    """The codes' sheet: each cell a QR of the code's address, the unit and the survey,
    and a line on how to answer; dashed cutting lines between the cells."""
    font = register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{survey_name} {target_label(target)}")
    canvas.setAuthor("kaohe")
    width, height = A4
    cell_w = (width - 2 * MARGIN) / COLUMNS
    cell_h = (height - 2 * MARGIN) / ROWS
    label = target_label(target)
    how = _("Scan with your phone to answer; each code answers once.")
    anonymous = _("Anonymous: your answers cannot be traced to you.")
    per_page = COLUMNS * ROWS
    for n, code in enumerate(codes):
        slot = n % per_page
        if slot == 0 and n:
            canvas.showPage()
        col, row = slot % COLUMNS, slot // COLUMNS
        x0 = MARGIN + col * cell_w
        y0 = height - MARGIN - (row + 1) * cell_h
        canvas.setDash(2, 3)
        canvas.setLineWidth(0.3)
        canvas.rect(x0, y0, cell_w, cell_h, stroke=1, fill=0)
        canvas.setDash()
        _draw_qr(
            canvas, code_url(request, code), x0 + (cell_w - QR_SIZE) / 2, y0 + 22 * mm, QR_SIZE
        )
        centre = x0 + cell_w / 2
        canvas.setFont(font, 9)
        canvas.drawCentredString(centre, y0 + 17 * mm, _fit(survey_name, 18))
        canvas.setFont(font, 10)
        canvas.drawCentredString(centre, y0 + 12 * mm, _fit(label, 16))
        canvas.setFont(font, 6.5)
        canvas.drawCentredString(centre, y0 + 7 * mm, _fit(how, 28))
        canvas.drawCentredString(centre, y0 + 3.5 * mm, _fit(anonymous, 28))
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _fit(text: str, most: int) -> str:
    """A line cut to `most` characters (a CJK character is about one em wide)."""
    return text if len(text) <= most else text[: most - 1] + "…"


def window_svg(url: str) -> bytes:
    """The open link's QR code as an SVG file for the window's poster."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=10, border=4, xmldecl=True)
    return out.getvalue()
