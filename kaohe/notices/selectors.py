"""Reads of the notices app, scoped by the acting user."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404

from kaohe.accounts.access import is_region_admin, region_id_of
from kaohe.accounts.models import User
from kaohe.notices.models import Delivery, DeliveryState


def deliveries_visible(user: User) -> QuerySet[Delivery]:
    """The region office sees its region's deliveries, failures first; others none (404)."""
    if not is_region_admin(user):
        raise Http404
    return (
        Delivery.objects.filter(region_id=region_id_of(user))
        .select_related("channel")
        .annotate(
            failed_first=Case(
                When(state=DeliveryState.FAILED, then=Value(0)),
                When(state=DeliveryState.RETRYING, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("failed_first", "-created_at", "-id")
    )


def delivery_get(user: User, delivery_id: int) -> Delivery:
    delivery = deliveries_visible(user).filter(pk=delivery_id).first()
    if delivery is None:
        raise Http404
    return delivery


def delivery_counts(user: User) -> dict[str, int]:
    from django.db.models import Count

    return dict(
        Delivery.objects.filter(region_id=region_id_of(user))
        .values("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
