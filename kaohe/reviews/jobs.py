"""Closing a rating round as a background job (kaohe.jobs): opening every box and
writing the results takes long at city scale."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy

from kaohe.jobs.models import Job
from kaohe.jobs.progress import Progress
from kaohe.jobs.registry import register
from kaohe.jobs.services import job_actor
from kaohe.reviews import services
from kaohe.reviews.models import ReviewRound

CLOSE = "reviews.round.close"


def round_key(round_id: int) -> str:
    """One job at a time per round."""
    return f"round:{round_id}"


@register(CLOSE, gettext_lazy("Closing the round"))
def close_job(job: Job, progress: Progress) -> str:
    round_ = ReviewRound.objects.get(pk=job.params["round_id"], region=job.region)
    actor = job_actor(job)
    services.round_close(actor=actor, round_=round_, progress=progress)  # type: ignore[arg-type]
    return reverse("reviews:round", args=[round_.pk])
