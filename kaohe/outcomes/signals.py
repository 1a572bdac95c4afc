"""Forget the cached rules when the admin saves them (a signal, not an admin override,
so a bulk delete from the changelist is covered too)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from kaohe.outcomes.models import OutcomesPolicy
from kaohe.outcomes.policies import policy_forget


@receiver(post_save, sender=OutcomesPolicy)
@receiver(post_delete, sender=OutcomesPolicy)
def _on_policy_changed(sender: Any, instance: OutcomesPolicy, **kwargs: Any) -> None:
    policy_forget(instance.region_id)
