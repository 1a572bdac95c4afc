"""Keep cached work-record rules fresh in this process when they are edited."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from kaohe.worklogs.models import WorklogPolicy
from kaohe.worklogs.services import policy_forget


@receiver(post_save, sender=WorklogPolicy)
def _on_policy_saved(sender: Any, instance: WorklogPolicy, **kwargs: Any) -> None:
    policy_forget(instance.region_id)
