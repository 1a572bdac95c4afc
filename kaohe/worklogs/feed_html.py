"""The feed's log items as HTML, written here rather than by the template engine.

A page of twenty items through `worklogs/_log_item.html` (an include, translated
labels, a URL lookup and a CSRF token per item) took more time than everything else
the feed does; the same markup from strings takes a fiftieth of it. Labels, URLs and
the token are made once per page. Every value from the database goes through `escape`.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kaohe.worklogs.models import Timeliness
from kaohe.worklogs.selectors import FeedEntry

# A log id that no URL of the app holds otherwise: reversed once, then replaced per item.
_MARK = 987654321


@dataclass(frozen=True)
class _Labels:
    """The items' words in one language, escaped."""

    timeliness: dict[str, str]
    edited: str
    read_by: str
    mark_read: str
    comment: str
    comment_placeholder: str


@dataclass(frozen=True)
class _Urls:
    """The items' URLs with `_MARK` for the log's id, escaped."""

    history: str
    read: str
    comment: str


# Built once per process: per language, and per URL prefix (the site's mount point).
_labels: dict[str, _Labels] = {}
_urls: dict[str, _Urls] = {}


def _labels_now() -> _Labels:
    language = get_language()
    labels = _labels.get(language)
    if labels is None:
        labels = _labels[language] = _Labels(
            timeliness={value: escape(str(label)) for value, label in Timeliness.choices},
            edited=escape(_("edited")),
            read_by=escape(_("Read by")),
            mark_read=escape(_("Mark read")),
            comment=escape(_("Comment")),
            comment_placeholder=escape(_("Comment…")),
        )
    return labels


def _urls_now() -> _Urls:
    prefix = get_script_prefix()
    urls = _urls.get(prefix)
    if urls is None:

        def url(name: str) -> str:
            return escape(reverse(name, args=[_MARK]))

        urls = _urls[prefix] = _Urls(
            url("worklogs:history"), url("worklogs:read"), url("worklogs:comment")
        )
    return urls


@dataclass(frozen=True)
class _Page:
    """What every item of one response shares: labels in the request's language, the
    URLs' shapes, and the forms' hidden fields."""

    labels: _Labels
    urls: _Urls
    hidden: str  # the CSRF token and the path to return to

    @classmethod
    def of(cls, request: HttpRequest) -> _Page:
        return cls(
            _labels_now(),
            _urls_now(),
            (
                f'<input type="hidden" name="csrfmiddlewaretoken" '
                f'value="{escape(get_token(request))}">'
                f'<input type="hidden" name="next" value="{escape(request.get_full_path())}">'
            ),
        )

    def item(self, entry: FeedEntry) -> str:
        """One log as `worklogs/_log_item.html` shows it."""
        pk = str(entry.log_id)
        edited = ""
        if entry.revision_count:
            history = self.urls.history.replace(str(_MARK), pk)
            edited = f' · <a href="{history}">{self.labels.edited}</a>'
        parts = [
            f'<article class="log" id="log-{pk}">\n  <header>\n'
            f"    <span><strong>{escape(entry.person_name)}</strong> · "
            f"{escape(entry.unit_name)}</span>\n"
            f"    <span>{entry.day.isoformat()} · "
            f"{self.labels.timeliness.get(entry.timeliness, '')}{edited}</span>\n  </header>\n"
            f'  <div class="body">{escape(entry.content)}</div>\n'
        ]
        if entry.readers:
            names = "、".join(escape(name) for name in entry.readers)
            parts.append(f'  <div class="reads">{self.labels.read_by}：{names}</div>\n')
        for name, text in entry.comments:
            parts.append(
                f'  <div class="comment"><strong>{escape(name)}</strong>：{escape(text)}</div>\n'
            )
        if not entry.mine:
            if not entry.read_by_me:
                parts.append(self._form(self.urls.read, pk, self._read_button))
            if entry.can_comment:
                parts.append(self._form(self.urls.comment, pk, self._comment_fields))
        parts.append("</article>\n")
        return "".join(parts)

    @property
    def _read_button(self) -> str:
        return f'<button type="submit" class="btn secondary">{self.labels.mark_read}</button>'

    @property
    def _comment_fields(self) -> str:
        return (
            '<input type="text" name="content" maxlength="500" required '
            f'aria-label="{self.labels.comment}" placeholder="{self.labels.comment_placeholder}">'
            f'<button type="submit">{self.labels.comment}</button>'
        )

    def _form(self, url: str, pk: str, fields: str) -> str:
        action = url.replace(str(_MARK), pk)
        return (
            f'  <form method="post" action="{action}" hx-post="{action}" '
            f'hx-target="#log-{pk}" hx-swap="outerHTML">{self.hidden}{fields}</form>\n'
        )


def feed_items_html(request: HttpRequest, entries: list[FeedEntry]) -> SafeString:
    """The items of `entries`, in order, as `worklogs/_log_item.html` would show them."""
    page = _Page.of(request)
    return mark_safe("".join(page.item(entry) for entry in entries))  # noqa: S308 - escaped


def unit_options_html(units: tuple[tuple[int, str], ...], selected: int | None) -> SafeString:
    """The unit filter's options after "All": the feed's readable units (`FeedScope`)."""
    return mark_safe(  # noqa: S308 - names escaped
        "".join(
            f'<option value="{pk}"{" selected" if pk == selected else ""}>{escape(name)}</option>'
            for pk, name in units
        )
    )
