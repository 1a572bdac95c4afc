"""The question templates of seed 002's three indices (幸福感, 满意度, 安全感): a survey
made from one starts with its questions, which the office may edit while it is being
prepared. The texts are msgids, translated when the survey is made (the questions are
stored in the office's language, as it typed them)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kaohe.surveys.models import IndexKind, QuestionKind


@dataclass(frozen=True)
class QuestionTemplate:
    text: str  # a msgid
    kind: QuestionKind
    index: str = ""
    required: bool = True


@dataclass(frozen=True)
class SurveyTemplate:
    key: str
    name: str  # a msgid: the template's name and the new survey's
    intro: str  # a msgid
    questions: tuple[QuestionTemplate, ...]


SUGGESTIONS = QuestionTemplate(
    gettext_noop("Your opinions and suggestions"), QuestionKind.TEXT, required=False
)
_H, _S, _A = IndexKind.HAPPINESS, IndexKind.SATISFACTION, IndexKind.SECURITY
_5 = QuestionKind.SCALE5

TEMPLATES: dict[str, SurveyTemplate] = {
    t.key: t
    for t in (
        SurveyTemplate(
            "happiness",
            gettext_noop("Public happiness survey"),
            gettext_noop(
                "Please rate how you feel about life where you live. The survey is "
                "anonymous: nothing you answer can be traced to you."
            ),
            (
                QuestionTemplate(gettext_noop("How happy are you with your life overall?"), _5, _H),
                QuestionTemplate(
                    gettext_noop("How satisfied are you with your income and employment?"), _5, _H
                ),
                QuestionTemplate(
                    gettext_noop("How satisfied are you with local education and health care?"),
                    _5,
                    _H,
                ),
                QuestionTemplate(
                    gettext_noop("How satisfied are you with the living environment?"), _5, _H
                ),
                QuestionTemplate(
                    gettext_noop("How satisfied are you with neighbourhood relations?"), _5, _H
                ),
                SUGGESTIONS,
            ),
        ),
        SurveyTemplate(
            "satisfaction",
            gettext_noop("Public satisfaction survey"),
            gettext_noop(
                "Please rate the service of this unit. The survey is anonymous: nothing you "
                "answer can be traced to you."
            ),
            (
                QuestionTemplate(
                    gettext_noop("How satisfied are you with this unit's service overall?"),
                    _5,
                    _S,
                ),
                QuestionTemplate(
                    gettext_noop("How satisfied are you with the staff's attitude?"), _5, _S
                ),
                QuestionTemplate(
                    gettext_noop("How satisfied are you with how efficiently matters are handled?"),
                    _5,
                    _S,
                ),
                QuestionTemplate(
                    gettext_noop("How clear and open are the procedures and rules?"), _5, _S
                ),
                QuestionTemplate(gettext_noop("How clean and honest is the unit's work?"), _5, _S),
                QuestionTemplate(
                    gettext_noop("How did you contact the unit?"),
                    QuestionKind.SINGLE,
                    required=False,
                ),
                SUGGESTIONS,
            ),
        ),
        SurveyTemplate(
            "security",
            gettext_noop("Public security survey"),
            gettext_noop(
                "Please rate how safe you feel where you live. The survey is anonymous: "
                "nothing you answer can be traced to you."
            ),
            (
                QuestionTemplate(gettext_noop("How safe do you feel where you live?"), _5, _A),
                QuestionTemplate(
                    gettext_noop("How satisfied are you with public order at night?"), _5, _A
                ),
                QuestionTemplate(
                    gettext_noop("How satisfied are you with how disputes are resolved?"), _5, _A
                ),
                QuestionTemplate(
                    gettext_noop("How satisfied are you with food and traffic safety?"), _5, _A
                ),
                SUGGESTIONS,
            ),
        ),
    )
}

# The choices of the single-choice question above (satisfaction).
CONTACT_CHOICES = (
    gettext_noop("At a service window"),
    gettext_noop("Online or by phone"),
    gettext_noop("A visit by staff"),
    gettext_noop("Other"),
)
CHOICES: dict[str, tuple[str, ...]] = {"How did you contact the unit?": CONTACT_CHOICES}


def template_choices() -> list[tuple[str, str]]:
    """The create form's choices: each template by its name, and an empty survey."""
    return [("", _("An empty survey")), *((t.key, _(t.name)) for t in TEMPLATES.values())]
