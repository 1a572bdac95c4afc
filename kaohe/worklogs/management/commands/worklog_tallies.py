"""``manage.py worklog_tallies [--region demo] [--rebuild]``: check or rebuild the
monthly log tallies the compliance report reads."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaohe.org.models import Region
from kaohe.worklogs import tallies


class Command(BaseCommand):
    help = (
        "Compare the monthly work-log tallies with a recount of the logs (exit status 1 "
        "when they differ), or rebuild them with --rebuild, e.g. after a bulk load that "
        "switched the database triggers off."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", help="region code, e.g. demo (default: every region)")
        parser.add_argument("--rebuild", action="store_true", help="recount and replace")

    def handle(self, *args: Any, **options: Any) -> None:
        regions = Region.objects.order_by("code")
        if options["region"]:
            regions = regions.filter(code=options["region"])
            if not regions.exists():
                raise CommandError(f"no region with code {options['region']!r}")
        started = time.perf_counter()
        if options["rebuild"]:
            rows = tallies.tallies_rebuild(actor=None, region_ids=[r.pk for r in regions])
            self.stdout.write(f"rebuilt {rows} tallies in {time.perf_counter() - started:.1f} s")
            return
        wrong = 0
        for region in regions:
            found = tallies.differences(region.pk)
            wrong += len(found)
            for (person_id, unit_id, month), have, want in found[:20]:
                self.stdout.write(
                    f"{region.code}: person {person_id}, unit {unit_id}, {month:%Y-%m}: "
                    f"stored {have or (0, 0)}, recounted {want or (0, 0)}"
                )
            self.stdout.write(f"{region.code}: {len(found)} tallies differ from the logs")
        if wrong:
            raise CommandError("tallies differ from the logs; run with --rebuild")
