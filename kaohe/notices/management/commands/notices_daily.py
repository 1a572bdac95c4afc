from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kaohe.core import clock
from kaohe.notices.daily import daily_check, daily_schedule


class Command(BaseCommand):
    help = (
        "Remind raters of ballots closing within two working days and retry due "
        "deliveries (idempotent per day); --schedule also queues the daily job for the worker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="queue the self-rescheduling daily job (once; a queued one is kept)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = daily_check(clock.today())
        self.stdout.write(
            f"rounds closing soon: {result.rounds_due}; reminded: {result.reminded}; "
            f"deliveries attempted: {result.deliveries_attempted}"
        )
        if options["schedule"]:
            queued = daily_schedule()
            self.stdout.write("daily job queued" if queued else "jobs run at once: nothing queued")
