"""A body nested 10,000 deep is a 400 `json_too_deep`, never a 500, and stores nothing."""

import pytest

from maestro.reviews.models import EdgeCase
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_edge_case_post_refuses_deep_json(world, task_a):
    deep = "[" * 10_000 + "]" * 10_000
    body = f'{{"decision": {task_a.decision_id}, "note": {deep}}}'
    r = client_for(world.operator_a).post("/api/edge-cases/", body, content_type="application/json")
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "json_too_deep"
    assert not EdgeCase.objects.exists()
