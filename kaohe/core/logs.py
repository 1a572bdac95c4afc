"""What the logs leave out: the respondent's pages of the public surveys.

A public survey's path carries a household's code (/s/c/<code>/) or a window's open
key, and a log line with it holds the client's address and the second it answered;
with the order of the stored rows that could tie a respondent to their answers. So
neither Django's request log ("Not Found: /s/c/<code>/", "Gone: ...") nor gunicorn's
access log writes a line for those paths.

Core imports nothing above it, so the prefix is a constant here, and kaohe/urls.py
mounts the public pages at it.
"""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.glogging import Logger  # type: ignore[import-untyped]

# The public surveys' mount point: kaohe/urls.py includes kaohe.surveys.public_urls here.
PUBLIC_PREFIX = "/s/"


def is_public_path(path: str) -> bool:
    """A path under the public surveys' prefix, also written with extra leading
    slashes (which a client may send; the line would still carry its code)."""
    return ("/" + path.lstrip("/")).startswith(PUBLIC_PREFIX)


class PublicPathFilter(logging.Filter):
    """Drops Django's request log records about a public survey page (its path is the
    record's `request.path`, and the first argument of the message)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if isinstance(path, str) and is_public_path(path):
            return False
        args = record.args if isinstance(record.args, tuple) else ()
        return not any(isinstance(a, str) and is_public_path(a) for a in args[:1])


class AccessLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger (`--logger-class kaohe.core.logs.AccessLogger`) without the
    access lines of the public survey pages; every other line as gunicorn writes it."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        path = environ.get("PATH_INFO") or ""
        raw = environ.get("RAW_URI") or ""
        if is_public_path(str(path)) or is_public_path(str(raw).partition("?")[0]):
            return
        super().access(resp, req, environ, request_time)
