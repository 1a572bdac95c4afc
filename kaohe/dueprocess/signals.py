"""Receivers: the region's cached figures are forgotten when they are saved."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from kaohe.dueprocess.models import DueProcessPolicy
from kaohe.dueprocess.policies import policy_forget


@receiver([post_save, post_delete], sender=DueProcessPolicy)
def _policy_changed(sender: Any, instance: DueProcessPolicy, **kwargs: Any) -> None:
    policy_forget(instance.region_id)
