"""The stable codes of the org domain's refusals (convention in kaohe.core.errors)."""

from __future__ import annotations

from kaohe.core.errors import ErrorCode


class OrgErrorCode(ErrorCode):
    DEMO_ALREADY_LOADED = "org.demo_already_loaded"
    DEMO_USERNAMES_TAKEN = "org.demo_usernames_taken"
    IMPORT_RUNNING = "org.import_running"
    JOINT_POOL_SIZE = "org.joint_pool_size"
    MERGED_POOL_WITHOUT_LEAD = "org.merged_pool_without_lead"
    MOVE_BEFORE_CURRENT = "org.move_before_current"
    NOT_ROSTER_ADMIN = "org.not_roster_admin"
    NO_FILE = "org.no_file"
    OWN_POOL_SIZE = "org.own_pool_size"
    POOL_EMPTY = "org.pool_empty"
    REGION_CODE_TAKEN = "org.region_code_taken"
    ROSTER_FILE_INVALID = "org.roster_file_invalid"
    ROSTER_ROWS_INVALID = "org.roster_rows_invalid"
    STAFF_NO_TAKEN = "org.staff_no_taken"
    UNIT_CODE_TAKEN = "org.unit_code_taken"
    UNIT_OF_OTHER_REGION = "org.unit_of_other_region"
