"""Writes on process maps. Only the engagement's consultants (can_manage_engagement) write.

One module per concept; every service is re-exported here, so `from maestro.mapping import
services` and `services.process_create(...)` keep working.
"""

from maestro.mapping.services.decision_points import (
    decision_point_create,
    decision_point_delete,
    decision_point_update,
)
from maestro.mapping.services.decision_types import (
    DECISION_TYPE_FIELDS,
    decision_type_create,
    decision_type_delete,
    decision_type_update,
)
from maestro.mapping.services.map_import import process_map_import
from maestro.mapping.services.processes import (
    PROCESS_FIELDS,
    process_create,
    process_delete,
    process_update,
)
from maestro.mapping.services.steps import (
    STEP_FIELDS,
    step_create,
    step_delete,
    step_reorder,
    step_update,
)

__all__ = [
    "PROCESS_FIELDS",
    "process_create",
    "process_update",
    "process_delete",
    "STEP_FIELDS",
    "step_create",
    "step_update",
    "step_delete",
    "step_reorder",
    "DECISION_TYPE_FIELDS",
    "decision_type_create",
    "decision_type_update",
    "decision_type_delete",
    "decision_point_create",
    "decision_point_update",
    "decision_point_delete",
    "process_map_import",
]
