from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "kaohe.surveys"
    label = "surveys"
    verbose_name = _("Public surveys")

    def ready(self) -> None:
        # The expired anti-stuffing counters and spent nonces deleted in the daily
        # check (its registry sits below this app, which it cannot import).
        from kaohe.notices.daily import register_daily
        from kaohe.surveys.public import throttles_expire

        register_daily(throttles_expire)
