"""The org domain's endpoints: the unit tree as the units page shows it (its top, or the
units under one unit) and one unit's head, each 404 outside what the user may see."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema

from kaohe.core import clock
from kaohe.core.http import MAX_ID, AuthedRequest
from kaohe.org import selectors

router = Router(tags=["org"])

MAX_TREE_PAGE = 1000  # as the tree page: no deeper page is ever asked for


class UnitNodeOut(Schema):
    id: int
    name: str
    head_count: int  # the unit's own cadres today
    # With its subordinate units'; None where the user may not see the whole subtree.
    subtree_head_count: int | None
    child_count: int  # subordinate units the user may open under it


class UnitLevelOut(Schema):
    units: list[UnitNodeOut]
    page: int
    has_next: bool


class PoolOut(Schema):
    name: str
    kind: str
    kind_label: str
    others: list[str]  # the other units of the pool


class UnitOut(Schema):
    id: int
    name: str
    code: str
    unit_type: str
    unit_type_label: str
    unit_kind: str
    unit_kind_label: str
    parent: str | None  # the supervising unit's name
    category: str | None  # the performance category's name
    is_pilot: bool  # a pilot unit this year
    pool: PoolOut | None  # the unit's quota pool this year


class TreeQuery(Schema):
    parent: int | None = None
    page: int = 1


@router.get(
    "",
    response=UnitLevelOut,
    summary="The units I may see: the top of my tree, or those directly under ?parent=",
)
def units(request: HttpRequest, query: Query[TreeQuery]) -> UnitLevelOut:
    req = AuthedRequest.of(request)
    today = clock.today()
    page = min(max(query.page, 1), MAX_TREE_PAGE)
    if query.parent is None:
        level = selectors.unit_tree_roots(req.user, today, page)
    else:  # Http404 for a unit the user may not see
        level = selectors.unit_tree_children(req.user, query.parent, today, page)
    return UnitLevelOut(
        units=[
            UnitNodeOut(
                id=n.unit_id,
                name=n.name,
                head_count=n.head_count,
                subtree_head_count=n.subtree_head_count,
                child_count=n.child_count,
            )
            for n in level.nodes
        ],
        page=level.page,
        has_next=level.has_next,
    )


@router.get("/{unit_id}", response=UnitOut, summary="One unit I may see (404 otherwise)")
def unit(request: HttpRequest, unit_id: int) -> UnitOut:
    req = AuthedRequest.of(request)
    # No unit has a larger id (the page's URL takes none): SQLite cannot even bind it.
    if not 0 < unit_id <= MAX_ID:
        raise Http404
    head = selectors.unit_head(req.user, unit_id, clock.today().year)  # Http404 outside
    pool = head.pool
    return UnitOut(
        id=head.pk,
        name=head.name,
        code=head.code,
        unit_type=head.unit_type,
        unit_type_label=head.unit_type_label,
        unit_kind=head.unit_kind,
        unit_kind_label=head.unit_kind_label,
        parent=head.parent_name,
        category=head.category_name,
        is_pilot=head.is_pilot,
        pool=PoolOut(name=pool.name, kind=pool.kind, kind_label=pool.kind_label, others=pool.others)
        if pool
        else None,
    )
