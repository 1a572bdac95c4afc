from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorklogsConfig(AppConfig):
    name = "kaohe.worklogs"
    label = "worklogs"
    verbose_name = _("Work records")

    def ready(self) -> None:
        # Registers the large compliance export's job with kaohe.jobs.
        from kaohe.org.selectors import UNITS_WRITTEN
        from kaohe.worklogs import (
            exports,  # noqa: F401
            signals,  # noqa: F401  (cache invalidation)
        )
        from kaohe.worklogs.compliance import compliance_forget

        # Units and memberships shape the region's compliance figures too.
        if compliance_forget not in UNITS_WRITTEN:
            UNITS_WRITTEN.append(compliance_forget)
