from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    name = "kaohe.outcomes"
    label = "outcomes"
    verbose_name = _("Results in use")

    def ready(self) -> None:
        # Connects the receivers (the rules' cache, what a published period writes) and
        # registers the jobs: the import of earlier years (priors) and the lists'
        # export (views_lists).
        from kaohe.outcomes import (
            jobs_priors,  # noqa: F401
            signals,  # noqa: F401
            views_lists,  # noqa: F401
        )
