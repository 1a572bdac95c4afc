"""What each audit action is called on the page: one mapping from the stored code
(``org.unit.create``) to a translated label, used by the audit list and its filter.

The codes stay in the database as written (they are stable and searchable); only the page
shows labels. A test scans the code base for every `audit_record(action=...)` and requires
a label here, so an action added later cannot reach the page as a raw code.
"""

from __future__ import annotations

import functools
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

ACTION_LABELS: dict[str, str] = {
    "auth.login": gettext_noop("Signed in"),
    "auth.logout": gettext_noop("Signed out"),
    "auth.login_failed": gettext_noop("Failed sign-in"),
    "accounts.password.change": gettext_noop("Password changed"),
    "accounts.role.grant": gettext_noop("Role granted"),
    "accounts.role.revoke": gettext_noop("Role revoked"),
    "core.notifications.read": gettext_noop("Notifications marked read"),
    "org.demo.load": gettext_noop("Demo organisation loaded"),
    "org.membership.change": gettext_noop("Post or unit changed"),
    "org.person.create": gettext_noop("Person added"),
    "org.quota_pool.complete": gettext_noop("Quota pools completed"),
    "org.quota_pool.create": gettext_noop("Quota pool created"),
    "org.region.create": gettext_noop("Region created"),
    "org.roster.import": gettext_noop("Roster imported"),
    "org.unit.create": gettext_noop("Unit created"),
    "reviews.ballot.submit": gettext_noop("Ballot submitted"),
    "reviews.demo.ballots": gettext_noop("Demo ballots cast"),
    "reviews.demo.load": gettext_noop("Demo rounds loaded"),
    "reviews.raters.approve": gettext_noop("Rater list approved"),
    "reviews.raters.propose": gettext_noop("Rater list proposed"),
    "reviews.raters.reject": gettext_noop("Rater list returned"),
    "reviews.round.create": gettext_noop("Rating round created"),
    "reviews.round.discard": gettext_noop("Rating round discarded"),
    # reviews.round.<state>: a round moved to that state (RoundState values).
    "reviews.round.draft": gettext_noop("Rating round back to draft"),
    "reviews.round.open": gettext_noop("Rating round opened"),
    "reviews.round.closed": gettext_noop("Rating round closed"),
    "reviews.round.published": gettext_noop("Rating round results published"),
    "schemes.demo.load": gettext_noop("Demo schemes loaded"),
    "schemes.indicator.add": gettext_noop("Indicator added"),
    "schemes.indicator.delete": gettext_noop("Indicator deleted"),
    "schemes.indicator.edit": gettext_noop("Indicator edited"),
    "schemes.indicator.move": gettext_noop("Indicator moved"),
    "schemes.results.evidence": gettext_noop("Evidence attached"),
    "schemes.results.save": gettext_noop("Indicator results saved"),
    "schemes.scheme.create": gettext_noop("Scheme created"),
    "schemes.supplement.create": gettext_noop("Supplementary scheme created"),
    "schemes.template.create": gettext_noop("Scheme template created"),
    "schemes.version.approve": gettext_noop("Scheme approved"),
    "schemes.version.create": gettext_noop("Scheme version created"),
    "schemes.version.return": gettext_noop("Scheme returned for revision"),
    "schemes.version.submit": gettext_noop("Scheme submitted for approval"),
    "scoring.flag": gettext_noop("Person flagged for the year"),
    "notices.delivery.retry": gettext_noop("Delivery retried"),
    "notices.reminder.log": gettext_noop("Reminded to write today's log"),
    "notices.reminder.vote": gettext_noop("Reminded to vote"),
    "schemes.scheme.redraft": gettext_noop("Scheme redrafted from another template"),
    "schemes.scheme.discard": gettext_noop("Scheme draft discarded"),
    "jobs.start": gettext_noop("Background job started"),
    "reviews.round.extend": gettext_noop("Voting extended"),
    "schemes.demo.declare": gettext_noop("Demo: units declared no indicator entries"),
    "schemes.entry.declare_empty": gettext_noop("Unit declared no indicator entries"),
    "scoring.quarter.compute": gettext_noop("Quarter computed"),
    "scoring.quarter.confirm": gettext_noop("Quarter grades confirmed"),
    "scoring.quarter.propose": gettext_noop("Quarter grades proposed"),
    "scoring.quarter.publish": gettext_noop("Quarter published"),
    "scoring.quarter.reopen": gettext_noop("Quarter reopened"),
    "scoring.receipt": gettext_noop("Receipt of a result confirmed"),
    "scoring.year.compute": gettext_noop("Year computed"),
    "scoring.year.publish": gettext_noop("Year published"),
    "scoring.year.reopen": gettext_noop("Year reopened"),
    "worklogs.demo.load": gettext_noop("Demo work logs loaded"),
    "worklogs.log.comment": gettext_noop("Comment on a work log"),
    "worklogs.log.create": gettext_noop("Work log written"),
    "worklogs.log.edit": gettext_noop("Work log edited"),
    "worklogs.log.read": gettext_noop("Work log read"),
    "worklogs.summary.create": gettext_noop("Summary written"),
    "worklogs.summary.edit": gettext_noop("Summary edited"),
    "worklogs.tallies.rebuild": gettext_noop("Work log tallies rebuilt"),
}

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
    if action in ACTION_LABELS:
        return _(ACTION_LABELS[action])
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
    choices = [(code, _(label)) for code, label in ACTION_LABELS.items()]
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
