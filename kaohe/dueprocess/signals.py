"""Receivers: the region's cached figures are forgotten when they are saved; the 公示
is confirmed when its year is published."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from kaohe.dueprocess.models import DueProcessPolicy
from kaohe.dueprocess.policies import policy_forget
from kaohe.dueprocess.services import publicity_confirm
from kaohe.scoring.models import AnnualRun
from kaohe.scoring.signals import year_published


@receiver([post_save, post_delete], sender=DueProcessPolicy)
def _policy_changed(sender: Any, instance: DueProcessPolicy, **kwargs: Any) -> None:
    policy_forget(instance.region_id)


# ---------------------------------------------------------------- publicity (公示)


@receiver(year_published, sender=AnnualRun)
def _on_year_published(sender: Any, run: AnnualRun, **kwargs: Any) -> None:
    """The year's 公示 confirmed with the publish, in its transaction."""
    publicity_confirm(run=run)
