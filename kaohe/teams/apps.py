from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    name = "kaohe.teams"
    label = "teams"
    verbose_name = _("Leadership teams")

    def ready(self) -> None:
        # Connects the receiver that forgets the cached rules when they are saved.
        from kaohe.teams import signals  # noqa: F401
