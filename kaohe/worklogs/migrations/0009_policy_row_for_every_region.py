"""Every region gets its work-record rules' row with the defaults: the pages read the
rules without writing (worklogs.policies.policy_for), so the row is no longer made on a
region's first page view; new regions get it when created (worklogs.signals)."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def forwards(apps: Any, schema_editor: Any) -> None:
    Region = apps.get_model("org", "Region")
    WorklogPolicy = apps.get_model("worklogs", "WorklogPolicy")
    have = set(WorklogPolicy.objects.values_list("region_id", flat=True))
    WorklogPolicy.objects.bulk_create(
        WorklogPolicy(region_id=pk)
        for pk in Region.objects.values_list("pk", flat=True)
        if pk not in have
    )


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0001_initial"),
        ("worklogs", "0008_feed_keyset_indexes"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
