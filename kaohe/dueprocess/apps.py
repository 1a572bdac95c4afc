from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DueprocessConfig(AppConfig):
    name = "kaohe.dueprocess"
    label = "dueprocess"
    verbose_name = _("Due process")

    def ready(self) -> None:
        # The receivers; the 公示's check before a year is published (gate) and the job
        # of an upheld objection (jobs), registered with scoring's and jobs' registries.
        from kaohe.dueprocess import (
            gate,  # noqa: F401
            jobs,  # noqa: F401
            signals,  # noqa: F401
        )
