"""Forget the pages' cached copies when rows that only the Django admin (or a shell)
writes change: the scoring policy (`policies.scoring_policy`) and the units' annual
results (the year's facts, `core.year_facts`). A signal, not admin overrides, so a
bulk delete from the changelist is covered too (Django sends post_delete per row)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from kaohe.core.year_facts import year_facts_forget
from kaohe.org.models import Unit
from kaohe.scoring.models import ScoringPolicy, UnitAnnualScore
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


@receiver(post_save, sender=UnitAnnualScore)
@receiver(post_delete, sender=UnitAnnualScore)
def _on_unit_score_changed(sender: Any, instance: UnitAnnualScore, **kwargs: Any) -> None:
    region_id = Unit.objects.filter(pk=instance.unit_id).values_list("region_id", flat=True).first()
    if region_id is not None:
        year_facts_forget(region_id)
