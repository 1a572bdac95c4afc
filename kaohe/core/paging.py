"""Paging where the page already knows how many rows there are."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


class CountedPaginator(Paginator[Any]):
    """A Paginator told its row count, so that it does not run a COUNT of its own when
    the page has counted already (a GROUP BY of several lists in one query)."""

    def __init__(
        self, object_list: QuerySet[Any] | Sequence[Any], per_page: int, *, count: int
    ) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count
