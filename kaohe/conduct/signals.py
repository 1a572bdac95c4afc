"""Forget the cached rules when the admin saves them (a signal, not an admin override,
so a bulk delete from the changelist is covered too)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from kaohe.conduct.models import ConductPolicy
from kaohe.conduct.policies import policy_forget


@receiver(post_save, sender=ConductPolicy)
@receiver(post_delete, sender=ConductPolicy)
def _on_policy_changed(sender: Any, instance: ConductPolicy, **kwargs: Any) -> None:
    policy_forget(instance.region_id)
