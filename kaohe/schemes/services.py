"""Writes for indicator schemes: trees, versions, the approval workflow (R4.6)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext as _

from kaohe.accounts.access import ADMIN_ROLES, is_region_admin, scope_of
from kaohe.accounts.models import User
from kaohe.core import clock
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ApplicationError, ValidationFailed
from kaohe.core.numbers import number_check
from kaohe.core.text import clean_text, visible_length
from kaohe.core.year_facts import year_facts_forget
from kaohe.notices.services import notify, region_admins, signature, unit_admins
from kaohe.org.models import Dimension, Region, Unit
from kaohe.schemes.entry import ASSESSOR_ROLES, lock_unit
from kaohe.schemes.errors import SchemeErrorCode
from kaohe.schemes.models import (
    AutoSource,
    EntryDeclaration,
    Indicator,
    IndicatorKind,
    IndicatorResult,
    Module,
    Scheme,
    SchemeComment,
    SchemeVersion,
    VersionState,
)
from kaohe.schemes.numbers import finite_decimal, two_places
from kaohe.schemes.rollup import plain
from kaohe.schemes.selectors import governing

EDITABLE_FIELDS = (
    "name",
    "description",
    "module",
    "dimension",
    "kind",
    "max_points",
    "per_occurrence",
    "cap",
    "weight",
    "quantitative",
    "evidence_required",
    "auto_source",
)


# ---------------------------------------------------------------- permissions


def may_edit(actor: User, scheme: Scheme) -> bool:
    """Templates are the region office's; a unit scheme is its unit admins'."""
    if scheme.role == Scheme.Role.TEMPLATE or scheme.unit is None:
        return is_region_admin(actor) and actor.region_id == scheme.region_id
    return scope_of(actor, ADMIN_ROLES).covers_path(scheme.unit.path, scheme.unit.pk)


def _require_edit(actor: User, version: SchemeVersion) -> None:
    if not may_edit(actor, version.scheme):
        raise ApplicationError(_("You may not edit this scheme."), code=SchemeErrorCode.NOT_EDITOR)
    if not version.editable:
        raise ApplicationError(
            _("Version %(n)s is %(state)s and frozen; start a new version to change it.")
            % {"n": version.number, "state": version.get_state_display()},
            code=SchemeErrorCode.VERSION_FROZEN,
        )


def _require_reviewer(actor: User, version: SchemeVersion) -> None:
    if not (is_region_admin(actor) and actor.region_id == version.scheme.region_id):
        raise ApplicationError(
            _("Only the region's assessment office reviews schemes."),
            code=SchemeErrorCode.NOT_REVIEWER,
        )


def _scheme_name(name: str) -> str:
    """A scheme name as typed, refused when longer than the field holds."""
    limit = Scheme._meta.get_field("name").max_length or 0
    if len(name) > limit:
        raise ApplicationError(
            _("A scheme name may be at most %(n)s characters long.") % {"n": limit},
            code=SchemeErrorCode.NAME_TOO_LONG,
        )
    return name


def _fitted(name: str) -> str:
    """A generated scheme name cut down to what the field holds."""
    return name[: Scheme._meta.get_field("name").max_length]


def _notify_workflow(version: SchemeVersion, actor: User, state: str) -> None:
    """Tell the other side of the workflow, signed with the actor's name (not the
    login): a submission goes to the region office, a return or an approval to the
    unit's administrators."""
    scheme = version.scheme
    if scheme.unit is None:
        return  # a template is published by the office itself
    values = {"scheme": scheme.name, "n": version.number, "name": signature(actor)}
    if state == VersionState.SUBMITTED:
        users = region_admins(scheme.region_id)
        text = _("%(name)s submitted %(scheme)s (version %(n)s) for approval.") % values
    elif state == VersionState.RETURNED:
        users = unit_admins(scheme.unit)
        text = _("%(scheme)s (version %(n)s) was returned for revision by %(name)s.") % values
    else:
        users = unit_admins(scheme.unit)
        text = _("%(scheme)s (version %(n)s) was approved by %(name)s.") % values
    notify(
        users=users,
        text=text,
        url=reverse("schemes:version", args=[scheme.pk, version.number]),
        kind=f"scheme_{state}",
    )


# ---------------------------------------------------------------- schemes and versions


@transaction.atomic
def template_create(
    *, actor: User, region: Region, name: str, year: int, **categories: Any
) -> SchemeVersion:
    if not is_region_admin(actor):
        raise ApplicationError(
            _("Only the region's assessment office creates templates."),
            code=SchemeErrorCode.NOT_REVIEWER,
        )
    scheme = Scheme.objects.create(
        region=region,
        role=Scheme.Role.TEMPLATE,
        name=_scheme_name(name),
        year=year,
        **categories,
    )
    version = SchemeVersion.objects.create(scheme=scheme, number=1)
    # A version's history is its audit rows with a state (core.selectors.object_history).
    audit_record(
        actor=actor,
        action=AuditAction.SCHEMES_TEMPLATE_CREATE,
        obj=version,
        region=region,
        state=VersionState.DRAFT,
    )
    return version


def _copy_tree(source: SchemeVersion, target: SchemeVersion) -> None:
    """Copy the indicators, keeping keys, parents and order (one insert per level)."""
    rows = list(source.indicators.order_by("id"))
    by_parent: dict[int | None, list[Indicator]] = defaultdict(list)
    for row in rows:
        by_parent[row.parent_id].append(row)
    new_ids: dict[int, Indicator] = {}
    level: list[int | None] = [None]
    while level:
        batch = [row for parent in level for row in by_parent.get(parent, [])]
        created = Indicator.objects.bulk_create(
            Indicator(
                version=target,
                parent=new_ids[row.parent_id] if row.parent_id else None,
                key=row.key,
                position=row.position,
                **{f: getattr(row, f) for f in EDITABLE_FIELDS},
            )
            for row in batch
        )
        for old, new in zip(batch, created, strict=True):
            new_ids[old.pk] = new
        level = [row.pk for row in batch]


def trunk_check(unit: Unit, year: int) -> None:
    """One trunk per unit and year: refused before the draft's confirmation step too."""
    if Scheme.objects.filter(
        role=Scheme.Role.UNIT, part=Scheme.Part.TRUNK, unit=unit, year=year
    ).exists():
        raise ApplicationError(
            _(
                "%(unit)s already has a scheme for %(year)s; open it and draft a new "
                "version instead."
            )
            % {"unit": unit.name, "year": year},
            code=SchemeErrorCode.SCHEME_EXISTS,
        )


@transaction.atomic
def unit_scheme_create(
    *, actor: User, template: SchemeVersion, unit: Unit, year: int, name: str = ""
) -> SchemeVersion:
    """Draft a unit's scheme from a published template (R4.6)."""
    if template.scheme.role != Scheme.Role.TEMPLATE or template.state != VersionState.APPROVED:
        raise ApplicationError(
            _("Start from a published template."), code=SchemeErrorCode.TEMPLATE_NOT_PUBLISHED
        )
    if not scope_of(actor, ADMIN_ROLES).covers_path(unit.path, unit.pk):
        raise ApplicationError(
            _("You may not draft schemes for this unit."), code=SchemeErrorCode.NOT_EDITOR
        )
    name = _scheme_name(name) or _fitted(f"{unit.name}{year}年考核方案")
    # One trunk per unit and year (supplements add to it per quarter); the lock on
    # the unit keeps two requests at once from both passing the check.
    Unit.objects.select_for_update().filter(pk=unit.pk).exists()
    trunk_check(unit, year)
    scheme = Scheme.objects.create(
        region_id=unit.region_id,
        role=Scheme.Role.UNIT,
        name=name,
        unit=unit,
        personnel_category=template.scheme.personnel_category,
        performance_category=template.scheme.performance_category,
        year=year,
    )
    version = SchemeVersion.objects.create(scheme=scheme, number=1, based_on=template)
    _copy_tree(template, version)
    audit_record(
        actor=actor,
        action=AuditAction.SCHEMES_SCHEME_CREATE,
        obj=version,
        region=unit.region,
        details={"template": template.pk, "unit": unit.pk},
        state=VersionState.DRAFT,
        note=_("Drafted from %(t)s") % {"t": str(template)},
    )
    return version


def _require_undecided(actor: User, version: SchemeVersion) -> Scheme:
    """A unit scheme never approved, whose version is a draft (or returned): its
    contents may be replaced or thrown away, since nothing was entered against it."""
    scheme = version.scheme
    if scheme.role != Scheme.Role.UNIT or not may_edit(actor, scheme):
        raise ApplicationError(_("You may not edit this scheme."), code=SchemeErrorCode.NOT_EDITOR)
    if not version.editable:
        raise ApplicationError(
            _("Version %(n)s is %(state)s; only a draft not yet submitted can be changed so.")
            % {"n": version.number, "state": version.get_state_display()},
            code=SchemeErrorCode.VERSION_NOT_DRAFT,
        )
    if scheme.versions.filter(state=VersionState.APPROVED).exists():
        raise ApplicationError(
            _(
                "This scheme has an approved version, and results may rest on it; start a "
                "new version and change its indicators instead."
            ),
            code=SchemeErrorCode.SCHEME_APPROVED_BEFORE,
        )
    return scheme


@transaction.atomic
def scheme_redraft(
    *, actor: User, version: SchemeVersion, template: SchemeVersion
) -> SchemeVersion:
    """Replace a draft unit scheme's indicators with a copy of another published
    template (the wrong one was chosen): all or nothing, audited."""
    scheme = _require_undecided(actor, version)
    if scheme.part != Scheme.Part.TRUNK:
        raise ApplicationError(
            _("A supplement is not drafted from a template."),
            code=SchemeErrorCode.SUPPLEMENT_FROM_TEMPLATE,
        )
    if (
        template.scheme.role != Scheme.Role.TEMPLATE
        or template.state != VersionState.APPROVED
        or template.scheme.region_id != scheme.region_id
    ):
        raise ApplicationError(
            _("Start from a published template."), code=SchemeErrorCode.TEMPLATE_NOT_PUBLISHED
        )
    # The same lock the approval and result entry take: nothing reads the tree meanwhile.
    if scheme.unit_id is not None:
        lock_unit(scheme.unit_id)
    previous = version.based_on
    removed = version.indicators.count()
    version.indicators.all().delete()
    _copy_tree(template, version)
    version.based_on = template
    version.save(update_fields=["based_on"])
    scheme.personnel_category = template.scheme.personnel_category
    scheme.performance_category = template.scheme.performance_category
    scheme.save(update_fields=["personnel_category", "performance_category"])
    audit_record(
        actor=actor,
        action=AuditAction.SCHEMES_SCHEME_REDRAFT,
        obj=version,
        region=scheme.region,
        state=version.state,
        note=_("Redrafted from %(t)s") % {"t": str(template)},
        details={
            "version": version.number,
            "template": template.pk,
            "previous_template": previous.pk if previous else None,
            "indicators_removed": removed,
        },
    )
    return version


@transaction.atomic
def scheme_discard(*, actor: User, version: SchemeVersion) -> None:
    """Throw away a unit scheme that was never approved nor submitted: the unit may
    then draft afresh from the right template."""
    scheme = _require_undecided(actor, version)
    if scheme.versions.filter(state=VersionState.SUBMITTED).exists():
        raise ApplicationError(
            _("A version is awaiting review; it cannot be discarded now."),
            code=SchemeErrorCode.VERSION_IN_REVIEW,
        )
    if scheme.supplements.exists():
        raise ApplicationError(
            _("Discard this scheme's supplements first."), code=SchemeErrorCode.SUPPLEMENTS_REMAIN
        )
    audit_record(
        actor=actor,
        action=AuditAction.SCHEMES_SCHEME_DISCARD,
        obj=scheme,
        region=scheme.region,
        details={"unit": scheme.unit_id, "year": scheme.year, "versions": scheme.versions.count()},
    )
    scheme.delete()


@transaction.atomic
def supplement_create(*, actor: User, trunk: Scheme, quarter: int) -> SchemeVersion:
    """ "1+N": a supplement to a unit's trunk scheme for one quarter, drafted empty
    and approved like any scheme; result entry shows its indicators after the trunk's."""
    if trunk.role != Scheme.Role.UNIT or trunk.part != Scheme.Part.TRUNK or trunk.unit is None:
        raise ApplicationError(
            _("Supplements belong to a unit's trunk scheme."),
            code=SchemeErrorCode.SUPPLEMENT_NEEDS_TRUNK,
        )
    if not may_edit(actor, trunk):
        raise ApplicationError(_("You may not edit this scheme."), code=SchemeErrorCode.NOT_EDITOR)
    if not 1 <= quarter <= 4:
        raise ApplicationError(_("Choose a quarter from 1 to 4."), code=SchemeErrorCode.BAD_PERIOD)
    if trunk.supplements.filter(quarter=quarter).exists():
        raise ApplicationError(
            _("This quarter already has a supplement; edit that one."),
            code=SchemeErrorCode.SUPPLEMENT_EXISTS,
        )
    scheme = Scheme.objects.create(
        region_id=trunk.region_id,
        role=Scheme.Role.UNIT,
        part=Scheme.Part.SUPPLEMENT,
        trunk=trunk,
        unit=trunk.unit,
        name=_fitted(_("%(name)s (supplement for Q%(q)s)") % {"name": trunk.name, "q": quarter}),
        personnel_category=trunk.personnel_category,
        performance_category=trunk.performance_category,
        year=trunk.year,
        quarter=quarter,
    )
    version = SchemeVersion.objects.create(scheme=scheme, number=1)
    audit_record(
        actor=actor,
        action=AuditAction.SCHEMES_SUPPLEMENT_CREATE,
        obj=version,
        region=trunk.region,
        details={"trunk": trunk.pk, "quarter": quarter},
        state=VersionState.DRAFT,
    )
    return version


@transaction.atomic
def version_new_draft(*, actor: User, version: SchemeVersion) -> SchemeVersion:
    """A frozen version is changed by drafting its successor."""
    if not may_edit(actor, version.scheme):
        raise ApplicationError(_("You may not edit this scheme."), code=SchemeErrorCode.NOT_EDITOR)
    if version.editable:
        raise ApplicationError(
            _("This version is still editable."), code=SchemeErrorCode.VERSION_STILL_EDITABLE
        )
    if version.scheme.versions.filter(
        state__in=[VersionState.DRAFT, VersionState.RETURNED, VersionState.SUBMITTED]
    ).exists():
        raise ApplicationError(
            _("A newer version is already being drafted or reviewed."),
            code=SchemeErrorCode.NEWER_VERSION_EXISTS,
        )
    number = (version.scheme.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = SchemeVersion.objects.create(scheme=version.scheme, number=number, based_on=version)
    _copy_tree(version, draft)
    audit_record(
        actor=actor,
        action=AuditAction.SCHEMES_VERSION_CREATE,
        obj=draft,
        region=version.scheme.region,
        state=VersionState.DRAFT,
        note=_("Based on version %(n)s") % {"n": version.number},
    )
    return draft


# ---------------------------------------------------------------- tree editing


def _clean_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name in EDITABLE_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name in ("max_points", "per_occurrence", "cap", "weight"):
            text = str(value).strip() if value is not None else ""
            if name == "weight" and text == "":
                clean[name] = None
                continue
            number = finite_decimal(text or "0")
            if number is None:
                raise ApplicationError(
                    _("“%(value)s” is not a number.") % {"value": text[:20]},
                    code=SchemeErrorCode.NOT_A_NUMBER,
                )
            number_check(Indicator, name, number)
            if not two_places(number):
                raise ApplicationError(
                    _("“%(value)s” has more than two decimals.") % {"value": text[:20]},
                    code=SchemeErrorCode.TOO_MANY_DECIMALS,
                )
            clean[name] = number
        elif name in ("quantitative", "evidence_required"):
            clean[name] = bool(value) and value not in ("0", "false", "off")
        else:
            clean[name] = str(value).strip()
    if "name" in clean and not clean["name"]:
        raise ApplicationError(
            _("An indicator needs a name."), code=SchemeErrorCode.INDICATOR_NAME_MISSING
        )
    limit = Indicator._meta.get_field("name").max_length or 0
    if len(clean.get("name", "")) > limit:
        raise ApplicationError(
            _("An indicator name may be at most %(n)s characters long.") % {"n": limit},
            code=SchemeErrorCode.NAME_TOO_LONG,
        )
    if "kind" in clean and clean["kind"] not in IndicatorKind.values:
        raise ApplicationError(_("Choose a kind from the list."), code=SchemeErrorCode.BAD_CHOICE)
    if "module" in clean and clean["module"] not in Module.values:
        raise ApplicationError(_("Choose a module from the list."), code=SchemeErrorCode.BAD_CHOICE)
    if "dimension" in clean and clean["dimension"] not in Dimension.values:
        raise ApplicationError(
            _("Choose a dimension from the list."), code=SchemeErrorCode.BAD_CHOICE
        )
    if "auto_source" in clean and clean["auto_source"] not in AutoSource.values:
        raise ApplicationError(
            _("Choose a “Filled from” option from the list."), code=SchemeErrorCode.BAD_CHOICE
        )
    return clean


def _check_auto_source(kind: str, auto_source: str, name: str) -> None:
    """Only a deduction counts occurrences, so only a deduction is filled automatically."""
    if auto_source and kind != IndicatorKind.DEDUCTION:
        raise ApplicationError(
            _auto_source_problem(name), code=SchemeErrorCode.AUTO_SOURCE_NOT_DEDUCTION
        )


def _auto_source_problem(name: str) -> str:
    return _(
        "“%(name)s” is not a deduction, so it cannot be filled automatically; "
        "choose “Entered by hand” or make it a deduction."
    ) % {"name": name}


@transaction.atomic
def indicator_add(
    *, actor: User, version: SchemeVersion, parent: Indicator | None, data: Mapping[str, Any]
) -> Indicator:
    _require_edit(actor, version)
    if parent is not None and (
        parent.version_id != version.pk or parent.kind != IndicatorKind.GROUP
    ):
        raise ApplicationError(
            _("Indicators can only be added under a group."),
            code=SchemeErrorCode.INDICATOR_OUTSIDE_GROUP,
        )
    position = (
        Indicator.objects.filter(version=version, parent=parent).aggregate(p=Max("position"))["p"]
        or 0
    ) + 1
    fields = _clean_fields(data)
    _check_auto_source(
        fields.get("kind", IndicatorKind.SCORED),
        fields.get("auto_source", ""),
        fields.get("name", ""),
    )
    indicator = Indicator.objects.create(
        version=version, parent=parent, position=position, **fields
    )
    audit_record(
        actor=actor,
        action=AuditAction.SCHEMES_INDICATOR_ADD,
        obj=indicator,
        region=version.scheme.region,
        details={"version": version.pk},
    )
    return indicator


@transaction.atomic
def indicator_update(*, actor: User, indicator: Indicator, data: Mapping[str, Any]) -> Indicator:
    _require_edit(actor, indicator.version)
    fields = _clean_fields(data)
    if (
        indicator.children.exists()
        and fields.get("kind", IndicatorKind.GROUP) != IndicatorKind.GROUP
    ):
        raise ApplicationError(
            _("An indicator with sub-indicators must stay a group."),
            code=SchemeErrorCode.GROUP_HAS_CHILDREN,
        )
    _check_auto_source(
        fields.get("kind", indicator.kind),
        fields.get("auto_source", indicator.auto_source),
        fields.get("name", indicator.name),
    )
    for name, value in fields.items():
        setattr(indicator, name, value)
    indicator.save()
    audit_record(
        actor=actor,
        action=AuditAction.SCHEMES_INDICATOR_EDIT,
        obj=indicator,
        region=indicator.version.scheme.region,
        details={"fields": sorted(fields)},
    )
    return indicator


@transaction.atomic
def indicator_move(*, actor: User, indicator: Indicator, direction: str) -> None:
    """Move up or down among siblings, or out ("left") to the parent's level."""
    _require_edit(actor, indicator.version)
    siblings = list(
        Indicator.objects.filter(version=indicator.version, parent=indicator.parent_id).order_by(
            "position", "id"
        )
    )
    index = next(i for i, s in enumerate(siblings) if s.pk == indicator.pk)
    if direction in ("up", "down"):
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(siblings):
            siblings[index], siblings[other] = siblings[other], siblings[index]
        for position, sibling in enumerate(siblings, start=1):
            sibling.position = position
        Indicator.objects.bulk_update(siblings, ["position"])
    elif direction == "left" and indicator.parent is not None:
        indicator.parent = indicator.parent.parent
        indicator.position = 10_000  # last among the new siblings
        indicator.save(update_fields=["parent", "position"])
    audit_record(
        actor=actor,
        action=AuditAction.SCHEMES_INDICATOR_MOVE,
        obj=indicator,
        region=indicator.version.scheme.region,
        details={"direction": direction},
    )


@transaction.atomic
def indicator_delete(*, actor: User, indicator: Indicator) -> None:
    _require_edit(actor, indicator.version)
    keys = _subtree_keys(indicator)
    used = IndicatorResult.objects.filter(
        indicator__version__scheme=indicator.version.scheme, indicator__key__in=keys
    ).exists()
    if used:
        raise ApplicationError(
            _("“%(name)s” already has results entered in a period, so it cannot be deleted.")
            % {"name": indicator.name},
            code=SchemeErrorCode.INDICATOR_HAS_RESULTS,
        )
    audit_record(
        actor=actor,
        action=AuditAction.SCHEMES_INDICATOR_DELETE,
        obj=indicator,
        region=indicator.version.scheme.region,
        details={"name": indicator.name},
    )
    indicator.delete()


def _subtree_keys(indicator: Indicator) -> list[Any]:
    rows = list(
        Indicator.objects.filter(version=indicator.version).values_list("pk", "parent_id", "key")
    )
    children: dict[int | None, list[tuple[int, Any]]] = defaultdict(list)
    for pk, parent, key in rows:
        children[parent].append((pk, key))
    keys, stack = [indicator.key], [indicator.pk]
    while stack:
        for pk, key in children.get(stack.pop(), []):
            keys.append(key)
            stack.append(pk)
    return keys


# ---------------------------------------------------------------- validation


def validate_tree(version: SchemeVersion) -> list[str]:
    """Every structural problem, each naming the indicator or level concerned."""
    rows = list(version.indicators.all())
    problems: list[str] = []
    if not rows:
        return [_("The scheme has no indicators.")]
    children: dict[int | None, list[Indicator]] = defaultdict(list)
    for row in rows:
        children[row.parent_id].append(row)
    names = {row.pk: row.name for row in rows}
    for parent_id, kids in children.items():
        level = names[parent_id] if parent_id else _("the top level")
        weighted = [k for k in kids if k.weight is not None]
        if weighted:
            total = sum((k.weight for k in weighted if k.weight is not None), Decimal(0))
            if total != 100:
                problems.append(
                    _("The weights under %(level)s add up to %(total)s; they must add up to 100.")
                    % {"level": level, "total": plain(total)}
                )
    for row in rows:
        kind = row.kind
        if kind == IndicatorKind.GROUP and not children.get(row.pk):
            problems.append(_("Group “%(name)s” has no sub-indicators.") % {"name": row.name})
        if kind == IndicatorKind.SCORED and row.max_points <= 0:
            problems.append(_("“%(name)s” needs a maximum above 0.") % {"name": row.name})
        if kind == IndicatorKind.DEDUCTION and (
            row.per_occurrence <= 0 or row.cap < row.per_occurrence
        ):
            problems.append(
                _(
                    "Deduction “%(name)s” needs points per occurrence above 0 "
                    "and a cap at least that large."
                )
                % {"name": row.name}
            )
        if row.auto_source and kind != IndicatorKind.DEDUCTION:
            problems.append(_auto_source_problem(row.name))
        if kind == IndicatorKind.BONUS and row.cap <= 0:
            problems.append(_("Bonus “%(name)s” needs a cap above 0.") % {"name": row.name})
        if kind == IndicatorKind.GROUP and row.max_points > 0:
            scored = [
                k
                for k in children.get(row.pk, [])
                if k.kind in (IndicatorKind.SCORED, IndicatorKind.GROUP)
            ]
            if scored and not any(k.weight is not None for k in scored):
                total = sum((k.max_points for k in scored), Decimal(0))
                if total > row.max_points:
                    problems.append(
                        _(
                            "The sub-indicators of “%(name)s” give up to %(total)s points, "
                            "more than its %(max)s."
                        )
                        % {
                            "name": row.name,
                            "total": plain(total),
                            "max": plain(row.max_points),
                        }
                    )
    return problems


# ---------------------------------------------------------------- workflow


@transaction.atomic
def version_submit(*, actor: User, version: SchemeVersion, note: str = "") -> None:
    _require_edit(actor, version)
    note = clean_text(note)
    if version.scheme.role == Scheme.Role.TEMPLATE:
        raise ApplicationError(
            _("Templates are published, not submitted."),
            code=SchemeErrorCode.TEMPLATE_NOT_SUBMITTED,
        )
    problems = validate_tree(version)
    if problems:
        raise ValidationFailed(
            _("The scheme cannot be submitted yet:") + " " + " ".join(problems),
            problems=problems,
            code=SchemeErrorCode.SCHEME_INCOMPLETE,
        )
    version.state = VersionState.SUBMITTED
    version.save(update_fields=["state"])
    _notify_workflow(version, actor, VersionState.SUBMITTED)
    audit_record(
        actor=actor,
        action=AuditAction.SCHEMES_VERSION_SUBMIT,
        obj=version,
        region=version.scheme.region,
        state=VersionState.SUBMITTED,
        note=note,
    )


@transaction.atomic
def version_return(
    *, actor: User, version: SchemeVersion, comment: str, indicator_comments: Mapping[str, str]
) -> None:
    """Return for revision with a comment on the whole and/or on single indicators."""
    _require_reviewer(actor, version)
    if version.state != VersionState.SUBMITTED:
        raise ApplicationError(
            _("Only a submitted scheme can be returned."), code=SchemeErrorCode.NOT_SUBMITTED
        )
    comment = clean_text(comment)
    notes = {
        k: text for k, v in indicator_comments.items() if visible_length(text := clean_text(v))
    }
    if not visible_length(comment) and not notes:
        raise ApplicationError(
            _("Say what must change: comment on the whole or on an indicator."),
            code=SchemeErrorCode.RETURN_NEEDS_COMMENT,
        )
    keys = {str(k) for k in version.indicators.values_list("key", flat=True)}
    if set(notes) - keys:
        raise ApplicationError(
            _("A comment refers to an indicator that is not in this version."),
            code=SchemeErrorCode.COMMENT_ON_UNKNOWN_INDICATOR,
        )
    if visible_length(comment):
        SchemeComment.objects.create(version=version, author=actor, text=comment)
    SchemeComment.objects.bulk_create(
        SchemeComment(version=version, indicator_key=key, author=actor, text=text)
        for key, text in notes.items()
    )
    version.state = VersionState.RETURNED
    version.save(update_fields=["state"])
    _notify_workflow(version, actor, VersionState.RETURNED)
    audit_record(
        actor=actor,
        action=AuditAction.SCHEMES_VERSION_RETURN,
        obj=version,
        region=version.scheme.region,
        details={"indicator_comments": len(notes)},
        state=VersionState.RETURNED,
        note=comment,
    )


@transaction.atomic
def version_approve(*, actor: User, version: SchemeVersion, note: str = "") -> None:
    """Approve a submitted unit scheme, or publish a template draft."""
    _require_reviewer(actor, version)
    note = clean_text(note)
    allowed = (
        VersionState.SUBMITTED if version.scheme.role == Scheme.Role.UNIT else VersionState.DRAFT
    )
    if version.state != allowed:
        raise ApplicationError(
            _("A scheme that is %(state)s cannot be approved.")
            % {"state": version.get_state_display()},
            code=SchemeErrorCode.NOT_APPROVABLE,
        )
    problems = validate_tree(version)
    if problems:
        raise ValidationFailed(
            " ".join(problems), problems=problems, code=SchemeErrorCode.SCHEME_INCOMPLETE
        )
    scheme = version.scheme
    if scheme.unit_id is not None:
        # Entry writes hold the same lock: none runs while results move (entry.lock_unit).
        lock_unit(scheme.unit_id)
    governed_before = _governing(scheme)
    version.state = VersionState.APPROVED
    version.approved_on = clock.today()
    version.save(update_fields=["state", "approved_on"])
    _notify_workflow(version, actor, VersionState.APPROVED)
    moved = _move_results(version, governed_before) if scheme.role == Scheme.Role.UNIT else 0
    audit_record(
        actor=actor,
        action=AuditAction.SCHEMES_VERSION_APPROVE,
        obj=version,
        region=scheme.region,
        details={"results_moved": moved} if moved else None,
        state=VersionState.APPROVED,
        note=note,
    )


def _governing(scheme: Scheme) -> dict[int, SchemeVersion | None]:
    """quarter → the approved version of this scheme that governs it."""
    return governing(scheme, scheme.versions.filter(state=VersionState.APPROVED))


def _move_results(version: SchemeVersion, before: dict[int, SchemeVersion | None]) -> int:
    """Results already entered for the quarters the newly approved version now governs
    move onto it, indicator by indicator, matched by the indicator's key (which a
    revision keeps); their evidence links follow. Results of indicators the revision
    removed, or changed to another kind, stay with the old version, out of the grid
    and the score. Quarters an earlier version still governs are not touched."""
    after = _governing(version.scheme)
    moves: dict[int, list[int]] = defaultdict(list)  # old version id → quarters
    for quarter, old in before.items():
        if old is not None and old.pk != version.pk and after[quarter] == version:
            moves[old.pk].append(quarter)
    if not moves:
        return 0
    # A result moves only to an indicator of the same kind: a value typed as points
    # means nothing as occurrences, and a leaf turned into a group takes no results.
    new_ids = {
        (key, kind): pk
        for key, kind, pk in version.indicators.exclude(kind=IndicatorKind.GROUP).values_list(
            "key", "kind", "pk"
        )
    }
    unit_id = version.scheme.unit_id
    assert unit_id is not None  # only a unit's scheme has results (version_approve)
    moved = 0
    for old_id, quarters in moves.items():
        # The scheme's unit as well as the version: its results are the unit's, and
        # (unit, year, quarter) is the index that finds them (the version has none).
        rows = IndicatorResult.objects.filter(
            unit_id=unit_id,
            year=version.scheme.year,
            quarter__in=quarters,
            version_id=old_id,
        )
        by_key: dict[int, list[int]] = defaultdict(list)
        for indicator_id, key, kind in rows.values_list(
            "indicator_id", "indicator__key", "indicator__kind"
        ).distinct():
            if (key, kind) in new_ids:
                by_key[new_ids[key, kind]].append(indicator_id)
        # One UPDATE per indicator of the tree (a few dozen), whatever the head count.
        for new_id, old_ids in by_key.items():
            moved += rows.filter(indicator_id__in=old_ids).update(
                indicator_id=new_id, version_id=version.pk
            )
    return moved


# ---------------------------------------------------------------- declared empty


@transaction.atomic
def entry_declare_empty(
    *, actor: User, unit: Unit, year: int, quarter: int, reason: str
) -> EntryDeclaration:
    """The unit declares it has no indicator entries this quarter, with the reason, so
    that the quarter can be computed without them (issue 13). The unit's assessors
    (its admins and head, the region office) declare; a unit with entries has
    nothing to declare."""
    scope = scope_of(actor, ASSESSOR_ROLES)
    # A region-wide grant covers every path: the region is checked apart.
    if scope.region_id != unit.region_id or not scope.covers_path(unit.path, unit.pk):
        raise ApplicationError(
            _("Only the unit's administrators or head may declare this."),
            code=SchemeErrorCode.NOT_UNIT_ADMIN_OR_HEAD,
        )
    if not 1 <= quarter <= 4:
        raise ApplicationError(
            _("Choose a period from 1 to %(n)s.") % {"n": 4}, code=SchemeErrorCode.BAD_PERIOD
        )
    reason = clean_text(reason)
    if visible_length(reason) < 4:
        raise ApplicationError(
            _("Write why the unit has no indicator entries this quarter (at least 4 characters)."),
            code=SchemeErrorCode.DECLARATION_NEEDS_REASON,
        )
    lock_unit(unit.pk)
    if IndicatorResult.objects.filter(unit=unit, year=year, quarter=quarter).exists():
        raise ApplicationError(
            _("%(unit)s already has indicator entries for this quarter; nothing to declare.")
            % {"unit": unit.name},
            code=SchemeErrorCode.ENTRIES_EXIST,
        )
    declaration, _created = EntryDeclaration.objects.update_or_create(
        unit=unit,
        year=year,
        quarter=quarter,
        defaults={"reason": reason.strip()[:300], "actor": actor},
    )
    year_facts_forget(unit.region_id)  # which units declared none
    audit_record(
        actor=actor,
        action=AuditAction.SCHEMES_ENTRY_DECLARE_EMPTY,
        obj=declaration,
        region=unit.region,
        details={"year": year, "quarter": quarter, "reason": declaration.reason},
    )
    return declaration
