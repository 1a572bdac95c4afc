"""Drop the log table's single-column foreign-key indexes: each column leads a
composite index already, and every index is written on every submission.

On SQLite these AlterFields rebuild the table, which drops its triggers: they are
installed again after the rebuild (and after the rebuild that reverses it)."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

from kaohe.worklogs import triggers


def reinstall_on_sqlite(apps: Any, schema_editor: Any) -> None:
    triggers.install(schema_editor, sqlite_only=True)


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0002_leave'),
        ('worklogs', '0004_log_tally_triggers'),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, reinstall_on_sqlite),
        migrations.AlterField(
            model_name='worklog',
            name='person',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='work_logs', to='org.person'),
        ),
        migrations.AlterField(
            model_name='worklog',
            name='region',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.region'),
        ),
        migrations.AlterField(
            model_name='worklog',
            name='unit',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.unit'),
        ),
        migrations.RunPython(reinstall_on_sqlite, migrations.RunPython.noop),
    ]
