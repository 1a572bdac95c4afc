from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "kaohe.notices"
    label = "notices"
    verbose_name = _("Notices and reminders")

    def ready(self) -> None:
        from kaohe.notices import signals  # noqa: F401  (the home facts' cache invalidation)
