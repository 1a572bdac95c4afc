from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "kaohe.supervision"
    label = "supervision"
    verbose_name = _("Supervision ledger")
