"""The one check of free text users type (logs, summaries, comments, notes, reasons).

A length rule is about what a reader sees: twelve zero-width spaces are not a
ten-character log. Characters that show nothing or change how the rest is shown
(zero-width spaces and joiners, bidi overrides and isolates, byte-order marks,
control characters) are refused rather than silently removed, so that what is
stored is exactly what the user sent, and the message says where to look.
"""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext as _

from kaohe.core.errors import ApplicationError, CoreErrorCode, ErrorCode

# Tab and line breaks are how typed text is laid out; every other control (Cc),
# format (Cf: zero-width, bidi, BOM, soft hyphen) or lone surrogate (Cs) is refused.
_LAYOUT = frozenset("\t\n\r")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


def _invisible(ch: str) -> bool:
    return ch not in _LAYOUT and unicodedata.category(ch) in _INVISIBLE_CATEGORIES


def visible_length(text: str) -> int:
    """How many characters a reader sees: no whitespace, no invisible characters."""
    return sum(1 for ch in text if not ch.isspace() and not _invisible(ch))


def clean_text(raw: str) -> str:
    """`raw` without surrounding whitespace; refused if it holds an invisible character."""
    text = raw.strip()
    found = [(i, ch) for i, ch in enumerate(text, start=1) if _invisible(ch)]
    if found:
        position, ch = found[0]
        raise ApplicationError(
            _(
                "The text contains %(count)s invisible character(s), the first (%(code)s) at "
                "character %(position)s. They often come with text copied from web pages or "
                "other programs; delete them (retyping the text there will do), then submit "
                "again."
            )
            % {"count": len(found), "code": f"U+{ord(ch):04X}", "position": position},
            code=CoreErrorCode.INVISIBLE_CHARACTERS,
        )
    return text


def bounded_text(raw: str, maximum: int, *, field: str, code: ErrorCode) -> str:
    """`raw` as clean_text reads it, refused when longer than `maximum` (its column's
    length): cutting it to fit would store less than the user sent, and say nothing."""
    text = clean_text(raw)
    if len(text) > maximum:
        raise ApplicationError(
            _(
                "%(field)s has %(n)s characters; at most %(max)s are allowed. "
                "Shorten it by %(over)s."
            )
            % {"field": field, "n": len(text), "max": maximum, "over": len(text) - maximum},
            code=code,
        )
    return text
