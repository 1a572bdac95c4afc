"""Foundation benchmark: demo generation time, page query counts at two unit sizes,
and a 5,000-row roster import.

Run with `make bench` (SQLite in a temporary file) or set KAOHE_DATABASE_URL to a
PostgreSQL database that may be emptied. Prints figures; asserts nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import time

import common

common.setup_django(sqlite_by_default=True)

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from kaohe.accounts.models import User  # noqa: E402
from kaohe.demo.org import generate_demo  # noqa: E402
from kaohe.org.models import IN_SCOPE_STATUSES, Membership, Unit  # noqa: E402
from kaohe.org.roster import roster_import  # noqa: E402
from kaohe.testing import roster_row, roster_xlsx  # noqa: E402


def queries_for(client: Client, url: str) -> tuple[int, float]:
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    return len(captured), elapsed


def roster_bytes(rows: int, unit_code: str) -> bytes:
    return roster_xlsx(
        [
            roster_row(f"B{i:06d}", f"基准{i}", unit=unit_code, 起始日期="2026-02-01")
            for i in range(rows)
        ]
    )


def main() -> None:
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    common.migrate()
    print(f"kaohe foundation benchmark ({engine})")

    started = time.perf_counter()
    result = generate_demo()
    generation = time.perf_counter() - started
    print(
        f"demo generation: {generation:.2f} s "
        f"({result.units} units, {result.people} people, {result.memberships} memberships, "
        f"{result.users} users)"
    )

    admin = User.objects.get(username="region_admin")
    client = Client()
    client.force_login(admin)
    day = dt.date(result.year, 12, 31)
    sizes = dict(
        Unit.objects.filter(region_id=result.region_id)
        .annotate(n=Count("memberships"))
        .values_list("pk", "n")
    )
    small = min(sizes, key=lambda pk: sizes[pk])
    large = max(sizes, key=lambda pk: sizes[pk])
    print("page                          unit size   queries   time")
    for label, unit_id in (("small", small), ("large", large)):
        members = (
            Membership.objects.on(day).filter(unit_id=unit_id, status__in=IN_SCOPE_STATUSES).count()
        )
        n, t = queries_for(client, reverse("org:unit", args=[unit_id]) + f"?date={day}")
        print(f"unit page ({label:5})           {members:9}   {n:7}   {t * 1000:.0f} ms")
    for label, unit_id in (("small", small), ("large", large)):
        person_id = (
            Membership.objects.filter(unit_id=unit_id)
            .order_by("-valid_from")
            .values_list("person_id", flat=True)
            .first()
        )
        assert person_id is not None
        history = Membership.objects.filter(person_id=person_id).count()
        n, t = queries_for(client, reverse("org:person", args=[person_id]))
        print(f"person page ({label:5}, {history} rows)  {'-':>7}   {n:7}   {t * 1000:.0f} ms")
    n, t = queries_for(client, reverse("org:unit_tree"))
    print(f"unit tree ({result.units} units)        {'-':>7}   {n:7}   {t * 1000:.0f} ms")

    unit_code = Unit.objects.get(pk=large).code
    content = roster_bytes(5000, unit_code)
    started = time.perf_counter()
    imported = roster_import(actor=admin, upload=io.BytesIO(content), size=len(content))
    print(
        f"roster import: 5,000 rows in {time.perf_counter() - started:.2f} s "
        f"({imported.people_created} people created)"
    )
    members = Membership.objects.on(day).filter(unit_id=large, status__in=IN_SCOPE_STATUSES).count()
    n, t = queries_for(client, reverse("org:unit", args=[large]) + f"?date={day}")
    print(f"unit page after import         {members:9}   {n:7}   {t * 1000:.0f} ms")
    started = time.perf_counter()
    again = roster_import(actor=admin, upload=io.BytesIO(content), size=len(content))
    print(
        f"roster re-import (no changes): {time.perf_counter() - started:.2f} s "
        f"({again.unchanged} unchanged)"
    )


if __name__ == "__main__":
    main()
