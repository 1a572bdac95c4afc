"""Ballot boxes and tallies instead of a row per score (decision 31): the new tables,
and the columns the fold and scrub of 0007 fill before 0008 drops the old ones.

On PostgreSQL the tally table is partitioned by round, as the score table was
(decision 26): a close drops the round's partition.
"""

from __future__ import annotations

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

GROUPS = [("leader", "Leader rating"), ("team", "Peer rating"), ("others", "Other raters")]


def partition_tallies(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in (
        "CREATE TABLE reviews_tally_partitioned "
        "(LIKE reviews_tally INCLUDING DEFAULTS INCLUDING IDENTITY) PARTITION BY LIST (round_id)",
        "CREATE TABLE reviews_tally_default PARTITION OF reviews_tally_partitioned DEFAULT",
        "DROP TABLE reviews_tally",
        "ALTER TABLE reviews_tally_partitioned RENAME TO reviews_tally",
        "ALTER TABLE reviews_tally ADD CONSTRAINT reviews_tally_pkey PRIMARY KEY (id, round_id)",
    ):
        schema_editor.execute(sql)


def unpartition_tallies(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in (
        "CREATE TABLE reviews_tally_plain "
        "(LIKE reviews_tally INCLUDING DEFAULTS INCLUDING IDENTITY)",
        "INSERT INTO reviews_tally_plain SELECT * FROM reviews_tally",
        "DROP TABLE reviews_tally CASCADE",
        "ALTER TABLE reviews_tally_plain RENAME TO reviews_tally",
        "ALTER TABLE reviews_tally ADD CONSTRAINT reviews_tally_pkey PRIMARY KEY (id)",
    ):
        schema_editor.execute(sql)


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
                ("sealed", models.BinaryField(null=True)),
                ("valid", models.PositiveIntegerField(null=True)),
                ("void", models.PositiveIntegerField(null=True)),
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
        migrations.CreateModel(
            name="Tally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("rater_group", models.CharField(choices=GROUPS, max_length=16)),
                ("dimension", models.CharField(blank=True, default="", max_length=8)),
                ("count", models.PositiveIntegerField()),
                ("total", models.PositiveIntegerField()),
                ("low", models.PositiveSmallIntegerField()),
                ("high", models.PositiveSmallIntegerField()),
                (
                    "round",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="reviews.reviewround",
                    ),
                ),
                (
                    "target",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="org.person",
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="org.unit",
                    ),
                ),
            ],
        ),
        migrations.RunPython(partition_tallies, unpartition_tallies, elidable=False),
        # After partitioning: PostgreSQL accepts it on the partitioned table, as it
        # holds the partition key.
        migrations.AddConstraint(
            model_name="tally",
            constraint=models.UniqueConstraint(
                fields=("round", "target", "rater_group", "dimension"), name="uniq_tally"
            ),
        ),
        migrations.AddField(
            model_name="participation",
            name="submitted_on",
            field=models.DateField(null=True),
        ),
        migrations.AlterField(
            model_name="invalidballots",
            name="rater_group",
            field=models.CharField(choices=GROUPS, max_length=16, blank=True, default=""),
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
