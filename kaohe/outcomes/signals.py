"""What the outcomes domain does when scoring publishes a period, and the forgetting of
the cached rules when the admin saves them (a signal, not an admin override, so a bulk
delete from the changelist is covered too)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from kaohe.jobs.progress import ProgressFn, no_progress
from kaohe.outcomes.models import OutcomesPolicy
from kaohe.outcomes.policies import policy_forget
from kaohe.outcomes.services import (
    archive_year,
    consequences_derive_quarter,
    consequences_derive_year,
)
from kaohe.scoring.models import AnnualRun, QuarterRun
from kaohe.scoring.signals import quarter_published, year_published


@receiver(post_save, sender=OutcomesPolicy)
@receiver(post_delete, sender=OutcomesPolicy)
def _on_policy_changed(sender: Any, instance: OutcomesPolicy, **kwargs: Any) -> None:
    policy_forget(instance.region_id)


@receiver(quarter_published, sender=QuarterRun)
def _on_quarter_published(
    sender: Any, run: QuarterRun, progress: ProgressFn = no_progress, **kwargs: Any
) -> None:
    """A failing quarter's talk or notice of criticism (R5.6), in the publishing
    transaction."""
    progress(50, 100, _("Deriving the consequences…"))
    consequences_derive_quarter(run=run)


@receiver(year_published, sender=AnnualRun)
def _on_year_published(
    sender: Any, run: AnnualRun, progress: ProgressFn = no_progress, **kwargs: Any
) -> None:
    """In the publishing transaction, in this order (each reads what the one before
    wrote): the year frozen into the archive (with the facts its eligibility lists
    read), then the consequences, read from the archive with the years before it.
    Published, archived and derived together, or none of it."""
    progress(10, 100, _("Archiving the year…"))
    archive_year(run=run)
    progress(75, 100, _("Deriving the consequences…"))
    consequences_derive_year(run=run)
