"""The feed's keyset indexes: one unit's logs by (day, id), and the region's logs by
(day, id) with their unit, so a page of the feed reads a page of index entries
rather than counting and sorting the readable logs. The new unit index is created
before the old one is dropped: the unit's foreign key is never without an index."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0003_verbose_names'),
        ('worklogs', '0007_verbose_names'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='worklog',
            index=models.Index(fields=['unit', '-day', '-id', 'region'], name='worklogs_wo_unit_id_068dff_idx'),
        ),
        migrations.RemoveIndex(
            model_name='worklog',
            name='worklogs_wo_unit_id_fa5384_idx',
        ),
        migrations.AddIndex(
            model_name='worklog',
            index=models.Index(fields=['region', '-day', '-id', 'unit'], name='worklogs_wo_region__d3b914_idx'),
        ),
    ]
