import re

import pytest
from django.test import Client as HttpClient

from maestro.decisions.models import AgentApiKey
from tests.decisions.conftest import decision
from tests.harness.isolation import assert_hidden


def browser(user) -> HttpClient:
    client = HttpClient()
    client.force_login(user)
    return client


@pytest.fixture
def posted(agent_a, process_a, playbook_a):
    auto = agent_a.post("/api/decisions/", decision(process_a, case_ref="V-1"), format="json")
    human = agent_a.post(
        "/api/decisions/",
        decision(process_a, case_ref="V-2", confidence=0.2, payload={"note": "<b>x</b>"}),
        format="json",
    )
    return auto.json(), human.json()


def test_decision_list_filters_by_route(posted, world):
    page = browser(world.operator_a).get(
        f"/engagements/{world.engagement_a.pk}/decisions/?route=human"
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert "V-2" in body and "V-1" not in body


def test_decision_list_is_404_for_another_tenant(posted, world):
    url = f"/engagements/{world.engagement_a.pk}/decisions/"
    assert_hidden(browser(world.operator_b), [("get", url)])


def test_decision_detail_shows_reasons_version_task_and_escapes_payload(posted, world):
    _auto, human = posted
    page = browser(world.sponsor_a).get(f"/decisions/{human['id']}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "confidence_below" in body
    assert "playbook version 1" in body
    assert f"/review-tasks/{human['review_task']}/" in body
    assert "<b>x</b>" not in body and "&lt;b&gt;x&lt;/b&gt;" in body
    assert browser(world.operator_b).get(f"/decisions/{human['id']}/").status_code == 404


def test_engagement_page_shows_the_deployment_panel(posted, world):
    page = browser(world.consultant).get(f"/engagements/{world.engagement_a.pk}/")
    body = page.content.decode()
    assert "Deployment" in body
    assert re.search(r'id="deployment-volume">2<', body)
    assert 'id="deployment-escalation">50.0%<' in body


def test_process_page_shows_economics(world, process_a):
    process_a.volume_per_day, process_a.minutes_per_case = 200, 12
    process_a.save()
    body = browser(world.consultant).get(f"/processes/{process_a.pk}/").content.decode()
    assert 'id="economics-hours">40.0<' in body
    assert "Not measured yet" in body


def test_consultant_creates_a_key_on_the_page_and_sees_it_once(world):
    url = f"/engagements/{world.engagement_a.pk}/api-keys/"
    page = browser(world.consultant).post(url, {"name": "Router"})
    assert page.status_code == 201
    key = AgentApiKey.objects.get()
    body = page.content.decode()
    secret = re.search(r'value="(mk_[^"]+)"', body).group(1)
    assert secret.startswith(key.prefix)
    again = browser(world.consultant).get(url).content.decode()
    assert secret not in again and key.prefix in again


def test_key_page_requires_a_name(world):
    page = browser(world.consultant).post(f"/engagements/{world.engagement_a.pk}/api-keys/", {})
    assert page.status_code == 400
    assert "This field is required" in page.content.decode()


def test_operator_cannot_open_the_key_page_or_revoke(world, key_a):
    page = browser(world.operator_a).get(f"/engagements/{world.engagement_a.pk}/api-keys/")
    assert page.status_code == 403
    revoke = browser(world.operator_a).post(f"/api-keys/{key_a[0].pk}/revoke/")
    assert revoke.status_code == 403
    assert AgentApiKey.objects.get().revoked_at is None


def test_consultant_revokes_on_the_page(world, key_a):
    page = browser(world.consultant).post(f"/api-keys/{key_a[0].pk}/revoke/")
    assert page.status_code == 302
    assert AgentApiKey.objects.get().revoked_at is not None
