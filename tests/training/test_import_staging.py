"""An import writes in short transactions: other writes (a login, an API call) go through while
it runs, readers never see part of a file, and staged rows never outlive their import."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from maestro.training import services
from maestro.training.importers import ImportFailed
from maestro.training.models import (
    AgentOutput,
    EvaluationCase,
    ImportJob,
    StagedCase,
    StagedOutput,
)
from tests.mapping.factories import ProcessFactory
from tests.tenancy.factories import UserFactory
from tests.training.factories import CaseFactory, DatasetFactory, RoundFactory
from tests.training.paused_import import import_run_paused_at

ROWS, BATCH = 50, 10


@pytest.fixture
def short_busy_timeout(monkeypatch):
    """On SQLite, writers wait 1 s (not 20) for the write lock, so a writer shut out by a long
    import fails quickly instead of after the demo's busy timeout."""
    if connection.vendor == "sqlite":
        options = {**connection.settings_dict["OPTIONS"], "timeout": 1}
        monkeypatch.setitem(connection.settings_dict, "OPTIONS", options)
        connection.close()  # reconnect with it
    yield
    connection.close()


def _job(world, rows: int = ROWS) -> ImportJob:
    dataset = DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))
    csv = "case_ref,correct_outcome,category\n" + "".join(f"P-{i},it,access\n" for i in range(rows))
    return services.import_job_create(
        dataset=dataset,
        upload=SimpleUploadedFile("cases.csv", csv.encode()),
        fmt=None,
        by=world.consultant,
    )


def test_logins_and_api_writes_go_through_while_an_import_runs(
    transactional_db, world, monkeypatch, short_busy_timeout
):
    monkeypatch.setattr("maestro.training.tasks.import_job_run_task.delay", lambda job_id: None)
    job = _job(world)
    user = UserFactory(username="late-comer")
    paused, resume, thread, outcome = import_run_paused_at(job, 2 * BATCH, batch_size=BATCH)
    try:
        assert paused.wait(30), "the import never wrote its second batch"
        browser = Client()
        login = browser.post("/login/", {"username": "late-comer", "password": "pw"})
        token = Client().post(
            "/api/auth/token/",
            {"username": "late-comer", "password": "pw"},
            content_type="application/json",
        )
        # Readers see none of the file yet: its rows are only staged.
        visible = EvaluationCase.objects.filter(dataset=job.dataset).count()
        staged = StagedCase.objects.count()
    finally:
        resume.set()
        thread.join(30)
    assert not thread.is_alive()
    assert login.status_code == 302, login.content[:300]
    assert browser.get("/").status_code == 200  # the session was saved: logged in
    user.refresh_from_db()
    assert user.last_login is not None
    assert token.status_code == 200, token.content[:300]
    assert Token.objects.filter(user=user).exists()
    assert (visible, staged) == (0, 2 * BATCH)

    assert outcome["job"].status == "succeeded"
    assert EvaluationCase.objects.filter(dataset=job.dataset).count() == ROWS
    assert list(
        EvaluationCase.objects.filter(dataset=job.dataset).values_list("case_ref", flat=True)
    ) == [f"P-{i}" for i in range(ROWS)]  # in file order
    assert StagedCase.objects.count() == 0


def test_a_refused_file_leaves_no_staged_rows_and_writes_nothing(world, tmp_path):
    dataset = DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))
    path = tmp_path / "cases.csv"
    rows = [f"R{i},ok,c\n" for i in range(30)]
    rows[25] = "R25,ok,\n"
    path.write_text("case_ref,correct_outcome,category\n" + "".join(rows))
    with pytest.raises(ImportFailed):
        services.dataset_import_cases(
            dataset=dataset, path=str(path), fmt="csv", by=None, batch_size=10
        )
    assert EvaluationCase.objects.count() == 0
    assert StagedCase.objects.count() == 0


def test_refs_added_by_another_import_meanwhile_refuse_the_file(world, tmp_path):
    dataset = DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))
    path = tmp_path / "cases.csv"
    path.write_text("case_ref,correct_outcome,category\nA,ok,c\nB,ok,c\n")

    def and_meanwhile(phase: str, rows: int) -> None:
        if phase == "writing":  # the file's rows are staged, not moved yet
            CaseFactory(dataset=dataset, case_ref="B")  # another import got there first

    with pytest.raises(ImportFailed) as info:
        services.dataset_import_cases(
            dataset=dataset, path=str(path), fmt="csv", by=None, on_progress=and_meanwhile
        )
    assert "case_ref: 'B' is already in this dataset" in info.value.errors[0]
    assert list(EvaluationCase.objects.values_list("case_ref", flat=True)) == ["B"]
    assert StagedCase.objects.count() == 0


def test_outputs_replace_the_rounds_outputs_in_one_move(world, tmp_path):
    dataset = DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))
    cases = [CaseFactory(dataset=dataset, case_ref=f"C{i}", correct_outcome="ok") for i in range(5)]
    training_round = RoundFactory(dataset=dataset)
    AgentOutput.objects.create(
        round=training_round, case=cases[0], predicted_outcome="old", confidence=0.1
    )
    path = tmp_path / "outputs.csv"
    path.write_text(
        "case_ref,predicted_outcome,confidence\n" + "".join(f"C{i},ok,0.{i}\n" for i in range(5))
    )
    written = services.round_import_outputs(
        training_round=training_round, path=str(path), fmt="csv", by=None, batch_size=2
    )
    assert written == 5
    assert sorted(
        AgentOutput.objects.filter(round=training_round).values_list(
            "case__case_ref", "predicted_outcome", "confidence"
        )
    ) == [(f"C{i}", "ok", float(f"0.{i}")) for i in range(5)]
    assert StagedOutput.objects.count() == 0


def test_rows_of_a_case_deleted_during_the_import_refuse_it(world, tmp_path):
    dataset = DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))
    cases = [CaseFactory(dataset=dataset, case_ref=f"C{i}") for i in range(3)]
    training_round = RoundFactory(dataset=dataset)
    path = tmp_path / "outputs.csv"
    path.write_text(
        "case_ref,predicted_outcome,confidence\n" + "".join(f"C{i},ok,0.5\n" for i in range(3))
    )

    def and_meanwhile(phase: str, rows: int) -> None:
        if phase == "writing":  # the file's rows are staged, not moved yet
            cases[1].delete()  # its staged output goes with it

    with pytest.raises(ImportFailed) as info:
        services.round_import_outputs(
            training_round=training_round,
            path=str(path),
            fmt="csv",
            by=None,
            on_progress=and_meanwhile,
        )
    assert "changed during the import" in info.value.errors[0]
    assert AgentOutput.objects.count() == 0
    assert StagedOutput.objects.count() == 0


def test_recovery_deletes_staged_rows_a_dead_worker_left(world):
    dataset = DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))
    now = timezone.now() + services.STAGING_ABANDONED_AFTER + timedelta(minutes=1)
    old = services._stages_before(now - services.STAGING_ABANDONED_AFTER) - 1
    fresh = services._stages_before(now - services.STAGING_ABANDONED_AFTER) + 1
    row = {"dataset": dataset, "correct_outcome": "x", "category": "c"}
    StagedCase.objects.bulk_create(
        [StagedCase(stage=old, case_ref=f"O{i}", **row) for i in range(3)]
        + [StagedCase(stage=fresh, case_ref="F", **row)]
    )
    services.import_jobs_recover(now=now)
    assert list(StagedCase.objects.values_list("stage", flat=True)) == [fresh]


def test_a_stage_number_orders_by_the_second_it_began():
    began = timezone.now()
    stage = services._new_stage()
    assert services._stages_before(began - timedelta(seconds=1)) < stage
    assert stage < services._stages_before(began + timedelta(seconds=2))
