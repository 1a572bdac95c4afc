"""Parts of a cadre's archived year that the apps above outcomes keep: due process's
signed notice and its 复核 / 申诉 decisions (R5.12) belong in the archive (R6.1), but
outcomes cannot import them (the layers). They register a section here from their
AppConfig.ready; the archive's page and PDF show every registered section, in the
order registered, as a titled table.

A section function reads in a fixed number of queries (the archive page's count
must not grow with what it shows) and returns None when it has nothing to say.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kaohe.org.models import Person


@dataclass(frozen=True)
class ArchiveSection:
    key: str  # the section's id on the page (letters and dashes)
    title: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)
    empty: str = ""  # shown instead of the table when there are no rows


SectionFunction = Callable[[Person, int], ArchiveSection | None]
_SECTIONS: list[SectionFunction] = []


def register_section(function: SectionFunction) -> SectionFunction:
    """Register `function` (once: registering it again changes nothing)."""
    if function not in _SECTIONS:
        _SECTIONS.append(function)
    return function


def sections_for(person: Person, year: int) -> list[ArchiveSection]:
    """The registered sections of `person`'s `year`, those with something to show."""
    return [s for s in (f(person, year) for f in _SECTIONS) if s is not None]
