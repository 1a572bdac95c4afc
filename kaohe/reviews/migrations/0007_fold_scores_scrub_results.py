"""Data for decision 31, between the new tables (0006) and dropping the old (0008).

- Participation keeps the day, not the time.
- A round's k (`min_shown`) is at least 3.
- An open round's score rows are folded into ballot boxes and tallies: per rater group
  of each unit, the box holds the group's tallies, sealed while the group has cast
  at most k valid ballots (as many as its most-rated target received).
- Closed rounds' results keep nothing that rests on fewer than k ballots: group
  figures below k (and a second group where one is hidden) and scores from fewer
  than k ballots are cleared; void ballots are kept per unit, only from k on.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import migrations
from django.db.models import Count, Max, Min, Sum
from django.db.models.functions import TruncDate

GROUPS = ["leader", "team", "others"]


def forwards(apps: Any, schema_editor: Any) -> None:
    from kaohe.reviews.seal import BoxTally, Entry, seal
    from kaohe.reviews.tally import suppressed_groups

    ReviewRound = apps.get_model("reviews", "ReviewRound")
    Score = apps.get_model("reviews", "Score")
    BallotBox = apps.get_model("reviews", "BallotBox")
    Tally = apps.get_model("reviews", "Tally")
    InvalidBallots = apps.get_model("reviews", "InvalidBallots")
    RoundResult = apps.get_model("reviews", "RoundResult")
    Participation = apps.get_model("reviews", "Participation")

    Participation.objects.update(submitted_on=TruncDate("submitted_at"))
    ReviewRound.objects.filter(min_shown__lt=3).update(min_shown=3)

    void: dict[tuple[int, int, str], int] = {
        (r, u, g): n
        for r, u, g, n in InvalidBallots.objects.values_list(
            "round_id", "unit_id", "rater_group", "count"
        )
    }
    for round_ in ReviewRound.objects.all():
        k = max(3, round_.min_shown)
        if round_.state in ("draft", "open"):
            _fold(round_, k, Score, BallotBox, Tally, void, BoxTally, Entry, seal, schema_editor)
        else:
            _scrub(round_, k, RoundResult, suppressed_groups)
    # Void ballots per unit, and after close only from k on; an open round's are in
    # its boxes now.
    per_unit: dict[tuple[int, int], int] = defaultdict(int)
    for (r, u, _g), n in void.items():
        per_unit[(r, u)] += n
    closed = {
        r.pk: max(3, r.min_shown)
        for r in ReviewRound.objects.filter(state__in=["closed", "published"])
    }
    InvalidBallots.objects.all().delete()
    InvalidBallots.objects.bulk_create(
        InvalidBallots(round_id=r, unit_id=u, rater_group="", count=n)
        for (r, u), n in sorted(per_unit.items())
        if r in closed and n >= closed[r]
    )


def _fold(round_, k, Score, BallotBox, Tally, void, BoxTally, Entry, seal, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE TABLE IF NOT EXISTS reviews_tally_r{int(round_.pk)} "
            f"PARTITION OF reviews_tally FOR VALUES IN ({int(round_.pk)})"
        )
    boxes: dict[tuple[int, str], Any] = defaultdict(BoxTally)
    for row in (
        Score.objects.filter(round_id=round_.pk)
        .values("unit_id", "target_id", "rater_group", "dimension")
        .annotate(n=Count("id"), total=Sum("value"), low=Min("value"), high=Max("value"))
    ):
        box = boxes[(row["unit_id"], row["rater_group"])]
        box.entries[(row["target_id"], row["dimension"])] = Entry(
            row["n"], row["total"], row["low"], row["high"]
        )
    for (r, u, g), n in void.items():
        if r == round_.pk:
            boxes[(u, g)].void = n
    tallies = []
    for (unit_id, group), box in sorted(boxes.items()):
        box.valid = max((e.count for e in box.entries.values()), default=0)
        if box.valid >= k + 1:
            BallotBox.objects.create(
                round_id=round_.pk, unit_id=unit_id, rater_group=group, valid=box.valid, void=box.void
            )
            tallies += [
                Tally(
                    round_id=round_.pk,
                    unit_id=unit_id,
                    target_id=target,
                    rater_group=group,
                    dimension=aspect,
                    count=e.count,
                    total=e.total,
                    low=e.low,
                    high=e.high,
                )
                for (target, aspect), e in sorted(box.entries.items())
            ]
        else:
            BallotBox.objects.create(
                round_id=round_.pk,
                unit_id=unit_id,
                rater_group=group,
                sealed=seal(box, round_id=round_.pk, unit_id=unit_id, group=group),
            )
    Tally.objects.bulk_create(tallies, batch_size=5000)


def _scrub(round_, k, RoundResult, suppressed_groups):  # type: ignore[no-untyped-def]
    changed = []
    for result in RoundResult.objects.filter(round_id=round_.pk).iterator(chunk_size=2000):
        counts = {g: getattr(result, f"{g}_count") or 0 for g in GROUPS}
        hidden = suppressed_groups(counts, k)
        for g in GROUPS:
            if g in hidden or counts[g] < k:
                for stat in ("count", "mean", "weight"):
                    setattr(result, f"{g}_{stat}", None)
        if sum(counts.values()) < k:
            result.score = None
        aspects = {}
        for aspect, figures in (result.dimensions or {}).items():
            groups = figures.get("groups", {})
            aspect_counts = {g: int((groups.get(g) or {}).get("count") or 0) for g in GROUPS}
            aspects[aspect] = {
                "score": figures.get("score") if sum(aspect_counts.values()) >= k else None,
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
