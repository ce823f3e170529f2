from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from maestro.decisions.services import agent_api_key_create
from tests.mapping.factories import DecisionTypeFactory, ProcessFactory
from tests.playbooks.factories import EscalationPlaybookFactory, PlaybookVersionFactory

RULES = [
    {"kind": "confidence_below"},
    {"kind": "category_in", "categories": ["compliance"]},
    {"kind": "amount_above", "amount": "50000", "currency": "USD"},
    {"kind": "new_counterparty"},
    {"kind": "decision_type_always_human"},
]


def agent_client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def process_a(world):
    return ProcessFactory(engagement=world.engagement_a, name="Procurement approval")


@pytest.fixture
def playbook_a(process_a, world):
    """Version 1 of process_a's playbook: every rule kind, threshold 0.80, SLA 60 minutes."""
    return PlaybookVersionFactory(
        playbook=EscalationPlaybookFactory(process=process_a),
        number=1,
        default_threshold=Decimal("0.80"),
        rules=RULES,
        sla_minutes=60,
        created_by=world.consultant,
    )


@pytest.fixture
def key_a(world):
    return agent_api_key_create(engagement=world.engagement_a, name="Agent A", by=world.consultant)


@pytest.fixture
def agent_a(key_a):
    return agent_client(key_a[1])


@pytest.fixture
def contract_type(world):
    return DecisionTypeFactory(
        engagement=world.engagement_a, name="contract", autonomy="always_human"
    )


def decision(process, /, **overrides) -> dict:
    data = {
        "process": process.pk,
        "case_ref": "PO-1",
        "category": "office supplies",
        "proposed_outcome": "approve",
        "confidence": 0.93,
        "amount": "1200.00",
        "currency": "USD",
        "counterparty": "",
        "payload": {"lines": 3},
    }
    return data | overrides
