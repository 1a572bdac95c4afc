"""A scheme version's history is read from the audit log (issue 15): each SchemeEvent is
folded into the audit row its step wrote (kaohe.core.audit_fold), or becomes one, and
the table goes. The audit rows of those steps were written for the scheme; the merged
row points at the version, whose history it is."""

from django.conf import settings
from django.db import migrations

from kaohe.core.audit_fold import OldEvent, fold, unfold

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


def forward(apps, schema_editor):
    SchemeEvent = apps.get_model("schemes", "SchemeEvent")
    events = []
    last = {}
    for event in (
        SchemeEvent.objects.select_related("version__scheme")
        .order_by("at", "id")
        .iterator(chunk_size=1000)
    ):
        version = event.version
        scheme = version.scheme
        events.append(
            OldEvent(
                owner_id=str(scheme.pk),
                actions=_actions(event.state, last.get(version.pk)),
                at=event.at,
                actor_id=event.actor_id,
                state=event.state,
                note=event.note,
                target_type=VERSION,
                target_id=str(version.pk),
                target_repr=f"{scheme.name} v{version.number}",
                region_id=scheme.region_id,
            )
        )
        last[version.pk] = event.state
    user = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    fold(apps.get_model("core", "AuditEvent"), user, SCHEME, events)


def backward(apps, schema_editor):
    unfold(
        apps.get_model("core", "AuditEvent"),
        apps.get_model("schemes", "SchemeEvent"),
        apps.get_model("schemes", "SchemeVersion"),
        VERSION,
        "version",
        "note",
        owner=(SCHEME, "scheme_id"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_audit_history_state_note"),
        ("schemes", "0007_indicator_result_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(name="SchemeEvent"),
    ]
