"""Settings for the HTTP benchmark (bench/worklogs.py): kaohe's own, plus a ping page.

The benchmark logs in a few hundred demo users before it measures anything. With
PBKDF2 (a million iterations, by design) those logins alone would take minutes on
two cores, so demo passwords are hashed with MD5 here. Only the logins get cheaper:
the measured requests authenticate by session and never hash a password.
"""

from __future__ import annotations

from kaohe.settings import *  # noqa: F403

ROOT_URLCONF = "bench.http_urls"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
