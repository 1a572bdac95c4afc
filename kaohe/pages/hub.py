"""用实绩: one page linking what the results are used for, so the top bar carries one
link instead of one per page: the archive, the lists, the consequences, conduct, the
earlier years (outcomes, conduct) and due process's 公示 and dockets (dueprocess). It
lives with the pages that read several domains: a card links to any of them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kaohe.accounts.access import roles_of
from kaohe.accounts.models import Role
from kaohe.core.http import AuthedRequest

# Who sees the hub: whoever sees at least one of its cards.
HUB_ROLES = frozenset({Role.REGION_ADMIN, Role.UNIT_ADMIN, Role.UNIT_HEAD})


@login_required
@require_GET
def hub_page(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    roles = roles_of(req.user)
    if not roles & HUB_ROLES:
        raise Http404
    # Each card shows to the roles its page admits (the old top bar's conditions).
    office = Role.REGION_ADMIN in roles
    head = Role.UNIT_HEAD in roles
    admin = office or Role.UNIT_ADMIN in roles
    return render(
        request,
        "pages/hub.html",
        {
            "office": office,
            "leader": office or head,
            "manager": admin or head,
            # 申诉 are decided by the office of the region the rules name (or its own).
            "appeal_body": office,
        },
    )
