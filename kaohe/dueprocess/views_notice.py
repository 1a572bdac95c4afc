"""The written notice (书面通知, R5.12): the cadre's notice page, its PDF, signing it with
本人意见, the cadre's notices, and the overdue unsigned notices of the chasers' units."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from reportlab.platypus import Flowable

from kaohe.core import clock
from kaohe.core.errors import ApplicationError
from kaohe.core.http import AuthedRequest, show_refusal
from kaohe.core.pdf import a4_document, grid_table, para, pdf_response
from kaohe.dueprocess import selectors, services
from kaohe.dueprocess.errors import DueProcessErrorCode
from kaohe.dueprocess.selectors import NoticeView, day_text


@login_required
def notice_mine(request: HttpRequest) -> HttpResponse:
    """The user's notices (the link of the issuing reminder): straight to the only one."""
    req = AuthedRequest.of(request)
    rows = selectors.my_notices(req.user)
    if len(rows) == 1:
        return redirect("dueprocess:notice", notice_id=rows[0].pk)
    return render(request, "dueprocess/notice_mine.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def notice_page(request: HttpRequest, notice_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    view = selectors.notice_view(req.user, notice_id)
    values = {"agrees": "", "opinion": ""}
    if request.method == "POST":
        values = {
            "agrees": request.POST.get("agrees", ""),
            "opinion": request.POST.get("opinion", ""),
        }
        try:
            if values["agrees"] not in ("yes", "no"):
                raise ApplicationError(
                    _("Choose whether you agree with the result."),
                    code=DueProcessErrorCode.NOTICE_CHOOSE,
                )
            services.notice_sign(
                actor=req.user,
                notice=view.notice,
                agrees=values["agrees"] == "yes",
                opinion=values["opinion"],
            )
        except ApplicationError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("The notice is signed."))
            return redirect("dueprocess:notice", notice_id=notice_id)
    return render(
        request, "dueprocess/notice_page.html", {"v": view, "n": view.notice, "values": values}
    )


def _story(v: NoticeView) -> list[Flowable]:
    n = v.notice
    story: list[Flowable] = [
        para(_("Written notice of the annual result of %(year)s") % {"year": n.year}, "title"),
        grid_table(
            [
                [_("Unit"), _("Name"), _("Year"), _("Grade"), _("Composite score")],
                [v.unit_name, v.person_name, n.year, v.grade, n.composite or "—"],
            ]
        ),
        para(_("Why this grade"), "heading"),
        para(v.headline),
    ]
    story += [para(f"· {line}") for line in v.lines]
    story.append(para(_("Your rights and their deadlines"), "heading"))
    story += [para(r) for r in v.rights]
    story.append(para(_("Issued on %(day)s") % {"day": day_text(n.issued_on)}, "small"))
    story.append(para(_("Own opinion"), "heading"))
    if n.signed_at is None:
        story.append(para(_("Not signed yet.")))
    else:
        signed = timezone.localtime(n.signed_at).strftime("%Y-%m-%d %H:%M")
        story.append(
            para(
                (_("Agrees") if n.agrees else _("Disagrees"))
                + _(" (signed at %(when)s)") % {"when": signed}
            )
        )
        if n.opinion:
            story.append(para(n.opinion))
    return story


@login_required
def notice_pdf(request: HttpRequest, notice_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    view = selectors.notice_view(req.user, notice_id)
    content = a4_document(_story(view), f"{view.person_name} {view.notice.year}")
    name = _("Written notice %(year)s %(name)s.pdf") % {
        "year": view.notice.year,
        "name": view.person_name,
    }
    return pdf_response(name, content)


@login_required
def notices_overdue(request: HttpRequest) -> HttpResponse:
    """The unsigned notices past their sign-by day in the user's units (a page of them;
    the same queries whatever their number)."""
    req = AuthedRequest.of(request)
    rows = selectors.overdue_page_rows(req.user, clock.today())
    page = Paginator(rows, selectors.OVERDUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dueprocess/notice_overdue.html", {"page": page})
