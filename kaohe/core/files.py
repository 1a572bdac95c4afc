"""Files of evidence: as a form receives them, typed by their content, and served back.

Due process's cases, the supervision ledger's findings and unit performance's month
reports keep evidence in the database (decision "Due process: 复核 and 申诉"): a
file is known by its first bytes, never by its name or the browser's word, refused
over 5 MB before anything else reads it, and served only as an attachment that the
browser may not sniff into something else. Each domain refuses with its own codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.http import HttpResponse
from django.utils.translation import gettext as _

from kaohe.core.errors import ApplicationError, ErrorCode

EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
# The file types evidence may be, known by their first bytes (a name says nothing).
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


@dataclass(frozen=True)
class Upload:
    """A file as the form received it."""

    name: str
    content: bytes


def evidence_type(upload: Upload, *, too_big: ErrorCode, bad_type: ErrorCode) -> str:
    """The content type of an evidence file, from its content; the domain's refusal
    (`too_big`, `bad_type`) otherwise."""
    if len(upload.content) > EVIDENCE_MAX_BYTES:
        raise ApplicationError(
            _("The file is larger than 5 MB: attach a smaller one."), code=too_big
        )
    for magic, content_type in SIGNATURES:
        if upload.content.startswith(magic):
            return content_type
    raise ApplicationError(
        _("Attach a PDF, JPEG or PNG file: this file is none of them."), code=bad_type
    )


def attachment(
    content: bytes | memoryview | None, content_type: str, file_name: str
) -> HttpResponse:
    """A kept file as a download: an attachment under its own name, never cached by
    another, never sniffed into another type."""
    response = HttpResponse(bytes(content or b""), content_type=content_type)
    name = quote(file_name or "evidence")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
