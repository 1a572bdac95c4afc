"""Reading an Excel download back in tests, through the same checked reader as uploads."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

from django.http import FileResponse, HttpResponseBase

from kaohe.core.workbooks import XLSX_CONTENT_TYPE, Limits, open_upload

LIMITS = Limits(max_bytes=50 * 1024 * 1024, max_rows=100_000)


def read_download(
    response: HttpResponseBase, filename: str | None = None
) -> dict[str, list[tuple[Any, ...]]]:
    """Sheet title → rows (header first) of a streamed .xlsx download, after checking
    that it is one: streamed, typed, named in the RFC 5987 form."""
    assert response.status_code == 200
    assert isinstance(response, FileResponse) and response.streaming
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=UTF-8''") and disposition.endswith(".xlsx")
    if filename is not None:
        assert quote(filename) in disposition
    data = b"".join(response.streaming_content)  # type: ignore[arg-type]
    out: dict[str, list[tuple[Any, ...]]] = {}
    with open_upload(io.BytesIO(data), size=len(data), limits=LIMITS) as book:
        for name in book.sheet_names:
            rows = [values for _n, values in book.rows(name)]
            # A row read back is as long as its last cell; pad to the header's width.
            width = len(rows[0]) if rows else 0
            out[name] = [tuple(row) + (None,) * (width - len(row)) for row in rows]
    return out
