"""Another region's administrator walks every page of Django admin (issue 12, item 7).

Logged in as 邻区's administrator, they tried 测试区's ids everywhere: leave recorded
for 测试区's cadre was accepted (and the cadre then refused a log as "on leave"), a
unit was created under 测试区's unit, and the unit and pilot-unit forms listed
测试区's units. These tests enumerate `admin.site._registry`, so a model registered
later is walked too: its list, add and change pages, every foreign-key choice, and
an add and a change posted with 测试区's ids in each foreign-key field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.filters import RelatedFieldListFilter
from django.contrib.admin.models import LogEntry
from django.db.models import Model
from django.forms import ModelChoiceField
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from kaohe.accounts.models import User
from kaohe.conduct.models import AbsenceRecord, ConductPolicy, DisciplineRecord
from kaohe.core.admin_base import RegionScopedAdmin
from kaohe.core.models import AuditEvent, WorkdayOverride
from kaohe.dueprocess.models import DueProcessPolicy
from kaohe.notices.models import Channel
from kaohe.org import services as org_services
from kaohe.org.models import (
    Leave,
    Person,
    PilotUnitYear,
    QuotaPool,
    Region,
    Unit,
    UnitKind,
    UnitType,
)
from kaohe.outcomes.models import ConsequenceTask, OutcomesPolicy, RecordSource, YearRecord
from kaohe.performance.models import IndicatorAssignment, PerformancePolicy
from kaohe.reviews.models import RaterPlan, ReviewRound
from kaohe.schemes.models import Indicator, Scheme, SchemeVersion
from kaohe.scoring.models import PersonYearFlag, ScoringPolicy
from kaohe.supervision.models import SupervisionGroup, SupervisionPolicy
from kaohe.surveys.models import SurveyPolicy
from kaohe.teams.models import TeamPolicy
from kaohe.testing import World
from kaohe.worklogs import services as worklog_services
from kaohe.worklogs.models import WorklogPolicy

pytestmark = pytest.mark.django_db

YEAR = 2026


def _seed(region: Region, unit: Unit, person: Person) -> None:
    """One row of every model the admin edits, in `region`."""
    WorkdayOverride.objects.create(region=region, day=dt.date(YEAR, 5, 9), is_workday=True)
    Leave.objects.create(
        region=region,
        person=person,
        start=dt.date(YEAR, 3, 2),
        end=dt.date(YEAR, 3, 6),
        reason="病假",
    )
    PilotUnitYear.objects.create(unit=unit, year=YEAR)
    PersonYearFlag.objects.create(person=person, year=YEAR, kind="bar", reason="正在接受审查")
    YearRecord.objects.create(
        region=region,
        person=person,
        year=YEAR - 1,
        source=RecordSource.IMPORTED,
        unit=unit,
        unit_name=unit.name,
        grade="excellent",
        frozen_at=dt.datetime(YEAR, 1, 5, tzinfo=dt.UTC),
    )
    ConsequenceTask.objects.create(
        region=region,
        person=person,
        year=YEAR - 1,
        kind="reminder_talk",
        citation="单位年度排名末位",
        unit=unit,
        owner_role="unit_head",
        issued_on=dt.date(YEAR, 1, 5),
        due_on=dt.date(YEAR, 2, 4),
    )
    RaterPlan.objects.create(region=region, unit_type=UnitType.DISTRICT_UNIT)
    ReviewRound.objects.create(
        region=region,
        year=YEAR,
        number=1,
        starts_on=dt.date(YEAR, 4, 1),
        ends_on=dt.date(YEAR, 4, 10),
    )
    # The rules' rows the admin edits (it offers no "add"): made on first use elsewhere.
    WorklogPolicy.objects.get_or_create(region=region)
    PerformancePolicy.objects.get_or_create(region=region)
    ScoringPolicy.objects.get_or_create(region=region)
    OutcomesPolicy.objects.get_or_create(region=region)
    ConductPolicy.objects.get_or_create(region=region)
    TeamPolicy.objects.get_or_create(region=region)
    DueProcessPolicy.objects.get_or_create(region=region)
    DisciplineRecord.objects.create(
        region=region,
        person=person,
        kind="warning",
        start=dt.date(YEAR, 4, 1),
        document="区纪发〔2026〕1号",
    )
    AbsenceRecord.objects.create(
        region=region,
        person=person,
        kind="leave",
        start=dt.date(YEAR, 5, 11),
        end=dt.date(YEAR, 5, 15),
        days=Decimal(5),
    )
    SupervisionPolicy.objects.get_or_create(region=region)
    SurveyPolicy.objects.get_or_create(region=region)
    group = SupervisionGroup.objects.create(region=region, name="第一督导组")
    group.units.add(unit)
    group.members.add(*User.objects.filter(region=region)[:1])
    scheme = Scheme.objects.create(
        region=region, role=Scheme.Role.TEMPLATE, name="A类单位绩效指标体系", year=YEAR
    )
    indicator = Indicator.objects.create(
        version=SchemeVersion.objects.create(scheme=scheme, number=1), name="招商引资"
    )
    IndicatorAssignment.objects.create(
        region=region, year=YEAR, indicator=indicator, lead_unit=unit, target="引进项目10个"
    )
    Channel.objects.create(
        region=region,
        name="考核工作群",
        kind="wecom",
        target="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
    )


@pytest.fixture
def two_regions(world: World) -> World:
    """测试区 (the target) and 邻区, whose administrator is the attacker, each with a
    row of every model the admin edits; 邻区 gets a second unit under its first."""
    org_services.unit_create(
        actor=None,
        region=world.other_region,
        parent=world.foreign_unit,
        name="邻区财政局下属中心",
        code="S901",
        unit_type=UnitType.SUBORDINATE,
        unit_kind=UnitKind.CIVIL_SERVICE_MANAGED,
    )
    org_services.quota_pool_create(
        actor=None,
        region=world.other_region,
        year=YEAR,
        kind=QuotaPool.Kind.OWN,
        units=[world.foreign_unit],
    )
    _seed(world.region, world.bureau, world.people["cadre"])
    _seed(world.other_region, world.foreign_unit, world.people["foreign"])
    return world


def _region_of_rows(model: type[Model], region: Region) -> list[Any]:
    """The test's own notion of "the region's rows", kept apart from the code under test."""
    if model is Region:
        return [region.pk]
    paths: dict[type[Model], str] = {PilotUnitYear: "unit__region"}
    paths[PersonYearFlag] = "person__region"
    paths[Indicator] = "version__scheme__region"
    path = paths.get(model)
    if path is None:
        names = {f.name for f in model._meta.concrete_fields}
        assert "region" in names, f"teach this test how {model.__name__} reaches its region"
        path = "region"
    return list(model._default_manager.filter(**{path: region}).values_list("pk", flat=True))


def _scoped_admins() -> Iterator[tuple[type[Model], RegionScopedAdmin]]:
    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, RegionScopedAdmin):
            yield model, model_admin


def _url(model: type[Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _home_markers(world: World) -> list[str]:
    """Names that only 测试区 has: none may appear on a page 邻区's administrator sees."""
    units = [world.bureau.name, world.centre.name, world.town.name]
    return units + [p.name for key, p in world.people.items() if key != "foreign"]


def _choice_fields(response: Any) -> Iterator[tuple[str, ModelChoiceField[Any]]]:
    """Every model-choice field of the page's form and its inline forms, by input name."""
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        if isinstance(field, ModelChoiceField):
            yield form.add_prefix(name), field
    for inline in response.context.get("inline_admin_formsets") or []:
        formset = inline.formset
        for inline_form in [*formset.forms, formset.empty_form]:
            for name, field in inline_form.fields.items():
                if isinstance(field, ModelChoiceField):
                    yield inline_form.add_prefix(name), field


def _model_of(field: ModelChoiceField[Any]) -> type[Model]:
    assert field.queryset is not None
    model: type[Model] = field.queryset.model
    return model


def _home_rows_offered(response: Any, world: World, where: str) -> list[str]:
    problems = []
    for name, field in _choice_fields(response):
        model = _model_of(field)
        offered = {row.pk for row in field.queryset or []}
        if offered & set(_region_of_rows(model, world.region)):
            problems.append(f"{where}: {name} offers 测试区's {model.__name__} rows")
    return problems


def _markers_shown(response: Any, world: World, where: str) -> list[str]:
    page = response.content.decode()
    shown = [name for name in _home_markers(world) if name in page]
    return [f"{where} shows 测试区's {shown}"] if shown else []


class _FormData(HTMLParser):
    """What a browser would post from the page's main form."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self.select: str | None = None
        self.textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or "name" not in a:
            if tag == "option" and self.inside and self.select and "selected" in a:
                self._add(self.select, a.get("value", ""))
            return
        kind = a.get("type", "text")
        if tag == "input" and kind not in ("submit", "button", "file", "checkbox", "radio"):
            self._add(a["name"], a.get("value", ""))
        elif tag == "input" and kind in ("checkbox", "radio") and "checked" in a:
            self._add(a["name"], a.get("value", "on"))
        elif tag == "select":
            self.select = a["name"]
        elif tag == "textarea":
            self.textarea = a["name"]
            self._add(a["name"], "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.data[self.textarea][-1] += data


def _posted_form(response: Any, model: type[Model]) -> dict[str, list[str]]:
    parser = _FormData(f"{model._meta.model_name}_form")
    parser.feed(response.content.decode())
    return parser.data


def _database_state(obj: Model | None) -> tuple[Any, ...]:
    counts = tuple(m._default_manager.count() for m in admin.site._registry)
    extra = (AuditEvent.objects.count(), LogEntry.objects.count(), Leave.objects.count())
    fields = model_to_dict(type(obj)._default_manager.get(pk=obj.pk)) if obj else None
    return counts + extra + (repr(fields),)


def _form_errors(response: Any) -> set[str]:
    """Input names with an error on the re-shown page."""
    if response.context is None or "adminform" not in response.context:
        return set()
    form = response.context["adminform"].form
    names = {form.add_prefix(name) for name in form.errors}
    for inline in response.context.get("inline_admin_formsets") or []:
        for inline_form in inline.formset.forms:
            names |= {inline_form.add_prefix(name) for name in inline_form.errors}
    return names


def test_a_foreign_admin_sees_no_row_of_another_region_on_any_admin_page(
    two_regions: World, client_as: Callable[[str], Client]
) -> None:
    world = two_regions
    client = client_as("other_admin")
    problems: list[str] = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        if not isinstance(model_admin, RegionScopedAdmin):
            # Django's own admins (groups, login attempts) are for superusers only.
            for url in (_url(model, "changelist"), _url(model, "add")):
                assert client.get(url).status_code == 403, f"{label} opens for a region admin"
            continue
        home = _region_of_rows(model, world.region)
        own = _region_of_rows(model, world.other_region)
        assert home and own, f"seed a {label} row in both regions in two_regions"

        listing = client.get(_url(model, "changelist"))
        assert listing.status_code == 200, label
        listed = {row.pk for row in listing.context["cl"].result_list}
        assert listed, f"{label} list hides 邻区's own rows"
        if listed & set(home):
            problems.append(f"{label} list shows 测试区's rows")
        for spec in listing.context["cl"].filter_specs:
            if isinstance(spec, RelatedFieldListFilter):
                choices = {str(pk) for pk, _label in spec.lookup_choices}
                related = spec.field.related_model
                assert isinstance(related, type)
                home_rows = {str(pk) for pk in _region_of_rows(related, world.region)}
                if choices & home_rows:
                    problems.append(f"{label} list filter offers 测试区's rows")
        problems += _markers_shown(listing, world, f"{label} list")

        for pk in home:
            for view in ("change", "history", "delete"):
                page = client.get(_url(model, view, pk))
                if page.status_code not in (302, 403, 404):
                    problems.append(f"{label} {view} of 测试区's row {pk} opens")

        pages = [(f"{label} change", client.get(_url(model, "change", own[0])))]
        add = client.get(_url(model, "add"))
        if add.status_code != 403:
            pages.append((f"{label} add", add))
            # A prefilled foreign-key id must not name 测试区's row (raw-id labels did).
            for name, field in _choice_fields(add):
                target = _region_of_rows(_model_of(field), world.region)
                prefilled = client.get(_url(model, "add"), {name: target[0]})
                pages.append((f"{label} add ?{name}=", prefilled))
        for where, page in pages:
            assert page.status_code == 200, where
            problems += _home_rows_offered(page, world, where)
            problems += _markers_shown(page, world, where)
    assert not problems, "\n".join(problems)


def _attempts(
    client: Client, model: type[Model], world: World
) -> Iterator[tuple[str, Any, Model | None, dict[str, list[str]]]]:
    """(where, url, object, posted data) for an add and a change of `model`, each with
    测试区's id in one foreign-key field of the form or its inlines."""
    own = _region_of_rows(model, world.other_region)
    targets: list[tuple[str, Model | None]] = [("add", None)]
    targets.append(("change", model._default_manager.get(pk=own[0])))
    for view, obj in targets:
        url = _url(model, view, *([obj.pk] if obj else []))
        page = client.get(url)
        if page.status_code != 200 or page.context["adminform"].form.fields == {}:
            continue
        baseline = _posted_form(page, model)
        for name, field in _choice_fields(page):
            if "__prefix__" in name:
                continue
            home = _region_of_rows(_model_of(field), world.region)
            data = dict(baseline)
            data[name] = [str(home[0])]
            yield f"{model._meta.label} {view} {name}", url, obj, data


def test_a_foreign_admin_cannot_save_another_regions_ids_in_any_foreign_key(
    two_regions: World, client_as: Callable[[str], Client]
) -> None:
    world = two_regions
    client = client_as("other_admin")
    tried = []
    problems = []
    for model, _model_admin in _scoped_admins():
        for where, url, obj, data in _attempts(client, model, world):
            before = _database_state(obj)
            response = client.post(url, data)
            name = where.rsplit(" ", 1)[1]
            refused = response.status_code == 403 or (
                response.status_code == 200 and name in _form_errors(response)
            )
            if not refused:
                problems.append(f"{where}: {response.status_code}, errors {_form_errors(response)}")
            if _database_state(obj) != before:
                problems.append(f"{where} wrote something")
            tried.append(where)
    assert not problems, "\n".join(problems)
    # The attacks of the issue are among them.
    assert {"org.Leave add person", "org.Unit add parent", "org.PilotUnitYear add unit"} <= set(
        tried
    )


def test_the_attacks_of_the_issue_fail_with_complete_forms(
    two_regions: World, client_as: Callable[[str], Client]
) -> None:
    """The two writes of the report, replayed with forms that are otherwise valid."""
    world = two_regions
    client = client_as("other_admin")
    cadre = world.people["cadre"]
    leave = client.post(
        _url(Leave, "add"),
        {"person": cadre.pk, "start": "2026-06-01", "end": "2026-06-05", "reason": "病假"},
    )
    assert leave.status_code == 200 and "person" in _form_errors(leave)
    assert not Leave.objects.filter(person=cadre, start=dt.date(YEAR, 6, 1)).exists()
    # So 测试区's cadre can still log that day.
    log = worklog_services.worklog_submit(
        actor=world.users["cadre"],
        day=dt.date(YEAR, 6, 2),
        content="整理六月就业补贴申报材料并完成初审",
        today=dt.date(YEAR, 6, 2),
    )
    assert log.unit_id == world.bureau.pk

    unit = client.post(
        _url(Unit, "add"),
        {
            "parent": world.bureau.pk,
            "name": "邻区插入的中心",
            "code": "S903",
            "unit_type": UnitType.SUBORDINATE,
            "unit_kind": UnitKind.CIVIL_SERVICE_MANAGED,
            "sort_order": 0,
            "is_active": "on",
        },
    )
    assert unit.status_code == 200 and "parent" in _form_errors(unit)
    assert not Unit.objects.filter(code="S903").exists()
    assert not Unit.objects.filter(parent=world.bureau).exclude(pk=world.centre.pk).exists()


def test_a_foreign_admin_cannot_delete_another_regions_rows(
    two_regions: World, client_as: Callable[[str], Client]
) -> None:
    world = two_regions
    client = client_as("other_admin")
    for model, _model_admin in _scoped_admins():
        home = _region_of_rows(model, world.region)
        before = _database_state(None)
        client.post(_url(model, "delete", home[0]), {"post": "yes"})
        client.post(
            _url(model, "changelist"),
            {"action": "delete_selected", "_selected_action": home, "post": "yes"},
        )
        assert _database_state(None) == before, f"{model._meta.label} rows deleted"


def test_the_foreign_admins_own_forms_still_work(
    two_regions: World, client_as: Callable[[str], Client]
) -> None:
    """Scoping refuses only the other region: the same forms save the admin's own rows."""
    world = two_regions
    client = client_as("other_admin")
    person = world.people["foreign"]
    leave = client.post(
        _url(Leave, "add"),
        {"person": person.pk, "start": "2026-06-01", "end": "2026-06-03", "reason": "事假"},
    )
    assert leave.status_code == 302, _form_errors(leave)
    assert Leave.objects.filter(person=person, reason="事假", region=world.other_region).exists()
    unit = client.post(
        _url(Unit, "add"),
        {
            "parent": world.foreign_unit.pk,
            "name": "邻区新设中心",
            "code": "S902",
            "unit_type": UnitType.SUBORDINATE,
            "unit_kind": UnitKind.CIVIL_SERVICE_MANAGED,
            "sort_order": 0,
            "is_active": "on",
        },
    )
    assert unit.status_code == 302, _form_errors(unit)
    assert Unit.objects.get(code="S902").region == world.other_region


def test_a_superuser_still_sees_and_chooses_every_region(
    two_regions: World, client_as: Callable[[str], Client]
) -> None:
    world = two_regions
    root = User.objects.create_superuser(username="root", password="x", region=None)
    client = Client()
    client.force_login(root)
    for model, _model_admin in _scoped_admins():
        listing = client.get(_url(model, "changelist"), {"all": ""})
        assert listing.status_code == 200
        assert listing.context["cl"].full_result_count == model._default_manager.count()
        for region in (world.region, world.other_region):
            pk = _region_of_rows(model, region)[0]
            assert client.get(_url(model, "change", pk)).status_code == 200
    page = client.get(_url(Unit, "add"))
    offered = set(page.context["adminform"].form.fields["parent"].queryset)
    assert {world.bureau, world.foreign_unit} <= offered
    for region in (world.region, world.other_region):
        leave = Leave.objects.get(region=region)
        assert client.get(_url(Leave, "change", leave.pk)).status_code == 200


def test_an_inline_of_a_scoped_admin_offers_only_the_region(two_regions: World) -> None:
    """Inlines are scoped by the admin that holds them, even a plain TabularInline."""
    from django.test import RequestFactory

    from kaohe.org.models import QuotaPoolMember

    world = two_regions
    request = RequestFactory().get("/")
    request.user = world.users["other_admin"]
    pool_admin = admin.site._registry[QuotaPool]
    pool = QuotaPool.objects.get(region=world.other_region)
    field = QuotaPoolMember._meta.get_field("unit")
    for inline_class in pool_admin.get_inlines(request, pool):
        inline = inline_class(QuotaPool, admin.site)
        formfield = inline.formfield_for_dbfield(field, request)
        assert isinstance(formfield, ModelChoiceField)
        offered = set(formfield.queryset or [])
        assert world.foreign_unit in offered and world.bureau not in offered
