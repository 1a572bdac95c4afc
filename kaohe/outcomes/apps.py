from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    name = "kaohe.outcomes"
    label = "outcomes"
    verbose_name = _("Results in use")

    def ready(self) -> None:
        # Connects the receivers (the rules' cache, what a published period writes) and
        # registers the jobs: the import of earlier years (part priors).
        from kaohe.outcomes import jobs_priors, signals  # noqa: F401
