"""Every number a user types is checked against what its column holds.

An indicator weight of 1000 passed the "0 to 1000" check but not its decimal(5, 2)
column: on SQLite the scheme page and the diff page then failed for good, on
PostgreSQL the save was a server error. The limits now come from the field
(kaohe.core.numbers): here each numeric field is tried at and past its limit
through the entry point users use (the indicator service and page, the admin's
forms), on whichever database the suite runs on.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import model_to_dict
from django.test import Client, RequestFactory

from kaohe.core.admin_base import RegionScopedAdmin
from kaohe.core.errors import CoreErrorCode
from kaohe.core.numbers import column_limits, field_limits
from kaohe.schemes import services
from kaohe.schemes.models import Indicator, SchemeVersion
from kaohe.scoring.models import QuarterRun, ScoringPolicy
from kaohe.testing import World, refused
from kaohe.worklogs.models import WorklogPolicy

pytestmark = pytest.mark.django_db
CENT = Decimal("0.01")
# Each typed number of an indicator, with the kind of indicator that takes it.
INDICATOR_FIELDS = {
    "max_points": "scored",
    "per_occurrence": "deduction",
    "cap": "deduction",
    "weight": "group",
}


def _add(world: World, version: SchemeVersion, field: str, value: str) -> Indicator:
    return services.indicator_add(
        actor=world.users["region_admin"],
        version=version,
        parent=None,
        data={"name": f"测试{field}", "kind": INDICATOR_FIELDS[field], field: value},
    )


@pytest.mark.parametrize("field", sorted(INDICATOR_FIELDS))
def test_each_indicator_number_is_kept_at_its_limit_and_refused_past_it(
    world: World, drafted: SchemeVersion, client_as: Callable[[str], Client], field: str
) -> None:
    low, high = field_limits(Indicator._meta.get_field(field))  # type: ignore[arg-type]
    assert high <= column_limits(Indicator._meta.get_field(field))[1]  # type: ignore[arg-type]
    kept = _add(world, drafted, field, str(high))
    kept.refresh_from_db()
    assert getattr(kept, field) == high
    for past in (high + CENT, high + 1, Decimal(1000) if high < 1000 else Decimal(10000)):
        with refused(CoreErrorCode.NUMBER_OUT_OF_RANGE) as caught:
            _add(world, drafted, field, str(past))
        assert "须在" in caught.value.message and f"{high.normalize():f}" in caught.value.message
    with refused(CoreErrorCode.NUMBER_OUT_OF_RANGE):
        _add(world, drafted, field, str(low - CENT))
    assert Indicator.objects.filter(version=drafted, name=f"测试{field}").count() == 1
    # The pages that read every indicator of the version still open.
    admin_client = client_as("region_admin")
    scheme, number = drafted.scheme_id, drafted.number
    assert admin_client.get(f"/schemes/{scheme}/v{number}/").status_code == 200
    assert admin_client.get(f"/schemes/{scheme}/diff/").status_code == 200


def test_a_weight_of_1000_typed_on_the_scheme_page_is_refused_in_chinese(
    world: World, drafted: SchemeVersion, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")
    url = f"/schemes/{drafted.scheme_id}/v{drafted.number}/"
    response = client.post(
        url + "indicators/", {"name": "新分组", "kind": "group", "weight": "1000"}, follow=True
    )
    assert response.status_code == 200
    assert "权重" in response.content.decode() and "100" in response.content.decode()
    assert not Indicator.objects.filter(version=drafted, name="新分组").exists()
    assert client.get(url).status_code == 200
    assert client.get(f"/schemes/{drafted.scheme_id}/diff/").status_code == 200


def _numeric_fields(model: type[models.Model], form_fields: Any) -> list[models.Field[Any, Any]]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.IntegerField | models.DecimalField) and f.name in form_fields
    ]


def test_every_admin_form_refuses_a_number_its_column_cannot_hold(world: World) -> None:
    request = RequestFactory().get("/admin/")
    request.user = world.users["region_admin"]
    tried = 0
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, RegionScopedAdmin):
            continue
        form_fields = model_admin.get_form(request)().fields
        for field in _numeric_fields(model, form_fields):
            low, high = field_limits(field)
            assert column_limits(field)[0] <= low and high <= column_limits(field)[1]
            step = CENT if isinstance(field, models.DecimalField) else Decimal(1)
            form_field = form_fields[field.name]
            form_field.clean(str(high))
            for past in (high + step, low - step):
                with pytest.raises(ValidationError) as caught:
                    form_field.clean(str(past))
                assert "确保" in str(caught.value), (model, field.name)
            tried += 1
    assert tried >= 20  # every policy, rule and score the admin edits


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (WorklogPolicy, "log_min_chars"),
        (WorklogPolicy, "deduction_per_missing_log"),
        (ScoringPolicy, "good_from"),
        (ScoringPolicy, "min_good_quarters"),
    ],
)
def test_the_admin_saves_a_number_at_its_limit_and_refuses_one_past(
    world: World, graded: QuarterRun, model: type[models.Model], field: str
) -> None:
    instance = model.objects.get_or_create(region=world.region)[0]  # type: ignore[attr-defined]
    db_field = model._meta.get_field(field)
    _low, high = field_limits(db_field)  # type: ignore[arg-type]
    request = RequestFactory().get("/admin/")
    request.user = world.users["region_admin"]
    form_class = admin.site._registry[model].get_form(request, instance)
    data = {k: v for k, v in model_to_dict(instance).items() if v is not None}
    step = CENT if isinstance(db_field, models.DecimalField) else Decimal(1)
    refused = form_class(data={**data, field: str(high + step)}, instance=instance)
    assert not refused.is_valid() and field in refused.errors
    kept = form_class(data={**data, field: str(high)}, instance=instance)
    assert kept.is_valid(), kept.errors
    kept.save()
    instance.refresh_from_db()
    assert getattr(instance, field) == high
