"""The API and the pages reach the recording services once per change, naming who called them,
and the entries appear on the engagement's Activity list."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from maestro.audit.models import AuditEntry
from maestro.training import services as training
from tests.audit.helpers import only
from tests.conftest import client_for
from tests.mapping.factories import ProcessFactory
from tests.training.factories import DatasetFactory

pytestmark = pytest.mark.django_db


def test_an_api_edit_and_move_are_each_recorded_once_as_the_caller(world):
    api = client_for(world.consultant)
    base = f"/api/engagements/{world.engagement_a.pk}/"
    assert api.patch(base, {"name": "Renamed", "stance": "advisory"}).status_code == 200
    r = api.post(
        base + "transition/",
        {"to_phase": "training", "override": True, "override_reason": "Agreed"},
    )
    assert r.status_code == 201

    assert only("engagement.changed").changes == {"name": ["A agents", "Renamed"]}
    assert only("engagement.stance_changed").actor_user == world.consultant
    assert only("engagement.phase_changed").actor_user == world.consultant
    assert only("engagement.gate_overridden").data["reason"] == "Agreed"
    listed = client_for(world.sponsor_a).get(base + "activity/").json()["results"]
    assert [row["event"] for row in listed] == [
        "engagement.gate_overridden",
        "engagement.phase_changed",
        "engagement.changed",
        "engagement.stance_changed",
    ]


def test_a_refused_api_change_records_nothing(world):
    base = f"/api/engagements/{world.engagement_a.pk}/"
    assert client_for(world.operator_a).patch(base, {"name": "Mine"}).status_code == 403
    r = client_for(world.consultant).post(base + "transition/", {"to_phase": "training"})
    assert r.json()["code"] == "gate_failed"
    assert not AuditEntry.objects.exists()


def test_opening_an_engagement_through_the_page_records_it_and_its_starter_runbooks(client, world):
    client.force_login(world.consultant)
    r = client.post(
        "/engagements/new/",
        {
            "client": world.client_a.pk,
            "name": "Claims",
            "lead": world.consultant.pk,
            "target_accuracy": "85",
        },
    )
    assert r.status_code == 302, r.content
    assert only("engagement.created").actor_user == world.consultant
    starters = AuditEntry.objects.filter(event="runbook.version_created")
    assert starters.count() == 3
    assert {e.actor_user for e in starters} == {world.consultant}


def test_an_api_upload_names_the_uploader_once_the_worker_has_run_it(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("maestro.training.tasks.import_job_run_task.delay", lambda job_id: None)
    dataset = DatasetFactory(process=ProcessFactory(engagement=world.engagement_a))
    upload = SimpleUploadedFile("cases.csv", b"case_ref,correct_outcome,category\nA,x,y\n")
    r = client_for(world.consultant).post(
        f"/api/datasets/{dataset.pk}/import/", {"file": upload}, format="multipart"
    )
    assert r.status_code == 202, r.content
    training.import_job_run(job_id=r.json()["id"])
    training.import_job_run(job_id=r.json()["id"])  # a redelivered task: nothing twice

    entry = only("dataset.imported")
    assert (entry.actor_user, entry.data["rows"]) == (world.consultant, 1)
