"""Reads of schemes, scoped by the acting user."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from kaohe.accounts.access import ADMIN_ROLES, can_manage_roster, region_id_of, scope_of
from kaohe.accounts.models import Role, User
from kaohe.core.selectors import HistoryLine, object_history
from kaohe.org.models import Unit
from kaohe.schemes.models import (
    EntryDeclaration,
    Indicator,
    IndicatorResult,
    Scheme,
    SchemeComment,
    SchemeVersion,
    VersionState,
)
from kaohe.worklogs.rules import Period

READER_ROLES = ADMIN_ROLES | {Role.UNIT_HEAD, Role.TEAM_MEMBER}


def visible_schemes(user: User) -> QuerySet[Scheme]:
    """Templates for administrators; a unit's schemes for its admins and leaders."""
    region = Q(region_id=region_id_of(user))
    templates = Q(role=Scheme.Role.TEMPLATE) if can_manage_roster(user) else Q(pk__in=[])
    units = Q(role=Scheme.Role.UNIT) & scope_of(user, READER_ROLES).unit_filter(prefix="unit__")
    return Scheme.objects.filter(region & (templates | units)).select_related("unit")


def version_get(user: User, scheme_id: int, number: int | None = None) -> SchemeVersion:
    scheme = visible_schemes(user).filter(pk=scheme_id).first()
    if scheme is None:
        raise Http404
    versions = scheme.versions.select_related("scheme", "scheme__unit", "based_on__scheme")
    version = (
        versions.filter(number=number).first() if number else versions.order_by("-number").first()
    )
    if version is None:
        raise Http404
    return version


def indicator_get(user: User, indicator_id: int) -> Indicator:
    indicator = (
        Indicator.objects.filter(pk=indicator_id, version__scheme__in=visible_schemes(user))
        .select_related("version__scheme__unit", "version__scheme__region", "parent")
        .first()
    )
    if indicator is None:
        raise Http404
    return indicator


@dataclass
class TreeNode:
    indicator: Indicator
    depth: int
    comments: list[SchemeComment] = field(default_factory=list)
    children: list[TreeNode] = field(default_factory=list)


def version_tree(version: SchemeVersion) -> tuple[list[TreeNode], list[SchemeComment]]:
    """The indicator tree (two queries) with each node's review comments, and the
    comments on the version as a whole."""
    rows = list(version.indicators.order_by("position", "id"))
    comments: dict[str | None, list[SchemeComment]] = defaultdict(list)
    for comment in SchemeComment.objects.filter(version__scheme=version.scheme).select_related(
        "author", "version"
    ):
        if comment.version_id == version.pk or comment.version.number == version.number - 1:
            comments[str(comment.indicator_key) if comment.indicator_key else None].append(comment)
    nodes = {row.pk: TreeNode(row, 0, comments.get(str(row.key), [])) for row in rows}
    roots: list[TreeNode] = []
    for row in rows:
        node = nodes[row.pk]
        (nodes[row.parent_id].children if row.parent_id else roots).append(node)

    def set_depth(items: list[TreeNode], depth: int) -> None:
        for item in items:
            item.depth = depth
            set_depth(item.children, depth + 1)

    set_depth(roots, 0)
    return roots, comments.get(None, [])


@dataclass
class DiffRow:
    path: str
    left: Indicator | None
    right: Indicator | None
    changes: list[str]


COMPARED = (
    "name",
    "description",
    "kind",
    "module",
    "dimension",
    "max_points",
    "per_occurrence",
    "cap",
    "weight",
)


def version_diff(left: SchemeVersion, right: SchemeVersion) -> list[DiffRow]:
    """Indicators side by side, matched by their stable key."""
    a = {i.key: i for i in left.indicators.select_related("parent")}
    b = {i.key: i for i in right.indicators.select_related("parent")}
    rows = []
    for key in list(a) + [k for k in b if k not in a]:
        old, new = a.get(key), b.get(key)
        changes = (
            [f for f in COMPARED if getattr(old, f) != getattr(new, f)]
            if old and new
            else ["added" if new else "removed"]
        )
        shown = new or old
        assert shown is not None
        path = f"{shown.parent.name} / {shown.name}" if shown.parent else shown.name
        rows.append(DiffRow(path, old, new, changes))
    return rows


def published_templates(user: User) -> QuerySet[SchemeVersion]:
    """The latest published version of each of the region's templates."""
    newer = SchemeVersion.objects.filter(
        scheme=OuterRef("scheme"), state=VersionState.APPROVED, number__gt=OuterRef("number")
    )
    return (
        SchemeVersion.objects.filter(
            scheme__region_id=region_id_of(user),
            scheme__role=Scheme.Role.TEMPLATE,
            state=VersionState.APPROVED,
        )
        .exclude(Exists(newer))
        .select_related("scheme")
    )


@dataclass(frozen=True)
class TemplateChoice:
    """A published template as the draft form offers it: what it is for and holds."""

    version: SchemeVersion
    description: str


def template_choices(user: User) -> list[TemplateChoice]:
    """Each published template with a Chinese description: its categories, how many
    indicators it has and its top-level indicators (three queries whatever the count)."""
    versions = list(
        published_templates(user)
        .select_related("scheme__personnel_category", "scheme__performance_category")
        .order_by("scheme__name", "pk")
    )
    ids = [v.pk for v in versions]
    counts: dict[int, int] = defaultdict(int)
    tops: dict[int, list[str]] = defaultdict(list)
    for version_id, parent_id, name in (
        Indicator.objects.filter(version_id__in=ids)
        .order_by("version_id", "position", "id")
        .values_list("version_id", "parent_id", "name")
    ):
        counts[version_id] += 1
        if parent_id is None:
            tops[version_id].append(name)
    out = []
    for v in versions:
        parts = []
        if v.scheme.personnel_category is not None:
            parts.append(_("for %(category)s") % {"category": v.scheme.personnel_category.name})
        if v.scheme.performance_category is not None:
            parts.append(
                _("units of the %(category)s category")
                % {"category": v.scheme.performance_category.name}
            )
        parts.append(
            _("%(n)s indicators in all; top level: %(tops)s")
            % {"n": counts[v.pk], "tops": "、".join(tops[v.pk]) or _("none")}
        )
        out.append(TemplateChoice(version=v, description="；".join(parts) + "。"))
    return out


def may_redraft(version: SchemeVersion) -> bool:
    """A unit's trunk scheme never approved, at a draft or returned version."""
    scheme = version.scheme
    return (
        scheme.role == Scheme.Role.UNIT
        and scheme.part == Scheme.Part.TRUNK
        and version.editable
        and not scheme.versions.filter(state=VersionState.APPROVED).exists()
    )


def in_force(versions: Iterable[SchemeVersion], period_end: dt.date) -> SchemeVersion | None:
    """Of one scheme's approved versions, the one that governs the quarter ending on
    `period_end`: the latest approved by that day. If none was approved by then, the
    first approved governs it (a year's scheme is often approved after Q1 has ended).
    So a revision applies from the quarter in which it is approved and never reaches
    back: recomputing an earlier quarter reads the rules it was entered under."""
    approved = sorted(
        (v for v in versions if v.state == VersionState.APPROVED), key=lambda v: (v.number, v.pk)
    )
    if not approved:
        return None
    by_then = [v for v in approved if v.approved_on is None or v.approved_on <= period_end]
    return by_then[-1] if by_then else approved[0]


def governing(scheme: Scheme, versions: Iterable[SchemeVersion]) -> dict[int, SchemeVersion | None]:
    """Quarter of the scheme's year (only its own for a supplement) → which of
    `versions` governs it (`in_force`)."""
    versions = list(versions)
    quarters = [scheme.quarter] if scheme.quarter else [1, 2, 3, 4]
    return {q: in_force(versions, Period(scheme.year, q).end) for q in quarters}


def governed_quarters(version: SchemeVersion, today: dt.date) -> list[int]:
    """The quarters of its year a unit scheme's version governs (`in_force`); for a
    version awaiting approval, those it would govern if approved today. Empty for
    templates, drafts and versions a later one replaced before any quarter ended."""
    scheme = version.scheme
    if scheme.role != Scheme.Role.UNIT or version.state not in (
        VersionState.APPROVED,
        VersionState.SUBMITTED,
    ):
        return []
    versions = [v for v in scheme.versions.all() if v.pk != version.pk]
    if version.state == VersionState.SUBMITTED:
        version = SchemeVersion(
            pk=version.pk, number=version.number, state=VersionState.APPROVED, approved_on=today
        )
    versions.append(version)
    return [q for q, chosen in governing(scheme, versions).items() if chosen == version]


def _parts_in_force(unit_filter: Q, period: Period) -> dict[int, list[SchemeVersion]]:
    """unit id → the versions in force for the period: trunk first, then the quarter's
    supplement ("1+N"); units without an approved scheme are absent. One query."""
    rows = SchemeVersion.objects.filter(
        Q(scheme__part=Scheme.Part.TRUNK, scheme__quarter=0)
        | Q(scheme__part=Scheme.Part.SUPPLEMENT, scheme__quarter=period.quarter),
        unit_filter,
        scheme__role=Scheme.Role.UNIT,
        scheme__unit__isnull=False,
        scheme__year=period.year,
        state=VersionState.APPROVED,
    ).select_related("scheme")
    grouped: dict[tuple[int, int], list[SchemeVersion]] = defaultdict(list)
    order = {Scheme.Part.TRUNK: 0, Scheme.Part.SUPPLEMENT: 1}
    for version in rows:
        unit_id = version.scheme.unit_id
        assert unit_id is not None
        grouped[unit_id, order[Scheme.Part(version.scheme.part)]].append(version)
    out: dict[int, list[SchemeVersion]] = defaultdict(list)
    for (unit_id, _part), versions in sorted(grouped.items()):
        chosen = in_force(versions, period.end)
        if chosen is not None:
            out[unit_id].append(chosen)
    return dict(out)


def versions_in_force_many(region_id: int, period: Period) -> dict[int, list[SchemeVersion]]:
    """`versions_in_force` for every unit of the region in one query. For the scoring
    service, which reads a whole region; no access control of its own."""
    return _parts_in_force(Q(scheme__region_id=region_id), period)


def versions_in_force(unit: Unit, period: Period) -> list[SchemeVersion]:
    """The unit's trunk for the year and the quarter's supplement, if any ("1+N"), each
    the version that governs the quarter (`in_force`)."""
    return _parts_in_force(Q(scheme__unit=unit), period).get(unit.pk, [])


class EntryState:
    """A unit's indicator entry for a quarter, as the guard and the year plan read it."""

    ENTERED = "entered"
    DECLARED = "declared"
    MISSING = "missing"


def entry_states(region_id: int, year: int, quarter: int) -> tuple[set[int], set[int]]:
    """The region's units with results entered for the quarter, and those without that
    declared they have none, in two queries whatever the number of units. Any result
    counts as entered (the grid checks each cell as it is saved); a unit in neither
    set is missing. Read by the compute guard (the office acts for the whole region)
    and the year plan, which picks its units from the sets."""
    return entry_states_of(region_id, year, [quarter])[quarter]


def entry_states_of(
    region_id: int, year: int, quarters: Iterable[int]
) -> dict[int, tuple[set[int], set[int]]]:
    """`entry_states` of several quarters of a year, still in two queries (the year plan
    shows all four)."""
    wanted = sorted(set(quarters))
    out: dict[int, tuple[set[int], set[int]]] = {q: (set(), set()) for q in wanted}
    for q, unit_id in (
        IndicatorResult.objects.filter(year=year, quarter__in=wanted, unit__region_id=region_id)
        .order_by()
        .values_list("quarter", "unit_id")
        .distinct()
    ):
        out[q][0].add(unit_id)
    for q, unit_id in EntryDeclaration.objects.filter(
        year=year, quarter__in=wanted, unit__region_id=region_id
    ).values_list("quarter", "unit_id"):
        out[q][1].add(unit_id)
    return {q: (entered, declared - entered) for q, (entered, declared) in out.items()}


def entry_state(unit_id: int, entered: set[int], declared: set[int]) -> str:
    if unit_id in entered:
        return EntryState.ENTERED
    return EntryState.DECLARED if unit_id in declared else EntryState.MISSING


def version_history(version: SchemeVersion) -> list[HistoryLine]:
    """Every workflow step of the version with who took it and their note, oldest first
    (its page): read from the audit log, which every step writes once (one query)."""
    return object_history(version, VersionState)
