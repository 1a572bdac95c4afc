"""The 公示 pages: an anonymous objection leaves no trace of who raised it anywhere an
administrator can look; every page scoped (other regions' ids and a cadre's look at
the docket are 404); the list pages' queries do not grow with their rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from kaohe.accounts.models import User
from kaohe.core.audit_actions import AuditAction
from kaohe.core.models import AuditEvent, Notification
from kaohe.dueprocess import services
from kaohe.dueprocess.models import Objection, Publicity, PublicityEntry
from kaohe.org.models import Person
from kaohe.scoring.models import AnnualRun
from kaohe.testing import World

pytestmark = pytest.mark.django_db

D = dt.date
DAY = D(2026, 9, 29)
Clients = Callable[[str], Client]


@pytest.fixture
def publicity(big: World, computed: AnnualRun, settings: Settings) -> Publicity:
    settings.KAOHE_TODAY = DAY
    return services.publicity_start(
        actor=big.users["region_admin"], run=computed, today=D(2026, 9, 28)
    )


def candidate(publicity: Publicity, name: str = "周敏") -> PublicityEntry:
    return PublicityEntry.objects.get(publicity=publicity, name=name)


def test_an_anonymous_objection_leaves_no_trace_of_its_author(
    big: World, publicity: Publicity, client_as: Clients
) -> None:
    cadre = big.users["cadre"]  # 张小明
    entry = candidate(publicity)
    url = reverse("dueprocess:objection_new", args=[publicity.pk, entry.pk])
    as_cadre = client_as("cadre")  # its sign-in is logged, with its time
    before_audit = set(AuditEvent.objects.values_list("pk", flat=True))
    notes_before = Notification.objects.count()
    response = as_cadre.post(url, {"text": "其年内曾迟报日志", "anonymous": "on"})
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert objection.anonymous and objection.author_id is None
    written = AuditEvent.objects.exclude(pk__in=before_audit)
    assert [e.action for e in written] == [AuditAction.DUEPROCESS_OBJECTION_RAISE]
    event = written.get()
    assert event.actor_id is None and event.actor_name == ""
    assert "cadre" not in str(event.details) and "张小明" not in str(event.details)
    # Its time is kept to the day: no sign-in can be matched with it.
    assert timezone.localtime(event.created_at).time() == dt.time.min
    assert Notification.objects.count() == notes_before  # no "just now" for the office
    # Nothing an administrator (or a superuser) opens names the author.
    superuser = User.objects.create_superuser(
        username="root",
        password="x",
        region=big.region,
    )
    root = Client()
    root.force_login(superuser)
    pages = [
        reverse("dueprocess:objections"),
        reverse("dueprocess:objection", args=[objection.pk]),
        reverse("dueprocess:publicity", args=[publicity.pk]),
        reverse("audit_log") + "?action=" + AuditAction.DUEPROCESS_OBJECTION_RAISE,
    ]
    for client in (client_as("region_admin"),):
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, page
            text = response.content.decode()
            assert "张小明" not in text, page
            assert ">cadre<" not in text, page
        # The cadre's own rows in the log (their sign-in) hold no objection.
        mine = client.get(reverse("audit_log") + "?actor=cadre").content.decode()
        assert 'title="auth.login"' in mine
        assert 'title="dueprocess.objection.raise"' not in mine
    # The Django admin (a superuser's) has no page of objections: they are written and
    # read through the services and the docket only.
    assert root.get("/admin/").status_code == 200
    assert root.get("/admin/dueprocess/objection/").status_code == 404
    # The database refuses an anonymous objection with an author.
    with pytest.raises(IntegrityError), transaction.atomic():
        Objection.objects.create(
            publicity=publicity,
            entry=entry,
            anonymous=True,
            author=cadre,
            raised_on=DAY,
            text="x",
        )
    # A named objection does name its author: the pages above would show a leak.
    as_cadre.post(url, {"text": "另一条实名异议"})
    assert "张小明" in client_as("region_admin").get(pages[0]).content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("region_admin", 200), ("other_admin", 404), ("cadre", 404), ("unit_head", 404)],
)
def test_the_docket_is_the_offices_alone(
    big: World, publicity: Publicity, client_as: Clients, persona: str, status: int
) -> None:
    objection = services.objection_raise(
        actor=big.users["cadre"],
        entry=candidate(publicity),
        text="异议",
        anonymous=False,
        today=DAY,
    )
    client = client_as(persona)
    docket = client.get(reverse("dueprocess:objections"))
    if persona == "other_admin":  # their own region's docket, without ours
        assert docket.status_code == 200 and "周敏" not in docket.content.decode()
    else:
        assert docket.status_code == status
    assert client.get(reverse("dueprocess:objection", args=[objection.pk])).status_code == status
    response = client.post(
        reverse("dueprocess:objection", args=[objection.pk]),
        {"finding": "rejected", "text": "经核查不属实"},
    )
    assert response.status_code == (302 if status == 200 else 404)


def test_the_publicity_is_seen_within_scope_only(
    big: World, publicity: Publicity, computed: AnnualRun, client_as: Clients
) -> None:
    entry = candidate(publicity)
    page = reverse("dueprocess:publicity", args=[publicity.pk])
    form = reverse("dueprocess:objection_new", args=[publicity.pk, entry.pk])
    for persona in ("cadre", "unit_head", "region_admin"):
        text = client_as(persona).get(page).content.decode()
        assert "周敏" in text and "2026-10-09" in text, persona
        assert client_as(persona).get(form).status_code == 200
    # A cadre of the town sees the 公示 but not the bureau's candidates.
    town = client_as("cadre_other")
    assert "周敏" not in town.get(page).content.decode()
    assert town.get(form).status_code == 404
    assert town.post(form, {"text": "异议"}).status_code == 404
    # Another region's office: every id is 404.
    other = client_as("other_admin")
    assert other.get(page).status_code == 404
    assert other.get(form).status_code == 404
    assert other.get(reverse("dueprocess:publicity_run", args=[computed.pk])).status_code == 404
    assert (
        client_as("unit_head")
        .get(reverse("dueprocess:publicity_run", args=[computed.pk]))
        .status_code
        == 404
    )
    # The office's entry from the year's page leads to the running 公示.
    office = client_as("region_admin")
    year_page = office.get(reverse("scoring:annual", args=[computed.pk])).content.decode()
    assert reverse("dueprocess:publicity_run", args=[computed.pk]) in year_page
    assert office.get(reverse("dueprocess:publicity_run", args=[computed.pk]))["Location"] == page


def test_the_form_closes_after_the_last_day_naming_it(
    big: World, publicity: Publicity, client_as: Clients, settings: Settings
) -> None:
    entry = candidate(publicity)
    form = reverse("dueprocess:objection_new", args=[publicity.pk, entry.pk])
    settings.KAOHE_TODAY = D(2026, 10, 10)
    client = client_as("cadre")
    assert 'id="objection-closed"' in client.get(form).content.decode()
    response = client.post(form, {"text": "逾期的异议"}, follow=False)
    assert response.status_code == 400 and "2026-10-09" in response.content.decode()
    assert not Objection.objects.exists()


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_pages_read_a_fixed_number_of_queries(
    big: World, publicity: Publicity, client_as: Clients
) -> None:
    office = client_as("region_admin")
    page = reverse("dueprocess:publicity", args=[publicity.pk])
    docket = reverse("dueprocess:objections")
    services.objection_raise(
        actor=big.users["cadre"],
        entry=candidate(publicity),
        text="异议一",
        anonymous=False,
        today=DAY,
    )
    office.get(page), office.get(docket)  # caches warm
    few = (_count(office, page), _count(office, docket))
    listed = set(PublicityEntry.objects.values_list("person_id", flat=True))
    people = Person.objects.filter(region=big.region).exclude(pk__in=listed)[:8]
    PublicityEntry.objects.bulk_create(
        PublicityEntry(
            publicity=publicity,
            person=p,
            unit=big.bureau,
            name=p.name,
            unit_name=big.bureau.name,
            post="科员",
            grade="excellent",
            listed_on=DAY,
            ends_on=D(2026, 10, 9),
        )
        for p in people
    )
    for i, entry in enumerate(PublicityEntry.objects.filter(publicity=publicity)):
        services.objection_raise(
            actor=big.users["unit_head" if i % 2 else "cadre"],
            entry=entry,
            text=f"异议{i}",
            anonymous=bool(i % 3),
            today=DAY,
        )
    assert PublicityEntry.objects.count() >= 10 and Objection.objects.count() >= 10
    assert (_count(office, page), _count(office, docket)) == few


def test_a_leaders_candidacy_is_posted_to_the_whole_region(
    big: World, computed: AnnualRun, settings: Settings, client_as: Clients
) -> None:
    # 吴刚 leads the bureau: a post the region appoints, so the town's cadre sees his
    # candidacy and may object to it; 周敏's stays her units' own.
    from kaohe.org.models import LeadershipRole, Membership

    Membership.objects.filter(person__name="吴刚").update(leadership_role=LeadershipRole.MAIN)
    settings.KAOHE_TODAY = DAY
    publicity = services.publicity_start(
        actor=big.users["region_admin"], run=computed, today=D(2026, 9, 28)
    )
    leader, staff = candidate(publicity, "吴刚"), candidate(publicity, "周敏")
    assert leader.region_wide and not staff.region_wide
    town = client_as("cadre_other")
    page = town.get(reverse("dueprocess:publicity", args=[publicity.pk])).content.decode()
    assert "吴刚" in page and "全地区公示" in page and "周敏" not in page
    form = reverse("dueprocess:objection_new", args=[publicity.pk, leader.pk])
    assert town.get(form).status_code == 200
    town.post(form, {"text": "群众反映其分管项目进度滞后"})
    assert Objection.objects.filter(entry=leader).count() == 1
    staff_form = reverse("dueprocess:objection_new", args=[publicity.pk, staff.pk])
    assert town.get(staff_form).status_code == 404
