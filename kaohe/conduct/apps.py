from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConductConfig(AppConfig):
    name = "kaohe.conduct"
    label = "conduct"
    verbose_name = _("Discipline and attendance")

    def ready(self) -> None:
        # Connects the receiver that forgets the cached rules when they are saved.
        from kaohe.conduct import signals  # noqa: F401
