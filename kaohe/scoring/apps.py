from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "kaohe.scoring"
    label = "scoring"
    verbose_name = _("Scores and grades")

    def ready(self) -> None:
        # Registers the quarter and year jobs with kaohe.jobs.
        from kaohe.scoring import jobs  # noqa: F401
