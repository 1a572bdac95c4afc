"""Sealed ballot boxes: what the database keeps of a rater group's ballots while they
are fewer than k + 1, unreadable without a key that is never in the database.

A box holds the running tally of one (round, unit, rater group): per target and
aspect how many scores, their sum, the lowest and the highest, and how many ballots
were valid or void. While it holds few ballots, that tally is (nearly) those ballots,
and participation says who cast them; so it is kept encrypted (AES-256-GCM, the
box's identity as associated data, so a sealed box cannot be moved to another) and
opened only when the group reaches k + 1 valid ballots or the round closes
(docs/decisions.md, "Anonymity: the threat model").

The plaintext has a fixed layout and every target and aspect of the ballot sheet has
an entry from the first ballot on, so the sealed length says nothing about the values
or about whether a ballot was void.

The key comes from KAOHE_BALLOT_KEY (32 bytes, URL-safe base64) or, where that is
not set, is derived from the secret key; both come from the environment.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from dataclasses import dataclass, field
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from kaohe.core.errors import ApplicationError
from kaohe.org.models import ASPECTS

NONCE_BYTES = 12
_HEADER = struct.Struct("<II")  # valid ballots, void ballots
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

    valid: int = 0
    void: int = 0
    entries: dict[tuple[int, str], Entry] = field(default_factory=dict)

    def add_ballot(
        self, sheet: list[tuple[int, str]], values: dict[tuple[int, str], int] | None
    ) -> None:
        """Fold one ballot in: `sheet` lists every (target, aspect) it covers, `values`
        its scores, or None for a void ballot (counted, no scores)."""
        for key in sheet:
            self.entries.setdefault(key, Entry())
        if values is None:
            self.void += 1
            return
        self.valid += 1
        for key, value in values.items():
            self.entries.setdefault(key, Entry()).add(value)

    def pack(self) -> bytes:
        parts = [_HEADER.pack(self.valid, self.void)]
        for (target, aspect), e in sorted(self.entries.items()):
            parts.append(
                _ENTRY.pack(target, ASPECT_CODES.index(aspect), e.count, e.total, e.low, e.high)
            )
        return b"".join(parts)

    @classmethod
    def unpack(cls, data: bytes) -> BoxTally:
        valid, void = _HEADER.unpack_from(data)
        entries = {}
        for offset in range(_HEADER.size, len(data), _ENTRY.size):
            target, aspect, count, total, low, high = _ENTRY.unpack_from(data, offset)
            entries[(target, ASPECT_CODES[aspect])] = Entry(count, total, low, high)
        return cls(valid, void, entries)


@cache
def _key(configured: str, secret: str) -> bytes:
    if configured:
        try:
            key = base64.urlsafe_b64decode(configured.encode() + b"==")
        except ValueError:
            key = b""
        if len(key) != 32:
            raise ApplicationError(
                "KAOHE_BALLOT_KEY must be 32 bytes in URL-safe base64 "
                "(python -c 'import secrets,base64; print(base64.urlsafe_b64encode("
                "secrets.token_bytes(32)).decode())')"
            )
        return key
    return hashlib.sha256(b"kaohe ballot seal\x00" + secret.encode()).digest()


def _aead() -> AESGCM:
    return AESGCM(_key(getattr(settings, "BALLOT_KEY", ""), settings.SECRET_KEY))


def _identity(round_id: int, unit_id: int, group: str) -> bytes:
    return f"kaohe-box:{round_id}:{unit_id}:{group}".encode()


def seal(tally: BoxTally, *, round_id: int, unit_id: int, group: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + _aead().encrypt(nonce, tally.pack(), _identity(round_id, unit_id, group))


def unseal(sealed: bytes | memoryview, *, round_id: int, unit_id: int, group: str) -> BoxTally:
    data = bytes(sealed)
    nonce, body = data[:NONCE_BYTES], data[NONCE_BYTES:]
    return BoxTally.unpack(_aead().decrypt(nonce, body, _identity(round_id, unit_id, group)))
