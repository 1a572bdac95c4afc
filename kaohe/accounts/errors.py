"""The stable codes of the accounts domain's refusals (convention in kaohe.core.errors)."""

from __future__ import annotations

from kaohe.core.errors import ErrorCode


class AccountErrorCode(ErrorCode):
    GRANT_NEEDS_UNIT = "accounts.grant_needs_unit"
    NOT_REGION_OFFICE = "accounts.not_region_office"
    REGION_GRANT_OVER_UNIT = "accounts.region_grant_over_unit"
    UNIT_OF_OTHER_REGION = "accounts.unit_of_other_region"
    USER_HAS_NO_REGION = "accounts.user_has_no_region"
