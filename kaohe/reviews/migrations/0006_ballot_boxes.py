"""Sealed ballot boxes instead of a row per score (decision 31): the new table, and the
columns that the fold and scrub of 0007 fill before 0008 drops the old ones."""

from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models

GROUPS = [("leader", "Leader rating"), ("team", "Peer rating"), ("others", "Other raters")]


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0002_leave"),
        ("reviews", "0005_partition_scores"),
    ]

    operations = [
        migrations.CreateModel(
            name="BallotBox",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("rater_group", models.CharField(choices=GROUPS, max_length=16)),
                ("sealed", models.BinaryField()),
                (
                    "round",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="reviews.reviewround",
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="org.unit",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("round", "unit", "rater_group"), name="uniq_box"
                    )
                ]
            },
        ),
        migrations.AddField(
            model_name="participation",
            name="submitted_on",
            field=models.DateField(null=True),
        ),
        migrations.AddField(
            model_name="draftballot",
            name="sealed",
            field=models.BinaryField(null=True),
        ),
        *(
            migrations.AddField(
                model_name="roundunit",
                name=f"{group}_weight",
                field=models.PositiveSmallIntegerField(null=True, editable=False),
            )
            for group in ("leader", "team", "others")
        ),
        migrations.AlterField(
            model_name="roundresult",
            name="leader_count",
            field=models.PositiveIntegerField(null=True),
        ),
        migrations.AlterField(
            model_name="roundresult",
            name="team_count",
            field=models.PositiveIntegerField(null=True),
        ),
        migrations.AlterField(
            model_name="roundresult",
            name="others_count",
            field=models.PositiveIntegerField(null=True),
        ),
    ]
