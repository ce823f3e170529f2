"""Writes of the training loop. Only the engagement's consultants (can_manage_engagement) write.

One module per concept (datasets, rounds, staging, import jobs); every service is re-exported
here, so `from maestro.training import services` keeps working.
"""

from maestro.training.services.datasets import dataset_create, dataset_import_cases
from maestro.training.services.import_jobs import (
    count_data_rows,
    import_job_create,
    import_job_run,
    import_jobs_recover,
)
from maestro.training.services.rounds import (
    failure_review_set,
    gate_criteria_set,
    round_create,
    round_import_outputs,
)
from maestro.training.services.staging import (
    BATCH_SIZE,
    STAGE_RANDOM_BITS,
    STAGING_ABANDONED_AFTER,
    STAGING_DELETE_BATCH,
    Progress,
    _new_stage,
    _stages_before,
)

__all__ = [
    "BATCH_SIZE",
    "Progress",
    "STAGING_DELETE_BATCH",
    "STAGING_ABANDONED_AFTER",
    "STAGE_RANDOM_BITS",
    "_new_stage",
    "_stages_before",
    "dataset_create",
    "dataset_import_cases",
    "round_create",
    "round_import_outputs",
    "failure_review_set",
    "gate_criteria_set",
    "count_data_rows",
    "import_job_create",
    "import_job_run",
    "import_jobs_recover",
]
