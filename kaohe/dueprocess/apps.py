from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DueprocessConfig(AppConfig):
    name = "kaohe.dueprocess"
    label = "dueprocess"
    verbose_name = _("Due process")

    def ready(self) -> None:
        from kaohe.dueprocess import signals  # noqa: F401
        from kaohe.dueprocess.selectors import notice_section
        from kaohe.outcomes.sections import register_section

        # notice part: the signed notice and the cadre's opinion in the archive
        register_section(notice_section)
