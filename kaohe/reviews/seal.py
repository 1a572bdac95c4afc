"""Sealed ballot boxes and drafts: what the database keeps of ballots while a round is
open, unreadable without a key that is never in the database (decision 31).

A box holds the running tally of one (round, unit, rater group): per target and
aspect how many scores, their sum, the lowest and the highest, and how many ballots.
Participation says who cast them, and a tally of few ballots is those ballots; and a
plain tally updated ballot by ballot leaves its earlier versions in the database's
files (SQLite's WAL, PostgreSQL's dead tuples), so that one copy of the files would
let anyone subtract one version from the next. So every box stays sealed until the
round closes (AES-256-GCM; the box's identity is the associated data, so a sealed box
cannot be moved to another), and so does every draft.

The plaintext has a fixed layout and every target and aspect of the ballot sheet has
an entry from the first ballot on, so the sealed length says nothing about the values.

The key comes from KAOHE_BALLOT_KEY (32 bytes, URL-safe base64) or, where that is
not set, is derived from the secret key; both come from the environment.
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass, field
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils.translation import gettext as _

from kaohe.core.errors import ApplicationError
from kaohe.org.models import ASPECTS
from kaohe.reviews.errors import ReviewErrorCode

NONCE_BYTES = 12
_HEADER = struct.Struct("<I")  # ballots
_ENTRY = struct.Struct("<qBIIHH")  # target, aspect index, count, total, low, high
ASPECT_CODES: tuple[str, ...] = ("", *(str(a) for a in ASPECTS))  # "" is the overall score


@dataclass
class Entry:
    count: int = 0
    total: int = 0
    low: int = 0
    high: int = 0

    def add(self, value: int) -> None:
        self.low = value if self.count == 0 else min(self.low, value)
        self.high = value if self.count == 0 else max(self.high, value)
        self.count += 1
        self.total += value


@dataclass
class BoxTally:
    """The running tally of one box: ballots and, per (target, aspect), an Entry."""

    ballots: int = 0
    entries: dict[tuple[int, str], Entry] = field(default_factory=dict)

    def add_ballot(self, values: dict[tuple[int, str], int]) -> None:
        """Fold one ballot in: its score for every (target, aspect) it covers."""
        self.ballots += 1
        for key, value in values.items():
            self.entries.setdefault(key, Entry()).add(value)

    def pack(self) -> bytes:
        parts = [_HEADER.pack(self.ballots)]
        for (target, aspect), e in sorted(self.entries.items()):
            parts.append(
                _ENTRY.pack(target, ASPECT_CODES.index(aspect), e.count, e.total, e.low, e.high)
            )
        return b"".join(parts)

    @classmethod
    def unpack(cls, data: bytes) -> BoxTally:
        (ballots,) = _HEADER.unpack_from(data)
        entries = {}
        for offset in range(_HEADER.size, len(data), _ENTRY.size):
            target, aspect, count, total, low, high = _ENTRY.unpack_from(data, offset)
            entries[(target, ASPECT_CODES[aspect])] = Entry(count, total, low, high)
        return cls(ballots, entries)


@cache
def _key(configured: bytes, secret: str) -> bytes:
    # settings.BALLOT_KEY is checked at start-up (kaohe.env.env_key32).
    return configured or hashlib.sha256(b"kaohe ballot seal\x00" + secret.encode()).digest()


def _aead() -> AESGCM:
    return AESGCM(_key(settings.BALLOT_KEY, settings.SECRET_KEY))


def _identity(round_id: int, unit_id: int, group: str) -> bytes:
    return f"kaohe-box:{round_id}:{unit_id}:{group}".encode()


def _seal_bytes(data: bytes, identity: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + _aead().encrypt(nonce, data, identity)


def _unseal_bytes(sealed: bytes | memoryview, identity: bytes) -> bytes:
    data = bytes(sealed)
    try:
        return _aead().decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], identity)
    except InvalidTag:
        # The key changed since the ballots were sealed (or the row was altered).
        raise ApplicationError(
            _(
                "The sealed ballots cannot be opened with the ballot key the server has "
                "now; nothing was changed. Ask the system operator to restore the key "
                "that was in use when voting opened (KAOHE_BALLOT_KEY or KAOHE_SECRET_KEY)."
            ),
            code=ReviewErrorCode.BALLOT_KEY_CHANGED,
        ) from None


def seal(tally: BoxTally, *, round_id: int, unit_id: int, group: str) -> bytes:
    return _seal_bytes(tally.pack(), _identity(round_id, unit_id, group))


def unseal(sealed: bytes | memoryview, *, round_id: int, unit_id: int, group: str) -> BoxTally:
    return BoxTally.unpack(_unseal_bytes(sealed, _identity(round_id, unit_id, group)))


def _draft_identity(round_id: int, unit_id: int, rater_id: int) -> bytes:
    return f"kaohe-draft:{round_id}:{unit_id}:{rater_id}".encode()


_DRAFT_ENTRY = struct.Struct("<qBH")  # target, aspect index, score


def seal_draft(values: dict[str, int], *, round_id: int, unit_id: int, rater_id: int) -> bytes:
    """A draft's scores ({"12": 88, "12:de": 90}), sealed: its row names the rater, so
    its values must not be readable, nor its earlier versions once it is submitted and
    deleted. Fixed-width, so the length tells only how many scores are filled in."""
    packed = []
    for key, value in sorted(values.items()):
        target, _sep, aspect = key.partition(":")
        packed.append(_DRAFT_ENTRY.pack(int(target), ASPECT_CODES.index(aspect), value))
    return _seal_bytes(b"".join(packed), _draft_identity(round_id, unit_id, rater_id))


def unseal_draft(
    sealed: bytes | memoryview, *, round_id: int, unit_id: int, rater_id: int
) -> dict[str, int]:
    data = _unseal_bytes(sealed, _draft_identity(round_id, unit_id, rater_id))
    out = {}
    for offset in range(0, len(data), _DRAFT_ENTRY.size):
        target, aspect, value = _DRAFT_ENTRY.unpack_from(data, offset)
        code = ASPECT_CODES[aspect]
        out[f"{target}:{code}" if code else str(target)] = value
    return out
