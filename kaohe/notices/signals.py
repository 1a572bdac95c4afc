"""Forget the region's home facts (pages.todo.home_facts) when rows that no service
writes change: leave, rank levels, working-day overrides and the log rules are edited
in the Django admin (or a shell), whose saves reach here and nowhere else."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from kaohe.accounts.home_cache import home_forget_region
from kaohe.core.models import WorkdayOverride
from kaohe.org.models import Leave, RankLevel
from kaohe.worklogs.models import WorklogPolicy


@receiver(post_save, sender=Leave)
@receiver(post_delete, sender=Leave)
@receiver(post_save, sender=RankLevel)
@receiver(post_delete, sender=RankLevel)
@receiver(post_save, sender=WorkdayOverride)
@receiver(post_delete, sender=WorkdayOverride)
@receiver(post_save, sender=WorklogPolicy)
@receiver(post_delete, sender=WorklogPolicy)
def _on_home_input_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    home_forget_region(instance.region_id)
