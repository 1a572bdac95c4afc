from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "kaohe.reviews"
    label = "reviews"
    verbose_name = _("Quarterly ratings")

    def ready(self) -> None:
        # The roster import keeps open rounds' lists as they were when voting opened.
        from kaohe.org.roster import FROZEN_PERIODS
        from kaohe.reviews.selectors import open_round_periods

        if open_round_periods not in FROZEN_PERIODS:
            FROZEN_PERIODS.append(open_round_periods)
        # Registers the round-closing job with kaohe.jobs.
        # Registers the large non-voters export's job.
        from kaohe.reviews import (
            exports,  # noqa: F401
            jobs,  # noqa: F401
        )
