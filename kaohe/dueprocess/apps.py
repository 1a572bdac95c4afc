from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DueprocessConfig(AppConfig):
    name = "kaohe.dueprocess"
    label = "dueprocess"
    verbose_name = _("Due process")

    def ready(self) -> None:
        from kaohe.dueprocess import signals  # noqa: F401
