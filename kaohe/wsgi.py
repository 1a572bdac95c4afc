"""WSGI entry point for gunicorn: `gunicorn kaohe.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaohe.settings")
application = get_wsgi_application()
