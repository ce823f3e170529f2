"""Playbook services: saving versions (versions.py), dry runs, run inline or as background
jobs (dry_runs.py), and the known counterparties routing reads (counterparties.py)."""

from maestro.playbooks.services.counterparties import (
    MAX_IMPORT_ROWS,
    CounterpartyImport,
    known_counterparties_import,
    known_counterparties_seed,
    known_counterparty_add,
    known_counterparty_remove,
)
from maestro.playbooks.services.dry_runs import (
    DRY_RUN_WORKERS_ONLY,
    NO_OUTPUT,
    PROGRESS_EVERY,
    DryRunResult,
    dry_run_job_create,
    dry_run_job_result,
    dry_run_job_run,
    dry_run_jobs_recover,
    no_playbook_error,
    playbook_dry_run,
)
from maestro.playbooks.services.versions import (
    MAX_CHAIN,
    MAX_SLA_MINUTES,
    playbook_version_create,
)

__all__ = [
    "MAX_CHAIN",
    "MAX_IMPORT_ROWS",
    "CounterpartyImport",
    "known_counterparties_import",
    "known_counterparties_seed",
    "known_counterparty_add",
    "known_counterparty_remove",
    "MAX_SLA_MINUTES",
    "NO_OUTPUT",
    "PROGRESS_EVERY",
    "DryRunResult",
    "DRY_RUN_WORKERS_ONLY",
    "dry_run_job_create",
    "dry_run_job_result",
    "dry_run_job_run",
    "dry_run_jobs_recover",
    "no_playbook_error",
    "playbook_dry_run",
    "playbook_version_create",
]
