from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "kaohe.scoring"
    label = "scoring"
    verbose_name = _("Scores and grades")

    def ready(self) -> None:
        # Reviews may not import scoring (a lower app), so scoring registers the rule
        # that a round used by a confirmed or published period is not reopened.
        from kaohe.reviews import services as reviews_services
        from kaohe.scoring.guards import round_reopen_blockers

        if round_reopen_blockers not in reviews_services.reopen_guards:
            reviews_services.reopen_guards.append(round_reopen_blockers)
        # Likewise a unit's year result read by a confirmed or published year stays.
        from kaohe.performance.locks import register_year_lock
        from kaohe.scoring.guards import unit_year_locks

        register_year_lock(unit_year_locks)
        # Registers the quarter and year jobs with kaohe.jobs.
        # Registers the large grades and results exports' jobs.
        # Connects the forgets of what the admin edits (signals).
        from kaohe.scoring import (
            exports,  # noqa: F401
            jobs,  # noqa: F401
            signals,  # noqa: F401
        )
