"""Playbook thresholds and amount limits take plain numbers only: not `true`, full-width digits
or amounts beyond what every database stores exactly."""

import pytest
from django.core.exceptions import ValidationError

from maestro.playbooks.models import PlaybookVersion
from maestro.playbooks.routing import validate_rules
from tests.conftest import client_for
from tests.mapping.factories import ProcessFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ({"kind": "confidence_below", "threshold": True}, "'threshold' must be a number from 0"),
        ({"kind": "confidence_below", "threshold": "０.５"}, "'threshold' must be a number from 0"),
        ({"kind": "confidence_below", "threshold": 1e308}, "'threshold' must be a number from 0"),
        ({"kind": "amount_above", "amount": "１０００", "currency": "USD"}, "'amount' must be"),
        ({"kind": "amount_above", "amount": "1_000", "currency": "USD"}, "'amount' must be"),
        (
            {"kind": "amount_above", "amount": "10000000000000", "currency": "USD"},
            "'amount' must be a number from 0 to 9,999,999,999,999.99",
        ),
    ],
)
def test_a_rule_number_must_be_plain_and_in_range(rule, fragment):
    with pytest.raises(ValidationError) as exc:
        validate_rules([rule])
    assert any(fragment in message for message in exc.value.messages), exc.value.messages


def test_the_largest_amount_is_a_valid_limit():
    rule = {"kind": "amount_above", "amount": "9999999999999.99", "currency": "USD"}
    assert validate_rules([rule]) == [rule]


@pytest.mark.parametrize("threshold", ["０.８", True, "1e308", "NaN"])
def test_a_default_threshold_that_is_not_a_plain_number_is_400(world, threshold):
    process = ProcessFactory(engagement=world.engagement_a)
    r = client_for(world.consultant).post(
        f"/api/processes/{process.pk}/playbook/versions/",
        {"default_threshold": threshold, "rules": [], "sla_minutes": 60},
        format="json",
    )
    assert r.status_code == 400, r.content
    assert "default_threshold" in r.json()
    assert not PlaybookVersion.objects.exists()
