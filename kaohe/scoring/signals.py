"""Forget the pages' cached copies when rows that only the Django admin (or a shell)
writes change: the scoring policy (`policies.scoring_policy`). A signal, not admin
overrides, so a bulk delete from the changelist is covered too (Django sends
post_delete per row). The units' year results, which the year's facts
(`core.year_facts`) read, are written only by performance's services, which forget
them."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from kaohe.scoring.models import ScoringPolicy
from kaohe.scoring.policies import policy_forget

# Sent inside the publishing transaction (keywords `run` and `progress`, a
# jobs.progress.ProgressFn the receivers tell their steps; sender the run's class), so
# that what the domains above scoring do with a published period (outcomes: the
# archive, the consequences) is written with it or not at all. Scoring may not
# import them (docs/architecture.md, Layers).
quarter_published = Signal()
year_published = Signal()


@receiver(post_save, sender=ScoringPolicy)
@receiver(post_delete, sender=ScoringPolicy)
def _on_policy_changed(sender: Any, instance: ScoringPolicy, **kwargs: Any) -> None:
    policy_forget(instance.region_id)
