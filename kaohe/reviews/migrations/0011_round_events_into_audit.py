"""A round's history is read from the audit log (issue 15): each RoundEvent is folded
into the audit row its change wrote (kaohe.core.audit_fold), or becomes one, and the
table goes."""

from django.conf import settings
from django.db import migrations

from kaohe.core.audit_fold import HistoryTable, Target

ROUND = "reviews.reviewround"


def _name(round_):
    # ReviewRound.__str__, which historical models do not have.
    if round_.cadence == "monthly":
        return f"{round_.year}年{round_.number}月考评"
    if round_.cadence == "annual":
        return f"{round_.year}年度民主测评"
    return f"{round_.year}年第{round_.number}季度考评"


def _actions(state, previous):
    """The audit action a round event was written with: its creation (the first, a
    draft), a move to a state, or an extension (the state it stayed in, with a reason)."""
    if previous is None:
        return ["reviews.round.create", f"reviews.round.{state}"]
    if state == previous:
        return ["reviews.round.extend", f"reviews.round.{state}"]
    return [f"reviews.round.{state}", "reviews.round.extend"]


def _target(event):
    round_ = event.round
    return Target(ROUND, str(round_.pk), _name(round_), str(round_.pk), round_.region_id)


ROUND_EVENTS = HistoryTable(
    app="reviews",
    model="RoundEvent",
    note_field="reason",
    target_model="ReviewRound",
    target_field="round",
    target_type=ROUND,
    owner_type=ROUND,
    target_of=_target,
    actions_of=_actions,
)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_audit_history_state_note"),
        ("reviews", "0010_verbose_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(ROUND_EVENTS.forward, ROUND_EVENTS.backward),
        migrations.DeleteModel(name="RoundEvent"),
    ]
