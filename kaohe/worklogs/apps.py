from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorklogsConfig(AppConfig):
    name = "kaohe.worklogs"
    label = "worklogs"
    verbose_name = _("Work records")

    def ready(self) -> None:
        # Registers the large compliance export's job with kaohe.jobs.
        from kaohe.worklogs import (
            exports,  # noqa: F401
            signals,  # noqa: F401  (cache invalidation)
        )
