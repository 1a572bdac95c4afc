"""``manage.py score_year --region demo --year 2026``: compute the annual composite and grades."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaohe.core.errors import ApplicationError
from kaohe.org.models import Region
from kaohe.scoring import services


class Command(BaseCommand):
    help = "Compute a year's composite scores and grades for a region."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", required=True, help="region code, e.g. demo")
        parser.add_argument("--year", type=int, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        region = Region.objects.filter(code=options["region"]).first()
        if region is None:
            raise CommandError(f"no region with code {options['region']!r}")
        started = time.perf_counter()
        try:
            run = services.annual_compute(actor=None, region=region, year=options["year"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"{run}: {run.results.count()} results in {time.perf_counter() - started:.2f} s"
        )
