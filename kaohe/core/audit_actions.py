"""The kinds of audit event: one registry of every action a service may write, each with
the label the audit page shows (Zulip's RealmAuditLog event types, as STYLE.md asks).

The value is the code stored in `AuditEvent.action` (``org.unit.create``): stable and
searchable, so old rows read as they were written. `audit_record` takes a member, so mypy
refuses an action nobody registered; the page shows the label, never the code.

Admin edits are the one family outside the registry: ``admin.<model>.<verb>`` for any
model the region-scoped admin edits, labelled from the model (`AdminAction`).
"""

from __future__ import annotations

from typing import Literal, NewType

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    """Every kind of audit event; grouped by app, sorted by code."""

    ACCOUNTS_PASSWORD_CHANGE = "accounts.password.change", _("Password changed")
    ACCOUNTS_ROLE_GRANT = "accounts.role.grant", _("Role granted")
    ACCOUNTS_ROLE_REVOKE = "accounts.role.revoke", _("Role revoked")

    AUTH_LOGIN = "auth.login", _("Signed in")
    AUTH_LOGIN_FAILED = "auth.login_failed", _("Failed sign-in")
    AUTH_LOGOUT = "auth.logout", _("Signed out")

    CORE_NOTIFICATIONS_READ = "core.notifications.read", _("Notifications marked read")

    JOBS_START = "jobs.start", _("Background job started")

    NOTICES_DELIVERY_RETRY = "notices.delivery.retry", _("Delivery retried")
    NOTICES_REMINDER_LOG = "notices.reminder.log", _("Reminded to write today's log")
    NOTICES_REMINDER_VOTE = "notices.reminder.vote", _("Reminded to vote")

    ORG_DEMO_LOAD = "org.demo.load", _("Demo organisation loaded")
    ORG_MEMBERSHIP_CHANGE = "org.membership.change", _("Post or unit changed")
    ORG_PERSON_CREATE = "org.person.create", _("Person added")
    ORG_QUOTA_POOL_COMPLETE = "org.quota_pool.complete", _("Quota pools completed")
    ORG_QUOTA_POOL_CREATE = "org.quota_pool.create", _("Quota pool created")
    ORG_REGION_CREATE = "org.region.create", _("Region created")
    ORG_ROSTER_IMPORT = "org.roster.import", _("Roster imported")
    ORG_UNIT_CREATE = "org.unit.create", _("Unit created")

    OUTCOMES_PRIORS_IMPORT = "outcomes.priors.import", _("Earlier years' results imported")
    OUTCOMES_CONSEQUENCE_RECORD = "outcomes.consequence.record", _("Consequence carried out")
    OUTCOMES_CONSEQUENCES_DERIVE = "outcomes.consequences.derive", _("Consequences derived")

    REVIEWS_BALLOT_SUBMIT = "reviews.ballot.submit", _("Ballot submitted")
    REVIEWS_DEMO_BALLOTS = "reviews.demo.ballots", _("Demo ballots cast")
    REVIEWS_DEMO_LOAD = "reviews.demo.load", _("Demo rounds loaded")
    REVIEWS_RATERS_APPROVE = "reviews.raters.approve", _("Rater list approved")
    REVIEWS_RATERS_PROPOSE = "reviews.raters.propose", _("Rater list proposed")
    REVIEWS_RATERS_REJECT = "reviews.raters.reject", _("Rater list returned")
    # reviews.round.<state>: a round moved to that state (ROUND_STATE_ACTIONS in reviews).
    REVIEWS_ROUND_CLOSED = "reviews.round.closed", _("Rating round closed")
    REVIEWS_ROUND_CREATE = "reviews.round.create", _("Rating round created")
    REVIEWS_ROUND_DISCARD = "reviews.round.discard", _("Rating round discarded")
    REVIEWS_ROUND_DRAFT = "reviews.round.draft", _("Rating round back to draft")
    REVIEWS_ROUND_EXTEND = "reviews.round.extend", _("Voting extended")
    REVIEWS_ROUND_OPEN = "reviews.round.open", _("Rating round opened")
    REVIEWS_ROUND_PUBLISHED = "reviews.round.published", _("Rating round results published")

    SCHEMES_DEMO_DECLARE = "schemes.demo.declare", _("Demo: units declared no indicator entries")
    SCHEMES_DEMO_LOAD = "schemes.demo.load", _("Demo schemes loaded")
    SCHEMES_ENTRY_DECLARE_EMPTY = (
        "schemes.entry.declare_empty",
        _("Unit declared no indicator entries"),
    )
    SCHEMES_INDICATOR_ADD = "schemes.indicator.add", _("Indicator added")
    SCHEMES_INDICATOR_DELETE = "schemes.indicator.delete", _("Indicator deleted")
    SCHEMES_INDICATOR_EDIT = "schemes.indicator.edit", _("Indicator edited")
    SCHEMES_INDICATOR_MOVE = "schemes.indicator.move", _("Indicator moved")
    SCHEMES_RESULTS_EVIDENCE = "schemes.results.evidence", _("Evidence attached")
    SCHEMES_RESULTS_SAVE = "schemes.results.save", _("Indicator results saved")
    SCHEMES_SCHEME_CREATE = "schemes.scheme.create", _("Scheme created")
    SCHEMES_SCHEME_DISCARD = "schemes.scheme.discard", _("Scheme draft discarded")
    SCHEMES_SCHEME_REDRAFT = "schemes.scheme.redraft", _("Scheme redrafted from another template")
    SCHEMES_SUPPLEMENT_CREATE = "schemes.supplement.create", _("Supplementary scheme created")
    SCHEMES_TEMPLATE_CREATE = "schemes.template.create", _("Scheme template created")
    SCHEMES_VERSION_APPROVE = "schemes.version.approve", _("Scheme approved")
    SCHEMES_VERSION_CREATE = "schemes.version.create", _("Scheme version created")
    SCHEMES_VERSION_RETURN = "schemes.version.return", _("Scheme returned for revision")
    SCHEMES_VERSION_SUBMIT = "schemes.version.submit", _("Scheme submitted for approval")

    SCORING_FLAG = "scoring.flag", _("Person flagged for the year")
    SCORING_QUARTER_COMPUTE = "scoring.quarter.compute", _("Quarter computed")
    SCORING_QUARTER_CONFIRM = "scoring.quarter.confirm", _("Quarter grades confirmed")
    SCORING_QUARTER_PROPOSE = "scoring.quarter.propose", _("Quarter grades proposed")
    SCORING_QUARTER_PUBLISH = "scoring.quarter.publish", _("Quarter published")
    SCORING_QUARTER_REOPEN = "scoring.quarter.reopen", _("Quarter reopened")
    SCORING_RECEIPT = "scoring.receipt", _("Receipt of a result confirmed")
    SCORING_YEAR_COMPUTE = "scoring.year.compute", _("Year computed")
    SCORING_YEAR_PUBLISH = "scoring.year.publish", _("Year published")
    SCORING_YEAR_REOPEN = "scoring.year.reopen", _("Year reopened")

    WORKLOGS_DEMO_LOAD = "worklogs.demo.load", _("Demo work logs loaded")
    WORKLOGS_LOG_COMMENT = "worklogs.log.comment", _("Comment on a work log")
    WORKLOGS_LOG_CREATE = "worklogs.log.create", _("Work log written")
    WORKLOGS_LOG_EDIT = "worklogs.log.edit", _("Work log edited")
    WORKLOGS_LOG_READ = "worklogs.log.read", _("Work log read")
    WORKLOGS_SUMMARY_CREATE = "worklogs.summary.create", _("Summary written")
    WORKLOGS_SUMMARY_EDIT = "worklogs.summary.edit", _("Summary edited")
    WORKLOGS_TALLIES_REBUILD = "worklogs.tallies.rebuild", _("Work log tallies rebuilt")

    # conduct (issue 16, item 5)
    CONDUCT_ABSENCE_CREATE = "conduct.absence.create", _("Absence recorded")
    CONDUCT_DISCIPLINE_CREATE = "conduct.discipline.create", _("Discipline recorded")
    CONDUCT_DISCIPLINE_END = "conduct.discipline.end", _("Discipline ended")
    # outcomes: archive
    OUTCOMES_YEAR_ARCHIVE = "outcomes.year.archive", _("Published year archived")
    OUTCOMES_YEAR_CORRECT = "outcomes.year.correct", _("Archived year corrected")
    # dueprocess: cases (复核, 申诉)
    DUEPROCESS_CASE_FILE = "dueprocess.case.file", _("复核 or 申诉 filed")
    DUEPROCESS_CASE_EVIDENCE = "dueprocess.case.evidence", _("Evidence added to a case")
    DUEPROCESS_CASE_EXTEND = "dueprocess.case.extend", _("申诉 decision extended")
    DUEPROCESS_CASE_DECIDE = "dueprocess.case.decide", _("复核 or 申诉 decided")
    DUEPROCESS_CASE_REMIND = "dueprocess.case.remind", _("Due-process reminders sent")
    # due process: 公示 (issue 17, item 1)
    DUEPROCESS_PUBLICITY_START = "dueprocess.publicity.start", _("公示 of 优秀 candidates started")
    DUEPROCESS_PUBLICITY_SYNC = "dueprocess.publicity.sync", _("公示 candidates updated")
    DUEPROCESS_PUBLICITY_CONFIRM = "dueprocess.publicity.confirm", _("公示 confirmed at publish")
    DUEPROCESS_OBJECTION_RAISE = "dueprocess.objection.raise", _("Objection raised in a 公示")
    DUEPROCESS_OBJECTION_RESOLVE = "dueprocess.objection.resolve", _("Objection answered")
    # dueprocess: the written notice (issue 17, item 2)
    DUEPROCESS_NOTICE_ISSUE = "dueprocess.notice.issue", _("Written notices issued")
    DUEPROCESS_NOTICE_SIGN = "dueprocess.notice.sign", _("Written notice signed")
    # supervision: the ledger (issue 18, item 4)
    SUPERVISION_FINDING_RECORD = "supervision.finding.record", _("Supervision finding recorded")
    SUPERVISION_RECTIFICATION_SUBMIT = (
        "supervision.rectification.submit",
        _("Rectification of a finding submitted"),
    )
    SUPERVISION_FINDING_VERIFY = "supervision.finding.verify", _("Rectification verified")
    SUPERVISION_FINDING_SEND_BACK = "supervision.finding.send_back", _("Rectification sent back")
    SUPERVISION_FINDING_STRIKE_OFF = "supervision.finding.strike_off", _("Finding struck off")
    SUPERVISION_REMIND = "supervision.remind", _("Supervision reminders sent")
    SUPERVISION_DEMO_LOAD = "supervision.demo.load", _("Demo supervision ledger loaded")
    # surveys: 民评 (issue 19)
    SURVEY_SAVE = "surveys.survey.save", _("Public survey saved")
    SURVEY_OPEN = "surveys.survey.open", _("Public survey opened")
    SURVEY_CLOSE = "surveys.survey.close", _("Public survey closed")
    SURVEY_TOKENS_ISSUE = "surveys.tokens.issue", _("Survey codes printed")
    SURVEY_PAPER_ENTER = "surveys.paper.enter", _("Paper questionnaire entered")
    SURVEY_PAPER_CHECK = "surveys.paper.check", _("Paper questionnaire checked")
    SURVEY_COMMENT_MODERATE = "surveys.comment.moderate", _("Survey comment moderated")
    SURVEY_FINDINGS_SEND = "surveys.findings.send", _("Survey's low items sent to the ledger")
    SURVEY_DEMO_LOAD = "surveys.demo.load", _("Demo public surveys loaded")
    # teams: the leadership teams' year (issue 18, item 3)
    TEAMS_ENTRIES_SAVE = "teams.entries.save", _("Leadership team figures entered")
    TEAMS_YEAR_COMPUTE = "teams.year.compute", _("Leadership teams' year computed")
    TEAMS_YEAR_PUBLISH = "teams.year.publish", _("Leadership teams' year published")
    # performance: monthly rounds (issue 18, P1)
    PERFORMANCE_MONTH_OPEN = "performance.month.open", _("Month of unit performance opened")
    PERFORMANCE_MONTH_SCORES = "performance.month.scores", _("Units' month scores saved")
    PERFORMANCE_MONTH_COMPUTE = "performance.month.compute", _("Month of unit performance computed")
    PERFORMANCE_MONTH_PUBLISH = "performance.month.publish", _("Month's unit ranking published")
    PERFORMANCE_MONTH_REPORT = "performance.month.report", _("Unit's month report saved")
    PERFORMANCE_DEMO_MONTHS = "performance.demo.months", _("Demo months of unit performance loaded")
    # performance: the unit's year (issue 18, P2)
    PERFORMANCE_YEAR_COMPUTE = "performance.year.compute", _("Units' year computed")
    PERFORMANCE_YEAR_END_SAVE = "performance.year.year_end", _("Year-end evaluation entered")
    PERFORMANCE_YEAR_OVERRIDE_SET = "performance.year.override", _("Unit's year result overridden")
    PERFORMANCE_YEAR_OVERRIDE_REMOVE = (
        "performance.year.override_remove",
        _("Override of a unit's year result removed"),
    )
    PERFORMANCE_YEAR_MARK_RECORD = "performance.year.mark", _("Mark on a unit's year recorded")
    PERFORMANCE_YEAR_MARK_REMOVE = (
        "performance.year.mark_remove",
        _("Mark on a unit's year removed"),
    )


# admin.<model>.<verb>: written by the region-scoped admin for any model it edits
# (kaohe.core.admin_base); made only by `admin_action`.
AdminAction = NewType("AdminAction", str)


def admin_action(
    model: models.Model | type[models.Model], verb: Literal["add", "change", "delete"]
) -> AdminAction:
    """The code of an admin edit of `model` (an instance or the class):
    ``admin.<model name>.<verb>``."""
    return AdminAction(f"admin.{model._meta.model_name}.{verb}")
