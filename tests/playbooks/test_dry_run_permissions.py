"""Sponsors read the playbook but cannot start a dry run: the service refuses them (so every
way in — page, API — does), the page offers them no form, and the engagement's workers
(consultants and the client's operators) still can."""

import pytest
from django.urls import reverse

from maestro.exceptions import NotPermitted
from maestro.playbooks.models import DryRunJob
from maestro.playbooks.services import dry_runs
from tests.conftest import client_for
from tests.engagements.test_views import select, texts
from tests.mapping.factories import ProcessFactory
from tests.playbooks.test_dry_runs import save, seven_cases

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    process = ProcessFactory(engagement=world.engagement_a)
    return process, seven_cases(process), save(process, world.consultant)


@pytest.fixture
def sent(monkeypatch):
    ids: list[int] = []
    monkeypatch.setattr("maestro.playbooks.tasks.dry_run_job_run_task.delay", ids.append)
    return ids


def test_the_service_refuses_a_sponsor_and_queues_nothing(
    world, setup, sent, django_capture_on_commit_callbacks
):
    process, rnd, version = setup
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(NotPermitted) as exc:
            dry_runs.dry_run_job_create(
                process=process, training_round=rnd, version=version, by=world.sponsor_a
            )
    assert exc.value.code == "read_only"
    assert "Sponsors" in exc.value.message
    assert not DryRunJob.objects.exists() and sent == []


def test_the_engagements_workers_still_start_dry_runs(
    world, setup, sent, django_capture_on_commit_callbacks
):
    process, rnd, version = setup
    with django_capture_on_commit_callbacks(execute=True):
        for user in (world.consultant, world.operator_a):
            dry_runs.dry_run_job_create(
                process=process, training_round=rnd, version=version, by=user
            )
    assert list(DryRunJob.objects.order_by("pk").values_list("requested_by", flat=True)) == [
        world.consultant.pk,
        world.operator_a.pk,
    ]
    assert len(sent) == 2


def test_the_api_answers_a_sponsor_403_with_its_code(world, setup, sent):
    process, rnd, _version = setup
    r = client_for(world.sponsor_a).post(
        f"/api/processes/{process.pk}/playbook/dry-run/", {"training_round": rnd.pk}, format="json"
    )
    assert r.status_code == 403
    assert r.json()["code"] == "read_only"
    assert not DryRunJob.objects.exists() and sent == []


def test_the_page_shows_a_sponsor_no_form_and_refuses_their_post(client, world, setup, sent):
    process, rnd, _version = setup
    url = reverse("playbooks:dry-run", args=[process.pk])
    client.force_login(world.sponsor_a)
    r = client.get(url)
    assert r.status_code == 200
    assert not select(r, "main form[method=post]")
    assert any("Read-only" in t for t in texts(r, ".readonly-note"))
    r = client.post(url, {"training_round": rnd.pk, "version": 1})
    assert r.status_code == 403
    assert not DryRunJob.objects.exists() and sent == []
    # The playbook page offers them no "Dry run" button either.
    r = client.get(reverse("playbooks:detail", args=[process.pk]))
    assert r.status_code == 200 and not select(r, f"a[href='{url}']")


def test_the_page_still_offers_an_operator_the_form(client, world, setup, sent):
    process, rnd, _version = setup
    client.force_login(world.operator_a)
    url = reverse("playbooks:dry-run", args=[process.pk])
    assert select(client.get(url), "main form[method=post]")
    r = client.post(url, {"training_round": rnd.pk, "version": 1})
    assert r.status_code == 302
    assert DryRunJob.objects.get().requested_by == world.operator_a
