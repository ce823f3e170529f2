"""Dataset and round imports are recorded with their row counts, in the transaction that moves
the rows in, naming the person who uploaded the file even though a worker ran the import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from maestro.audit.models import AuditEntry
from maestro.audit.services import Actor
from maestro.training import services
from maestro.training.importers import ImportFailed
from maestro.training.models import ImportJob
from tests.audit.helpers import only
from tests.mapping.factories import ProcessFactory
from tests.training.factories import CaseFactory, DatasetFactory, RoundFactory

pytestmark = pytest.mark.django_db

CASES = "case_ref,correct_outcome,category\n" + "".join(f"C-{i},it,access\n" for i in range(5))


@pytest.fixture
def dataset(world):
    return DatasetFactory(process=ProcessFactory(engagement=world.engagement_a), name="History")


def _upload(dataset, by, text, training_round=None) -> ImportJob:
    return services.import_job_create(
        dataset=dataset,
        upload=SimpleUploadedFile("file.csv", text.encode()),
        fmt=None,
        by=by,
        training_round=training_round,
    )


def test_an_uploaded_dataset_import_names_the_uploader_and_counts_the_rows(
    world, dataset, monkeypatch
):
    monkeypatch.setattr("maestro.training.tasks.import_job_run_task.delay", lambda job_id: None)
    job = _upload(dataset, world.consultant, CASES)
    assert not AuditEntry.objects.exists()  # queued, nothing imported yet

    assert services.import_job_run(job_id=job.pk).status == "succeeded"  # as the worker does

    entry = only("dataset.imported")
    assert (entry.actor_kind, entry.actor_user) == ("user", world.consultant)
    assert (entry.client, entry.engagement) == (world.client_a, world.engagement_a)
    assert (entry.target_type, entry.target_id, entry.target_label) == (
        "training.EvaluationDataset",
        str(dataset.pk),
        "History",
    )
    assert entry.data == {"rows": 5, "file_format": "csv"}


def test_a_round_import_counts_the_rows_and_the_outputs_it_replaced(world, dataset, monkeypatch):
    monkeypatch.setattr("maestro.training.tasks.import_job_run_task.delay", lambda job_id: None)
    cases = [CaseFactory(dataset=dataset, case_ref=f"C-{i}") for i in range(3)]
    training_round = RoundFactory(dataset=dataset)
    outputs = "case_ref,predicted_outcome,confidence\n" + "".join(
        f"{case.case_ref},it,0.9\n" for case in cases
    )
    for _ in range(2):
        job = _upload(dataset, world.consultant, outputs, training_round=training_round)
        services.import_job_run(job_id=job.pk)

    entries = AuditEntry.objects.filter(event="round.imported").order_by("pk")
    assert [e.data for e in entries] == [
        {"rows": 3, "replaced": 0, "file_format": "csv"},
        {"rows": 3, "replaced": 3, "file_format": "csv"},
    ]
    assert all(e.actor_user == world.consultant for e in entries)
    assert entries[0].target_id == str(training_round.pk)


def test_a_failed_import_leaves_no_entry(world, dataset, monkeypatch):
    monkeypatch.setattr("maestro.training.tasks.import_job_run_task.delay", lambda job_id: None)
    job = _upload(dataset, world.consultant, CASES + "C-1,it,access\n")  # a duplicate ref
    assert services.import_job_run(job_id=job.pk).status == "failed"
    assert not AuditEntry.objects.exists()


def test_a_rolled_back_move_leaves_no_entry(world, dataset, tmp_path, monkeypatch):
    path = tmp_path / "cases.csv"
    path.write_text(CASES)
    real = services.datasets.staged_import

    def fails_after_recording(**kwargs):
        record = kwargs["on_moved"]

        def then_fail(rows):
            record(rows)
            raise ImportFailed(["The disk filled up."])

        return real(**{**kwargs, "on_moved": then_fail})

    monkeypatch.setattr(services.datasets, "staged_import", fails_after_recording)
    with pytest.raises(ImportFailed):
        services.dataset_import_cases(dataset=dataset, path=str(path), fmt="csv", by=None)
    assert not AuditEntry.objects.exists()
    assert not dataset.cases.exists()


def test_an_import_nobody_signed_in_started_is_the_systems(world, dataset, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(CASES)
    services.dataset_import_cases(dataset=dataset, path=str(path), fmt="csv", by=None)
    services.dataset_import_cases(
        dataset=DatasetFactory(process=dataset.process),
        path=str(path),
        fmt="csv",
        by=None,
        actor=Actor.system("manage.py training_import"),
    )
    labels = list(
        AuditEntry.objects.filter(event="dataset.imported")
        .order_by("pk")
        .values_list("actor_kind", "actor_label")
    )
    assert labels == [("system", "training import"), ("system", "manage.py training_import")]


def test_a_direct_import_by_a_consultant_names_them(world, dataset, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(CASES)
    services.dataset_import_cases(dataset=dataset, path=str(path), fmt="csv", by=world.consultant)
    assert only("dataset.imported").actor_user == world.consultant
