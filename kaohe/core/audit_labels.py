"""What each audit action is called on the page, used by the audit list and its filter:
the label of its `AuditAction` (kaohe.core.audit_actions), or for an admin edit, the
verb and the model's name.

The codes stay in the database as written (they are stable and searchable); only the page
shows labels. `audit_record` takes only registered actions, so an action added later
cannot reach the page as a raw code.
"""

from __future__ import annotations

import functools
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from kaohe.core.audit_actions import AuditAction

# admin.<model>.<verb>: written by the region-scoped admin for any model it edits.
ADMIN_VERBS: dict[str, str] = {
    "add": gettext_noop("Admin: added %(model)s"),
    "change": gettext_noop("Admin: changed %(model)s"),
    "delete": gettext_noop("Admin: deleted %(model)s"),
}


def _model_name(model_name: str) -> str | None:
    for model in apps.get_models():
        if model._meta.model_name == model_name:
            return str(model._meta.verbose_name)
    return None


def action_label(action: str) -> str:
    """The label of an action code; an unknown code (an action retired from the code base
    but still in old rows) shows as itself rather than vanish."""
    if action in AuditAction.values:
        return str(AuditAction(action).label)
    parts = action.split(".")
    if len(parts) == 3 and parts[0] == "admin" and parts[2] in ADMIN_VERBS:
        model = _model_name(parts[1])
        if model is not None:
            return _(ADMIN_VERBS[parts[2]]) % {"model": model}
    return action


# The filter's choice for every admin.<model>.<verb> row (pages.audit.ADMIN_ACTIONS).
ADMIN_ANY = gettext_noop("Admin: any change")


def action_choices(admin_value: str) -> list[tuple[str, str]]:
    """The audit filter's choices: every labelled action, and one for all admin edits
    (`admin_value`), sorted by label. Read from the code, not from the log: the list
    costs no query and shows what the page can filter, not what happens to be there."""
    return _action_choices(admin_value, get_language())


@functools.lru_cache(maxsize=16)
def _action_choices(admin_value: str, language: str) -> list[tuple[str, str]]:
    # Code and catalogue only, so one list per language serves every request.
    choices = [(str(action.value), str(action.label)) for action in AuditAction]
    choices.append((admin_value, _(ADMIN_ANY)))
    return sorted(choices, key=lambda choice: choice[1])


# The keys services write into an audit row's details, as the page names them.
DETAIL_KEYS: dict[str, str] = {
    "unit": gettext_noop("Unit"),
    "units": gettext_noop("Units"),
    "year": gettext_noop("Year"),
    "quarter": gettext_noop("Quarter"),
    "kind": gettext_noop("Kind"),
    "reason": gettext_noop("Reason"),
    "ballots": gettext_noop("Ballots"),
    "raters": gettext_noop("Raters"),
    "people": gettext_noop("People"),
    "fields": gettext_noop("Fields"),
    "version": gettext_noop("Version"),
    "username": gettext_noop("Username"),
    "template": gettext_noop("Template"),
    "trunk": gettext_noop("Trunk"),
    "subtree": gettext_noop("Subtree"),
    "role": gettext_noop("Role"),
    "parent": gettext_noop("Parent unit"),
    "note": gettext_noop("Note"),
    "name": gettext_noop("Name"),
    "day": gettext_noop("Day"),
    "count": gettext_noop("Count"),
    "comment": gettext_noop("Comment"),
    "code": gettext_noop("Code"),
    "changes": gettext_noop("Changes"),
    "post": gettext_noop("Post"),
    "rank_level": gettext_noop("Rank level"),
    "personnel_category": gettext_noop("Personnel category"),
    "leadership_role": gettext_noop("Leadership role"),
    "status": gettext_noop("Status"),
    "valid_from": gettext_noop("Valid from"),
    "timeliness": gettext_noop("Timeliness"),
    "direction": gettext_noop("Direction"),
    "created": gettext_noop("Created"),
    "chars": gettext_noop("Characters"),
    "results_moved": gettext_noop("Results moved"),
    "indicator_comments": gettext_noop("Indicator comments"),
    "cancelled": gettext_noop("Cancelled"),
    "reinstated": gettext_noop("Reinstated"),
    # due process: 公示
    "finding": gettext_noop("Finding"),
    "anonymous": gettext_noop("Anonymous"),
    "withdrawn": gettext_noop("Withdrawn"),
    "added": gettext_noop("Added"),
    # supervision ledger
    "group": gettext_noop("Supervision group"),
    "groups": gettext_noop("Supervision groups"),
    "severity": gettext_noop("Severity"),
    "deadline": gettext_noop("Deadline"),
    "round": gettext_noop("Round"),
    "files": gettext_noop("Files"),
    # teams
    "incomplete": gettext_noop("Incomplete"),
    # performance: the unit's year
    "score": gettext_noop("Score"),
    # performance: the months
    "category": gettext_noop("Unit category"),
    "cells": gettext_noop("Scores entered"),
    "public": gettext_noop("Public evaluations entered"),
    "results_dropped": gettext_noop("Results set aside until recomputed"),
    "notified": gettext_noop("People notified"),
    "items": gettext_noop("Indicators reported on"),
    "file": gettext_noop("File"),
    # a correction's or an override's value before and after (outcomes, performance)
    "old": gettext_noop("old value"),
    "new": gettext_noop("new value"),
}


@functools.lru_cache(maxsize=16)
def _choice_labels(language: str) -> dict[str, str]:
    """Every value of our TextChoices → its label, so a stored value ("on_duty") in the
    details reads as the page would show it (在岗). Code and catalogue only: built once
    per language, not once per row (it walks every TextChoices class)."""
    labels: dict[str, str] = {}
    pending: list[type] = [models.TextChoices]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("kaohe"):
            for value, label in cls.choices:  # type: ignore[attr-defined]
                labels.setdefault(str(value), str(label))
    return labels


def _value(value: Any, labels: dict[str, str]) -> str:
    if isinstance(value, list | tuple):
        return "、".join(_value(v, labels) for v in value)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    text = str(value)
    return labels.get(text, text)


def detail_items(details: dict[str, Any]) -> list[tuple[str, str]]:
    """An audit row's details as (label, value) pairs for the page."""
    labels = _choice_labels(get_language())
    return [
        (_(DETAIL_KEYS[k]) if k in DETAIL_KEYS else k, _value(v, labels))
        for k, v in details.items()
    ]
