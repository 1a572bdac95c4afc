from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    name = "kaohe.outcomes"
    label = "outcomes"
    verbose_name = _("Results in use")

    def ready(self) -> None:
        # Connects the receivers (the rules' cache, what a published period writes) and
        # registers the lists' export job (kaohe.jobs).
        from kaohe.outcomes import (
            signals,  # noqa: F401
            views_lists,  # noqa: F401
        )
