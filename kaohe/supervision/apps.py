from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "kaohe.supervision"
    label = "supervision"
    verbose_name = _("Supervision ledger")

    def ready(self) -> None:
        # The deadlines' reminders and overdue notices in the daily check (its registry
        # sits below this app, which it cannot import).
        from kaohe.notices.daily import register_daily
        from kaohe.supervision.services import findings_remind

        register_daily(findings_remind)
