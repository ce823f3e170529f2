"""Access ends with the membership (issue #11, item 4).

`world.consultant` leads engagement A. Deleting their consultant membership at client A (the
way a consultant is taken off a client) must end every read and write on A, by page and API,
although the engagement still names them as its lead; a membership changed to another role
gives that role's reach only; a deactivated user reaches nothing.
"""

from datetime import timedelta

import pytest
from django.test import Client as PageClient
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from maestro.decisions.models import AgentApiKey
from maestro.decisions.services import agent_api_key_create
from maestro.engagements.scoping import (
    can_manage_engagement,
    can_work_engagement,
    clients_consulted_by,
    engagements_for,
    is_consultant,
    is_consultant_at,
)
from maestro.exceptions import NotPermitted
from maestro.mapping.models import Process
from maestro.mapping.services import process_update
from maestro.playbooks.selectors import playbook_chain_candidates
from maestro.reviews.models import EdgeCase, ReviewTask
from maestro.reviews.selectors import review_task_assignee_choices
from maestro.reviews.services import review_tasks_escalate_overdue
from maestro.tenancy.models import Membership
from maestro.webhooks.services import webhook_endpoint_secret_reveal
from runbooks import services as runbook_services
from tests.conftest import client_for
from tests.decisions.factories import DecisionFactory
from tests.mapping.factories import ProcessFactory
from tests.playbooks.factories import PlaybookVersionFactory
from tests.reviews.conftest import open_task
from tests.tenancy.factories import UserFactory
from tests.training.factories import DatasetFactory
from tests.webhooks.conftest import make_endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(world):
    """One of each kind of engagement A's data that the consultant reads or manages."""

    class Objects:
        pass

    o = Objects()
    o.engagement = world.engagement_a
    o.process = ProcessFactory(engagement=world.engagement_a, name="Invoice approval")
    o.dataset = DatasetFactory(process=o.process, name="Invoices 2025")
    o.decision = DecisionFactory(process=o.process, case_ref="INV-1")
    o.task = open_task(o.decision)
    EdgeCase.objects.create(engagement=world.engagement_a, decision=o.decision, note="Odd VAT")
    o.endpoint = make_endpoint(world.engagement_a, "https://hooks.acme.example/h", secret="whsec_a")
    o.runbook = runbook_services.runbook_create(
        engagement=world.engagement_a,
        title="Monitoring",
        slug="monitoring",
        body="- [ ] Check the queue\n",
        by=world.consultant,
    )
    return o


def _remove(user, client) -> None:
    deleted, _ = Membership.objects.filter(user=user, client=client).delete()
    assert deleted == 1


def _detail_paths(o) -> list[str]:
    return [
        f"/api/engagements/{o.engagement.pk}/",
        f"/api/engagements/{o.engagement.pk}/transitions/",
        f"/api/processes/{o.process.pk}/",
        f"/api/datasets/{o.dataset.pk}/",
        f"/api/runbooks/{o.runbook.pk}/",
        f"/api/review-tasks/{o.task.pk}/",
        f"/api/engagements/{o.engagement.pk}/review-tasks/",
        f"/api/engagements/{o.engagement.pk}/deployment-metrics/",
        f"/api/engagements/{o.engagement.pk}/api-keys/",
        f"/api/engagements/{o.engagement.pk}/webhook-endpoints/",
        f"/api/webhook-endpoints/{o.endpoint.pk}/",
        f"/api/webhook-endpoints/{o.endpoint.pk}/secret/",
    ]


def _list_paths(o) -> list[str]:
    return [
        "/api/engagements/",
        "/api/processes/",
        "/api/datasets/",
        "/api/runbooks/",
        "/api/edge-cases/",
    ]


def _pages(o) -> list[str]:
    return [
        f"/engagements/{o.engagement.pk}/",
        f"/engagements/{o.engagement.pk}/processes/",
        f"/processes/{o.process.pk}/",
        f"/processes/{o.process.pk}/edit/",
        f"/engagements/{o.engagement.pk}/training/",
        f"/datasets/{o.dataset.pk}/",
        f"/engagements/{o.engagement.pk}/decisions/",
        f"/decisions/{o.decision.pk}/",
        f"/engagements/{o.engagement.pk}/review-tasks/",
        f"/engagements/{o.engagement.pk}/edge-cases/",
        f"/review-tasks/{o.task.pk}/",
        f"/engagements/{o.engagement.pk}/runbooks/",
        f"/engagements/{o.engagement.pk}/runbooks/monitoring/",
        f"/engagements/{o.engagement.pk}/webhooks/",
        f"/webhooks/{o.endpoint.pk}/",
        f"/engagements/{o.engagement.pk}/api-keys/",
    ]


def _page_client(user) -> PageClient:
    client = PageClient()
    client.force_login(user)
    return client


# --- a removed consultant ----------------------------------------------------------------------


def test_removed_consultant_reads_nothing_of_the_client_by_api(world, objects):
    api = client_for(world.consultant)
    for path in _detail_paths(objects):
        assert api.get(path).status_code == 200, path
    for path in _list_paths(objects):
        assert api.get(path).json()["count"] >= 1, path

    _remove(world.consultant, world.client_a)

    for path in _detail_paths(objects):
        assert api.get(path).status_code == 404, path
    for path in _list_paths(objects):
        assert api.get(path).json()["count"] == 0, path


def test_removed_consultant_reads_nothing_of_the_client_by_page(world, objects):
    page = _page_client(world.consultant)
    for path in _pages(objects):
        assert page.get(path).status_code == 200, path

    _remove(world.consultant, world.client_a)

    for path in _pages(objects):
        assert page.get(path).status_code == 404, path
    listing = page.get("/")
    assert listing.status_code == 200
    assert "A agents" not in listing.content.decode()


def test_removed_consultant_cannot_edit_a_process_by_api_or_page(world, objects):
    _remove(world.consultant, world.client_a)

    by_api = client_for(world.consultant).patch(
        f"/api/processes/{objects.process.pk}/", {"name": "Renamed by API"}, format="json"
    )
    by_page = _page_client(world.consultant).post(
        f"/processes/{objects.process.pk}/edit/", {"name": "Renamed by page"}
    )

    assert (by_api.status_code, by_page.status_code) == (404, 404)
    assert Process.objects.get(pk=objects.process.pk).name == "Invoice approval"


def test_removed_consultant_cannot_create_agent_api_keys(world, objects):
    _remove(world.consultant, world.client_a)

    by_api = client_for(world.consultant).post(
        f"/api/engagements/{world.engagement_a.pk}/api-keys/", {"name": "sneaky"}, format="json"
    )
    by_page = _page_client(world.consultant).post(
        f"/engagements/{world.engagement_a.pk}/api-keys/", {"name": "sneaky"}
    )

    assert (by_api.status_code, by_page.status_code) == (404, 404)
    assert not AgentApiKey.objects.exists()


def test_removed_consultant_cannot_read_a_webhook_secret(world, objects):
    _remove(world.consultant, world.client_a)

    by_api = client_for(world.consultant).get(
        f"/api/webhook-endpoints/{objects.endpoint.pk}/secret/"
    )
    by_page = _page_client(world.consultant).get(f"/webhooks/{objects.endpoint.pk}/")

    assert (by_api.status_code, by_page.status_code) == (404, 404)
    assert "whsec_a" not in by_page.content.decode()


def test_services_refuse_a_lead_whose_membership_is_gone(world, objects):
    """The engagement in hand (as a task or a stale form would hold it) is no way around."""
    _remove(world.consultant, world.client_a)
    engagement = objects.engagement

    assert not can_manage_engagement(world.consultant, engagement)
    with pytest.raises(NotPermitted):
        agent_api_key_create(engagement=engagement, name="sneaky", by=world.consultant)
    with pytest.raises(NotPermitted):
        webhook_endpoint_secret_reveal(endpoint=objects.endpoint, by=world.consultant)
    with pytest.raises(NotPermitted):
        process_update(process=objects.process, by=world.consultant, name="Renamed")
    assert not AgentApiKey.objects.exists()
    assert Process.objects.get(pk=objects.process.pk).name == "Invoice approval"


def test_a_removed_member_loses_the_engagement_like_a_removed_lead(world, objects):
    member = Membership.objects.create(
        user=world.consultant_b, client=world.client_a, role=Membership.Role.CONSULTANT
    ).user
    world.engagement_a.members.add(member)
    assert can_manage_engagement(member, objects.engagement)

    _remove(member, world.client_a)

    assert set(engagements_for(member)) == {world.engagement_b}  # still consults at B
    assert not can_manage_engagement(member, objects.engagement)
    assert client_for(member).get(f"/api/engagements/{world.engagement_a.pk}/").status_code == 404


def test_a_consultant_turned_sponsor_reads_but_no_longer_manages(world, objects):
    Membership.objects.filter(user=world.consultant, client=world.client_a).update(
        role=Membership.Role.SPONSOR
    )
    api = client_for(world.consultant)

    assert api.get(f"/api/engagements/{world.engagement_a.pk}/").status_code == 200
    secret = api.get(f"/api/webhook-endpoints/{objects.endpoint.pk}/secret/")
    key = api.post(
        f"/api/engagements/{world.engagement_a.pk}/api-keys/", {"name": "k"}, format="json"
    )
    edit = api.patch(f"/api/processes/{objects.process.pk}/", {"name": "X"}, format="json")

    assert (secret.status_code, key.status_code, edit.status_code) == (403, 403, 403)
    assert not AgentApiKey.objects.exists()
    assert Process.objects.get(pk=objects.process.pk).name == "Invoice approval"
    assert not can_work_engagement(world.consultant, objects.engagement)
    assert not can_work_engagement(world.consultant, objects.engagement)


def test_a_removed_consultant_is_no_longer_offered_for_work(world, objects):
    assert world.consultant in review_task_assignee_choices(engagement=objects.engagement)
    assert world.consultant in playbook_chain_candidates(engagement=objects.engagement)

    _remove(world.consultant, world.client_a)

    assert world.consultant not in review_task_assignee_choices(engagement=objects.engagement)
    assert world.consultant not in playbook_chain_candidates(engagement=objects.engagement)


def test_escalation_skips_a_member_whose_membership_is_gone(
    world, objects, django_capture_on_commit_callbacks
):
    member = Membership.objects.create(
        user=world.consultant_b, client=world.client_a, role=Membership.Role.CONSULTANT
    ).user
    world.engagement_a.members.add(member)
    _remove(member, world.client_a)
    spare = Membership.objects.create(
        user=UserFactory(), client=world.client_a, role=Membership.Role.OPERATOR
    ).user
    version = PlaybookVersionFactory(
        playbook__process=objects.process, escalation_chain=[member.pk]
    )
    objects.decision.playbook_version = version
    objects.decision.save(update_fields=["playbook_version"])
    late = objects.task.due_at + timedelta(minutes=1)

    with django_capture_on_commit_callbacks(execute=True):
        assert review_tasks_escalate_overdue(now=late) == 1

    assert ReviewTask.objects.get(pk=objects.task.pk).assignee == spare  # not the removed member


def test_staff_still_manage_without_a_membership(world, objects):
    assert can_manage_engagement(world.staff, objects.engagement)
    assert client_for(world.staff).get(
        f"/api/webhook-endpoints/{objects.endpoint.pk}/secret/"
    ).json() == {"secret": "whsec_a"}


# --- a deactivated user ------------------------------------------------------------------------


def _deactivate(user) -> None:
    user.is_active = False
    user.save(update_fields=["is_active"])


def test_deactivated_user_loses_the_session(world, objects):
    page = _page_client(world.consultant)
    assert page.get(f"/engagements/{world.engagement_a.pk}/").status_code == 200

    _deactivate(world.consultant)

    for path in _pages(objects):
        answer = page.get(path)
        assert answer.status_code == 302, path
        assert answer["Location"].startswith("/login/"), path


def test_deactivated_user_loses_the_token_and_gets_no_new_one(world, objects):
    world.consultant.set_password("pw-consultant")
    world.consultant.save()
    token = Token.objects.create(user=world.consultant)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/engagements/").json()["count"] == 1

    _deactivate(world.consultant)

    for path in ["/api/engagements/", *_detail_paths(objects)]:
        assert api.get(path).status_code == 401, path
    fresh = APIClient().post(
        "/api/auth/token/", {"username": world.consultant.username, "password": "pw-consultant"}
    )
    assert fresh.status_code == 400


@pytest.mark.parametrize("who", ["consultant", "operator_a", "staff"])
def test_deactivated_user_is_granted_nothing_by_scoping(world, objects, who):
    """Whatever authenticated them (a session made before, a future login path), scoping
    itself gives a deactivated user nothing: no engagement, no role, no write."""
    user = getattr(world, who)
    _deactivate(user)
    engagement = objects.engagement

    assert not engagements_for(user).exists()
    assert not clients_consulted_by(user).exists()
    assert not is_consultant(user)
    assert not is_consultant_at(user, world.client_a)
    assert not can_manage_engagement(user, engagement)
    assert not can_work_engagement(user, engagement)  # review tasks
    assert not can_work_engagement(user, engagement)
    with pytest.raises(NotPermitted):
        agent_api_key_create(engagement=engagement, name="k", by=user)
    with pytest.raises(NotPermitted):
        webhook_endpoint_secret_reveal(endpoint=objects.endpoint, by=user)
    assert not AgentApiKey.objects.exists()
    assert client_for(user).get(f"/api/engagements/{engagement.pk}/").status_code == 404
