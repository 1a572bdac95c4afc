"""Drop what decision 31 no longer keeps: the score rows, void counts, the time of
participation, drafts in the clear, the per-group sums, lows and highs of results;
and add the rules of rounds and rater plans as constraints, checked in one place for
every entry point."""

from __future__ import annotations

import django.core.validators
from django.db import migrations, models


def _ceiling(default: int, name: str, limit: int = 1000) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        default=default,
        validators=[django.core.validators.MaxValueValidator(limit)],
        verbose_name=name,
    )


class Migration(migrations.Migration):
    dependencies = [("reviews", "0007_fold_scores_scrub_results")]

    operations = [
        migrations.DeleteModel(name="Score"),
        migrations.RemoveField(model_name="participation", name="submitted_at"),
        migrations.AlterField(
            model_name="participation", name="submitted_on", field=models.DateField()
        ),
        *(
            migrations.RemoveField(model_name="roundresult", name=f"{g}_{stat}")
            for g in ("leader", "team", "others")
            for stat in ("total", "low", "high")
        ),
        migrations.DeleteModel(name="InvalidBallots"),
        migrations.RemoveField(model_name="draftballot", name="values"),
        migrations.AlterField(
            model_name="draftballot", name="sealed", field=models.BinaryField()
        ),
        migrations.AlterField("reviewround", "score_min", _ceiling(50, "lowest score")),
        migrations.AlterField("reviewround", "score_max", _ceiling(100, "highest score")),
        migrations.AlterField("reviewround", "high_score", _ceiling(90, "high score threshold")),
        migrations.AlterField(
            "reviewround", "min_shown", _ceiling(3, "fewest scores shown for a group")
        ),
        migrations.AlterField(
            "reviewround",
            "trim_above",
            _ceiling(5, "drop highest and lowest above this many scores", 10000),
        ),
        migrations.AddConstraint(
            model_name="reviewround",
            constraint=models.CheckConstraint(
                condition=models.Q(min_shown__gte=3), name="round_min_shown_at_least_3",
                violation_error_message="The fewest scores shown for a group must be at least 3; fewer would let a single rater's scores be read.",
            ),
        ),
        migrations.AddConstraint(
            model_name="reviewround",
            constraint=models.CheckConstraint(
                condition=models.Q(score_max__gt=models.F("score_min")), name="round_score_range",
                violation_error_message='The highest score must be above the lowest score; change one of them.',
            ),
        ),
        migrations.AddConstraint(
            model_name="reviewround",
            constraint=models.CheckConstraint(
                condition=models.Q(high_score__gt=models.F("score_min"))
                & models.Q(high_score__lte=models.F("score_max")),
                name="round_high_score_in_range",
                violation_error_message='The high score threshold must be above the lowest score and at most the highest score.',
            ),
        ),
        migrations.AddConstraint(
            model_name="reviewround",
            constraint=models.CheckConstraint(
                condition=models.Q(high_share__gt=0) & models.Q(high_share__lte=1),
                name="round_high_share",
                violation_error_message='The share of a ballot that may get the high score must be above 0 and at most 1 (for example 0.30 for three in ten).',
            ),
        ),
        migrations.AddConstraint(
            model_name="reviewround",
            constraint=models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="round_ends_after_start",
                violation_error_message='Voting must end on or after the day it starts.',
            ),
        ),
    ]
