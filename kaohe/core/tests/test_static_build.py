"""`make run` serves static files as production does: `collectstatic` with hashed,
compressed names (WhiteNoise's manifest storage). That build refuses any file whose CSS
refers to one we do not ship (a vendored stylesheet's source map stopped `make run`)."""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
from pytest_django.fixtures import Settings


def test_collectstatic_builds_the_production_manifest(settings: Settings, tmp_path: Path) -> None:
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
