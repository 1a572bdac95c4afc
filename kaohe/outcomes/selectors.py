"""Reads of the outcomes domain (用实绩), given the acting user and scoped to what they
may see (404 outside it). Each part of issue 16 keeps its selectors in one block below."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.http import Http404

from kaohe.accounts.access import is_region_admin
from kaohe.accounts.models import User
from kaohe.outcomes.models import RecordSource, YearRecord
from kaohe.scoring.engine import AnnualGrade

# ---------------------------------------------------------------- priors: years before kaohe


@dataclass(frozen=True)
class ImportedYear:
    year: int
    people: int
    excellent: int
    basic: int
    incompetent: int


def imported_years(user: User) -> list[ImportedYear]:
    """The region's imported years, each with its people and its grades counted: one
    grouped query, whatever the number of people. The assessment office only (404)."""
    if not is_region_admin(user) or user.region_id is None:
        raise Http404
    rows = (
        YearRecord.objects.filter(region_id=user.region_id, source=RecordSource.IMPORTED)
        .values("year")
        .annotate(
            people=Count("id"),
            excellent=Count("id", filter=Q(grade=AnnualGrade.EXCELLENT)),
            basic=Count("id", filter=Q(grade=AnnualGrade.BASIC)),
            incompetent=Count("id", filter=Q(grade=AnnualGrade.INCOMPETENT)),
        )
        .order_by("year")
    )
    return [
        ImportedYear(r["year"], r["people"], r["excellent"], r["basic"], r["incompetent"])
        for r in rows
    ]
