"""Data for decision 31, between the new table (0006) and dropping the old (0008).

- Participation keeps the day, not the time.
- A round's k (`min_shown`) is at least 3, and trimming starts above it.
- Rater plans whose weights break the new rules (whole percentages adding up to 100,
  each 0 or 10–60) go back to the default 40:30:30.
- An open round: its score rows are folded into sealed ballot boxes (per rater group
  of each unit; as many ballots as its most-rated target received), its drafts are
  sealed, and each unit's weights are fixed as they are now.
- Closed rounds' results keep nothing that rests on fewer than k ballots: group
  figures below k (and a second group where one is hidden) and scores from fewer
  than k scores are cleared. Void ballots are no longer counted anywhere.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import migrations
from django.db.models import Count, Max, Min, Sum
from django.db.models.functions import TruncDate

GROUPS = ["leader", "team", "others"]


def _sound(weights: list[int]) -> bool:
    return sum(weights) == 100 and all(w == 0 or 10 <= w <= 60 for w in weights)


def forwards(apps: Any, schema_editor: Any) -> None:
    from kaohe.reviews.seal import BoxTally, Entry, seal, seal_draft
    from kaohe.reviews.tally import suppression

    models = {name: apps.get_model("reviews", name) for name in (
        "ReviewRound", "Score", "BallotBox", "RoundResult", "Participation", "DraftBallot",
        "RaterPlan", "RoundUnit",
    )}
    Unit = apps.get_model("org", "Unit")

    models["Participation"].objects.update(submitted_on=TruncDate("submitted_at"))
    rounds = models["ReviewRound"].objects
    rounds.filter(min_shown__lt=3).update(min_shown=3)
    for round_ in rounds.all():
        if round_.trim_above <= round_.min_shown:
            round_.trim_above = round_.min_shown + 1
            round_.save(update_fields=["trim_above"])
    plans: dict[tuple[int, str], list[int]] = {}
    for plan in models["RaterPlan"].objects.all():
        weights = [plan.leader_weight, plan.team_weight, plan.others_weight]
        if not _sound(weights):
            plan.leader_weight, plan.team_weight, plan.others_weight = weights = [40, 30, 30]
            plan.save(update_fields=["leader_weight", "team_weight", "others_weight"])
        plans[(plan.region_id, plan.unit_type)] = weights

    for round_ in rounds.all():
        k = max(3, round_.min_shown)
        unit_types = set(
            Unit.objects.filter(
                pk__in=models["RoundUnit"].objects.filter(round_id=round_.pk).values("unit_id")
            ).values_list("unit_type", flat=True)
        )
        weights = {t: plans.get((round_.region_id, t), [40, 30, 30]) for t in unit_types}
        if round_.state in ("draft", "open"):
            if round_.state == "open":
                for unit_type, (leader, team, others) in weights.items():
                    models["RoundUnit"].objects.filter(
                        round_id=round_.pk, unit__unit_type=unit_type
                    ).update(leader_weight=leader, team_weight=team, others_weight=others)
            _fold(round_, models, BoxTally, Entry, seal)
            for draft in models["DraftBallot"].objects.filter(round_id=round_.pk):
                draft.sealed = seal_draft(
                    {str(key): int(v) for key, v in (draft.values or {}).items()},
                    round_id=round_.pk,
                    unit_id=draft.unit_id,
                    rater_id=draft.rater_id,
                )
                draft.save(update_fields=["sealed"])
        else:
            _scrub(round_, k, models["RoundResult"], weights, Unit, suppression)


def _fold(round_: Any, models: dict[str, Any], BoxTally: Any, Entry: Any, seal: Any) -> None:
    boxes: dict[tuple[int, str], Any] = defaultdict(BoxTally)
    for row in (
        models["Score"]
        .objects.filter(round_id=round_.pk)
        .values("unit_id", "target_id", "rater_group", "dimension")
        .annotate(n=Count("id"), total=Sum("value"), low=Min("value"), high=Max("value"))
    ):
        box = boxes[(row["unit_id"], row["rater_group"])]
        box.entries[(row["target_id"], row["dimension"])] = Entry(
            row["n"], row["total"], row["low"], row["high"]
        )
    for (unit_id, group), box in sorted(boxes.items()):
        box.ballots = max((e.count for e in box.entries.values()), default=0)
        models["BallotBox"].objects.create(
            round_id=round_.pk,
            unit_id=unit_id,
            rater_group=group,
            sealed=seal(box, round_id=round_.pk, unit_id=unit_id, group=group),
        )


def _scrub(
    round_: Any, k: int, RoundResult: Any, weights: dict[str, list[int]], Unit: Any, suppression: Any
) -> None:
    unit_types = dict(
        Unit.objects.filter(
            pk__in=RoundResult.objects.filter(round_id=round_.pk).values("unit_id")
        ).values_list("pk", "unit_type")
    )
    changed = []
    for result in RoundResult.objects.filter(round_id=round_.pk).iterator(chunk_size=2000):
        plan = dict(zip(GROUPS, weights.get(unit_types.get(result.unit_id, ""), [40, 30, 30])))
        plan_weights = {g: Decimal(w) for g, w in plan.items()}
        counts = {g: getattr(result, f"{g}_count") or 0 for g in GROUPS}
        hidden, withheld = suppression(counts, k, plan_weights)
        for g in GROUPS:
            if g in hidden or counts[g] < k:
                for stat in ("count", "mean", "weight"):
                    setattr(result, f"{g}_{stat}", None)
        counting = sum(n for g, n in counts.items() if plan_weights[g] > 0)
        if withheld or counting < k:
            result.score = None
        aspects = {}
        for aspect, figures in (result.dimensions or {}).items():
            groups = figures.get("groups", {})
            aspect_counts = {g: int((groups.get(g) or {}).get("count") or 0) for g in GROUPS}
            aspect_counting = sum(n for g, n in aspect_counts.items() if plan_weights[g] > 0)
            keep_score = not withheld and aspect_counting >= k
            aspects[aspect] = {
                "score": figures.get("score") if keep_score else None,
                "groups": {
                    g: {"count": None, "mean": None}
                    if g in hidden or aspect_counts[g] < k
                    else {"count": aspect_counts[g], "mean": (groups.get(g) or {}).get("mean")}
                    for g in GROUPS
                },
            }
        result.dimensions = aspects
        changed.append(result)
    fields = ["score", "dimensions"] + [
        f"{g}_{stat}" for g in GROUPS for stat in ("count", "mean", "weight")
    ]
    RoundResult.objects.bulk_update(changed, fields, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("reviews", "0006_ballot_boxes")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
