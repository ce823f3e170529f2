"""Hostile rule values are field errors, never a database error (PostgreSQL refuses U+0000)."""

import pytest

from maestro.playbooks.models import PlaybookVersion
from tests.conftest import client_for
from tests.mapping.factories import ProcessFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "rule",
    [
        {"kind": "category_in", "categories": ["compli\x00ance"]},
        {"kind": "amount_above", "amount": "50000", "currency": "US\x00"},
        {"kind": "confidence_below", "threshold": "0.8", "note\x00": 1},
    ],
)
def test_a_nul_character_in_a_rule_is_400_on_rules(world, rule):
    process = ProcessFactory(engagement=world.engagement_a)
    r = client_for(world.consultant).post(
        f"/api/processes/{process.pk}/playbook/versions/",
        {"default_threshold": "0.80", "rules": [rule], "sla_minutes": 60},
        format="json",
    )
    assert r.status_code == 400, r.content
    assert "rules" in r.json()
    assert not PlaybookVersion.objects.exists()
