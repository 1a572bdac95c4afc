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

        # cases: the deadlines' reminders in the daily check, the year's cases in the
        # archive (both registries sit below this app, which they cannot import).
        from kaohe.dueprocess.selectors import cases_section
        from kaohe.dueprocess.services import cases_remind
        from kaohe.notices.daily import register_daily
        from kaohe.outcomes.sections import register_section

        register_daily(cases_remind)
        # The archive shows the signed notice and the cadre's opinion, then the cases.
        from kaohe.dueprocess.selectors import notice_section

        register_section(notice_section)
        register_section(cases_section)
