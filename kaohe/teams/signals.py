"""Forget the cached rules when the admin saves them."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from kaohe.teams.models import TeamPolicy
from kaohe.teams.policies import policy_forget


@receiver(post_save, sender=TeamPolicy)
@receiver(post_delete, sender=TeamPolicy)
def _on_policy_changed(sender: Any, instance: TeamPolicy, **kwargs: Any) -> None:
    policy_forget(instance.region_id)
