"""A body nested 10,000 deep is a 400 `json_too_deep`, never a 500, and changes nothing."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import client_for

DEEP = "[" * 10_000 + "]" * 10_000


def _assert_too_deep(r):
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "json_too_deep"
    assert "64 levels" in r.json()["detail"]


def test_token_endpoint_refuses_deep_json_before_anything_else(world):
    world.consultant.set_password("s3cret-pass")
    world.consultant.save()
    body = '{"username": ' + DEEP + ', "password": "s3cret-pass"}'
    r = APIClient().post("/api/auth/token/", body, content_type="application/json")
    _assert_too_deep(r)
    assert not Token.objects.exists()


def test_engagement_patch_refuses_deep_json(world):
    body = '{"name": "renamed", "description": ' + DEEP + "}"
    r = client_for(world.consultant).patch(
        f"/api/engagements/{world.engagement_a.pk}/", body, content_type="application/json"
    )
    _assert_too_deep(r)
    world.engagement_a.refresh_from_db()
    assert world.engagement_a.name == "A agents"


def test_nesting_up_to_the_limit_is_parsed(world, settings):
    settings.JSON_MAX_DEPTH = 3
    api = client_for(world.consultant)
    url = f"/api/engagements/{world.engagement_a.pk}/"
    r = api.patch(url, '{"description": [[1]]}', content_type="application/json")
    assert r.status_code == 400 and "description" in r.json()  # parsed, then a field error
    r = api.patch(url, '{"description": [[[1]]]}', content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "json_too_deep"
    assert "3 levels" in r.json()["detail"]
