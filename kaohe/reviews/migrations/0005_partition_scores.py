"""On PostgreSQL, partition the open rounds' score rows by round (decision 26).

Closing a round folds its scores into tallies and then deletes them; with one
partition per round that delete is dropping a table, instead of marking millions
of rows dead and vacuuming them later. Rows of a round without a partition of its
own land in the default partition. SQLite keeps the plain table.

The primary key becomes (id, round_id), as PostgreSQL requires the partition key in
it; the ids stay random UUIDs, so Django's view of `id` as the key holds.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

INDEX = "reviews_sco_round_i_7335eb_idx"  # the name 0004 gave (round, target, group, dimension)


def partition(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in (
        "CREATE TABLE reviews_score_partitioned (LIKE reviews_score INCLUDING DEFAULTS) "
        "PARTITION BY LIST (round_id)",
        "CREATE TABLE reviews_score_default PARTITION OF reviews_score_partitioned DEFAULT",
        "INSERT INTO reviews_score_partitioned SELECT * FROM reviews_score",
        "DROP TABLE reviews_score",
        "ALTER TABLE reviews_score_partitioned RENAME TO reviews_score",
        "ALTER TABLE reviews_score ADD CONSTRAINT reviews_score_pkey PRIMARY KEY (id, round_id)",
        f"CREATE INDEX {INDEX} ON reviews_score (round_id, target_id, rater_group, dimension)",
    ):
        schema_editor.execute(sql)


def unpartition(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in (
        "CREATE TABLE reviews_score_plain (LIKE reviews_score INCLUDING DEFAULTS)",
        "INSERT INTO reviews_score_plain SELECT * FROM reviews_score",
        "DROP TABLE reviews_score CASCADE",
        "ALTER TABLE reviews_score_plain RENAME TO reviews_score",
        "ALTER TABLE reviews_score ADD CONSTRAINT reviews_score_pkey PRIMARY KEY (id)",
        f"CREATE INDEX {INDEX} ON reviews_score (round_id, target_id, rater_group, dimension)",
    ):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("reviews", "0004_score_dimensions")]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
