"""Authentication backend that loads the user's person and region with the user.

Nearly every page and write reads `request.user.person` or `.region`; fetching
them in the same query as the user saves one or two queries per request.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from kaohe.accounts.models import User


class KaoheBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = User.objects.select_related("person", "region").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
