"""A scheme version's history is read from the audit log (issue 15): each SchemeEvent is
folded into the audit row its step wrote (kaohe.core.audit_fold), or becomes one, and
the table goes. The audit rows of those steps were written for the scheme; the merged
row points at the version, whose history it is."""

from django.conf import settings
from django.db import migrations

from kaohe.core.audit_fold import HistoryTable, Target

SCHEME = "schemes.scheme"
VERSION = "schemes.schemeversion"
CREATED = [
    "schemes.scheme.create",
    "schemes.template.create",
    "schemes.supplement.create",
    "schemes.version.create",
]
STEP = {
    "submitted": "schemes.version.submit",
    "returned": "schemes.version.return",
    "approved": "schemes.version.approve",
}


def _actions(state, previous):
    """The audit action a version's event was written with: its creation (the first, a
    draft), a workflow step, or a redraft (the state it stayed in)."""
    if previous is None:
        return CREATED
    if state == previous:
        return ["schemes.scheme.redraft"]
    return [STEP.get(state, "schemes.scheme.redraft")]


def _target(event):
    version = event.version
    scheme = version.scheme
    name = f"{scheme.name} v{version.number}"
    return Target(VERSION, str(version.pk), name, str(scheme.pk), scheme.region_id)


SCHEME_EVENTS = HistoryTable(
    app="schemes",
    model="SchemeEvent",
    note_field="note",
    target_model="SchemeVersion",
    target_field="version",
    target_type=VERSION,
    owner_type=SCHEME,
    target_of=_target,
    actions_of=_actions,
    owner_field="scheme",
)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_audit_history_state_note"),
        ("schemes", "0007_indicator_result_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(SCHEME_EVENTS.forward, SCHEME_EVENTS.backward),
        migrations.DeleteModel(name="SchemeEvent"),
    ]
