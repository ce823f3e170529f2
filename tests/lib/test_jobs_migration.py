"""Import jobs and dry runs moving to the shared job engine keep every row: a database holding
jobs in each of the old statuses (import `pending`, dry run `done`) and an import's `round`
migrates to the new layout, where every job is found with the shared status and its
training_round; migrating back restores the old words."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from maestro.playbooks.models import DryRunJob
from maestro.training.models import ImportJob
from tests.mapping.factories import ProcessFactory
from tests.playbooks.factories import PlaybookVersionFactory
from tests.training.factories import DatasetFactory, RoundFactory

# The newest migrations before the shared engine.
OLD_LAYOUT = [("training", "0004_import_staging"), ("playbooks", "0001_initial")]
# Old stored status → the shared one.
IMPORT_STATUSES = {
    "pending": "queued",
    "running": "running",
    "succeeded": "succeeded",
    "failed": "failed",
}
DRY_RUN_STATUSES = {
    "queued": "queued",
    "running": "running",
    "done": "succeeded",
    "failed": "failed",
}


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def old_layout(transactional_db):
    latest = _latest()
    apps = _migrate(OLD_LAYOUT)
    yield apps
    # Leave the database as every other test expects it, even if the test failed half-way.
    _migrate(latest)


def test_jobs_in_the_old_statuses_are_found_with_the_shared_ones(old_layout, world):
    apps = old_layout
    process = ProcessFactory(engagement=world.engagement_a)
    dataset = DatasetFactory(process=process)
    training_round = RoundFactory(dataset=dataset)
    version = PlaybookVersionFactory(playbook__process=process)
    OldImport = apps.get_model("training", "ImportJob")
    OldDryRun = apps.get_model("playbooks", "DryRunJob")
    imports = {
        old: OldImport.objects.create(
            dataset_id=dataset.pk, round_id=training_round.pk, kind="outputs", status=old
        ).pk
        for old in IMPORT_STATUSES
    }
    cases_only = OldImport.objects.create(dataset_id=dataset.pk, kind="cases", status="pending")
    dry_runs = {
        old: OldDryRun.objects.create(
            version_id=version.pk, training_round_id=training_round.pk, status=old, cases_done=3
        ).pk
        for old in DRY_RUN_STATUSES
    }

    _migrate(_latest())

    for old, new in IMPORT_STATUSES.items():
        job = ImportJob.objects.get(pk=imports[old])
        assert (job.status, job.training_round_id, job.dataset_id) == (
            new,
            training_round.pk,
            dataset.pk,
        )
    assert ImportJob.objects.get(pk=cases_only.pk).training_round_id is None
    for old, new in DRY_RUN_STATUSES.items():
        job = DryRunJob.objects.get(pk=dry_runs[old])
        assert (job.status, job.training_round_id, job.cases_done) == (new, training_round.pk, 3)
    assert ImportJob.objects.count() == len(IMPORT_STATUSES) + 1
    assert DryRunJob.objects.count() == len(DRY_RUN_STATUSES)

    # The data migrations are reversible: back at the old layout, the old words are back.
    apps = _migrate(OLD_LAYOUT)
    OldImport = apps.get_model("training", "ImportJob")
    OldDryRun = apps.get_model("playbooks", "DryRunJob")
    assert {old: OldImport.objects.get(pk=pk).status for old, pk in imports.items()} == {
        old: old for old in IMPORT_STATUSES
    }
    assert OldImport.objects.get(pk=imports["pending"]).round_id == training_round.pk
    assert {old: OldDryRun.objects.get(pk=pk).status for old, pk in dry_runs.items()} == {
        old: old for old in DRY_RUN_STATUSES
    }
