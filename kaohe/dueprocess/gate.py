"""The 公示's check before a year is published (scoring.guards' registry of the apps
above scoring): registered when this module is imported, from DueprocessConfig.ready."""

from __future__ import annotations

from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext as _

from kaohe.core import clock
from kaohe.dueprocess.models import Objection, Publicity, PublicityEntry
from kaohe.dueprocess.policies import policy_for
from kaohe.scoring.engine import AnnualGrade
from kaohe.scoring.guards import Blocker, register_year_publish_check
from kaohe.scoring.models import AnnualResult, AnnualRun


def candidates_behind(publicity: Publicity) -> int:
    """How many people the 公示 lists differently from its run's results (the year
    computed again from the scoring pages after the 公示 began): 优秀 and not listed,
    or listed and no longer 优秀. Two queries."""
    excellent = set(
        AnnualResult.objects.filter(
            run_id=publicity.run_id, grade=AnnualGrade.EXCELLENT
        ).values_list("person_id", flat=True)
    )
    listed = set(
        PublicityEntry.objects.filter(publicity=publicity, withdrawn_on__isnull=True).values_list(
            "person_id", flat=True
        )
    )
    return len(excellent ^ listed)


@register_year_publish_check
def publicity_blockers(run: AnnualRun) -> list[Blocker]:
    """Where the region requires it, a year with 优秀 candidates is published only after
    their 公示: started, over (the last candidate's last day passed) and every objection
    answered with a finding, and the 公示 in line with the results. At most five
    queries."""
    if not policy_for(run.region_id).publicity_required:
        return []
    publicity = Publicity.objects.filter(run=run).first()
    if publicity is None:
        if not AnnualResult.objects.filter(run=run, grade=AnnualGrade.EXCELLENT).exists():
            return []
        return [
            Blocker(
                _(
                    "The 公示 of the 优秀 candidates of %(year)s has not been started: start it "
                    "from the year's page; the year is published after it ends."
                )
                % {"year": run.year},
                reverse("dueprocess:publicity_run", args=[run.pk]),
            )
        ]
    url = reverse("dueprocess:publicity", args=[publicity.pk])
    out: list[Blocker] = []
    behind = candidates_behind(publicity)
    if behind:
        out.append(
            Blocker(
                _(
                    "The year was computed again after its 公示 began: %(n)s candidates differ "
                    "from the results. Bring the 公示 in line on its page; a new candidate is "
                    "posted for a full period."
                )
                % {"n": behind},
                url,
            )
        )
    last = PublicityEntry.objects.filter(publicity=publicity, withdrawn_on__isnull=True).aggregate(
        last=Max("ends_on")
    )["last"]
    if last is not None and last >= clock.today():
        out.append(
            Blocker(
                _(
                    "The 公示 of %(year)s runs until %(day)s; the year can be published from "
                    "the next day."
                )
                % {"year": run.year, "day": last.isoformat()},
                url,
            )
        )
    unanswered = Objection.objects.filter(publicity=publicity, finding="").count()
    if unanswered:
        out.append(
            Blocker(
                _(
                    "%(n)s objections raised in the 公示 have no finding yet: answer each with "
                    "a written finding."
                )
                % {"n": unanswered},
                reverse("dueprocess:objections"),
            )
        )
    return out
