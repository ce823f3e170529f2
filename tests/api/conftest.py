"""The demo data for the module that fuzzes the API, and the ids of its objects for the
operations' path parameters.

Seeded once per module inside a transaction that is rolled back when the module ends, so no
other test sees it. Each test then runs in its own savepoint (the `db` fixture): what one
operation writes is gone before the next one runs. Nothing is committed, so no task is enqueued.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction
from django.db.models import F, QuerySet
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from handoff.models import CheckIn, Competency, HandoffDocument, ShadowCase, SkillTransferPlan
from maestro.decisions.models import AgentApiKey, Decision
from maestro.decisions.services import agent_api_key_create
from maestro.demo.people import DEMO_PASSWORD
from maestro.demo.seed import demo_seed
from maestro.engagements.models import Engagement
from maestro.mapping.models import DecisionPoint, DecisionType, Process, Step
from maestro.monitoring.models import AlertEpisode, AlertRule, Silence
from maestro.people.models import Invitation
from maestro.people.services import invitation_create
from maestro.playbooks.models import DryRunJob, KnownCounterparty, PlaybookVersion
from maestro.playbooks.services import dry_run_job_create
from maestro.reviews.models import EdgeCase, ReviewTask
from maestro.tenancy.models import Client, Membership, User
from maestro.training.models import AgentOutput, EvaluationDataset, ImportJob, TrainingRound
from maestro.training.services import import_job_create
from maestro.webhooks import services as webhook_services
from maestro.webhooks.models import SUBSCRIBABLE_EVENTS, WebhookDelivery, WebhookEndpoint
from runbooks.models import Runbook, RunbookRun, RunbookVersion, RunStep

# What every answer is checked for: no 5xx, and documented (status code, content type, body
# and headers).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@cache
def api_schema() -> schemathesis.BaseSchema:
    """The OpenAPI schema /api/schema/ serves, whose requests go to Django in-process (WSGI)."""
    raw = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = WSGIHandler()
    return schema


# The demo's people, one per role (maestro/demo/people.py DEMO_PEOPLE).
ROLES = {"consultant": "maria", "operator": "olivia", "sponsor": "sam"}
# Real objects offered per path: the first ones of each kind, which span both demo clients
# (the other client's answer 404), few enough to keep the lists short.
PER_PATH = 12

# A path's only parameter names one kind of object...
SINGLE: dict[str, QuerySet] = {
    "engagement_id": Engagement.objects.all(),
    "client_id": Client.objects.all(),
    "key_id": AgentApiKey.objects.all(),
    "decision_id": Decision.objects.all(),
    "counterparty_id": KnownCounterparty.objects.all(),
    "process_id": Process.objects.all(),
    "step_id": Step.objects.all(),
    "decision_type_id": DecisionType.objects.all(),
    "decision_point_id": DecisionPoint.objects.all(),
    "dataset_id": EvaluationDataset.objects.all(),
    "round_id": TrainingRound.objects.all(),
    "job_id": ImportJob.objects.all(),
    "task_id": ReviewTask.objects.all(),
    "edge_case_id": EdgeCase.objects.all(),
    "endpoint_id": WebhookEndpoint.objects.all(),
    "delivery_id": WebhookDelivery.objects.all(),
    "runbook_id": Runbook.objects.all(),
    "run_id": RunbookRun.objects.all(),
    "membership_id": Membership.all_objects.all(),
    "invitation_id": Invitation.objects.all(),
    "rule_id": AlertRule.objects.all(),
    "episode_id": AlertEpisode.objects.all(),
    "silence_id": Silence.objects.all(),
    "plan_id": SkillTransferPlan.objects.all(),
    "shadow_case_id": ShadowCase.objects.all(),
    "check_in_id": CheckIn.objects.all(),
    "competency_id": Competency.objects.all(),
    "document_id": HandoffDocument.objects.all(),
}
# ...and nested parameters belong together (a run's own steps, a runbook's own versions).
NESTED: dict[str, tuple[QuerySet, tuple[str, ...]]] = {
    "/api/runbook-runs/{run_id}/steps/{step_id}/": (RunStep.objects.all(), ("run_id", "pk")),
    "/api/runbooks/{runbook_id}/versions/{number}/": (
        RunbookVersion.objects.all(),
        ("runbook_id", "number"),
    ),
    "/api/processes/{process_id}/playbook/versions/{number}/": (
        PlaybookVersion.objects.all(),
        ("playbook__process_id", "number"),
    ),
    "/api/processes/{process_id}/playbook/dry-runs/{job_id}/": (
        DryRunJob.objects.all(),
        ("version__playbook__process_id", "pk"),
    ),
    "/api/rounds/{round_id}/failures/{case_id}/review/": (
        AgentOutput.objects.all(),
        ("round_id", "case_id"),
    ),
    "/api/rounds/{round_id}/compare/{other_id}/": (
        TrainingRound.objects.annotate(other=F("dataset__rounds__pk")),
        ("pk", "other"),
    ),
}


def path_parameter_sets(path: str) -> list[dict[str, int]]:
    """Parameter sets that name real objects for a templated API path ([{}] for none)."""
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    if not names:
        return [{}]
    if path in NESTED:
        queryset, fields = NESTED[path]
    elif len(names) == 1 and names[0] in SINGLE:
        queryset, fields = SINGLE[names[0]], ("pk",)
    else:
        raise LookupError(f"No real objects for {path}: add it to tests/api/conftest.py.")
    rows = queryset.order_by("pk").values_list(*fields)[:PER_PATH]
    return [dict(zip(names, row, strict=True)) for row in rows]


@dataclass
class Demo:
    tokens: dict[str, str]  # role -> API token
    agent_key: str  # an agent API key's secret, for the intake operations
    agent_engagement: Engagement  # the key's


def _drift_alerts_seed(engagement: Engagement, *, by: User) -> None:
    from datetime import date, timedelta
    from decimal import Decimal

    from django.utils import timezone

    from maestro.monitoring.services.alert_rules import alert_rule_create, silence_create

    process = Process.objects.filter(engagement=engagement).first()
    rule = alert_rule_create(
        engagement=engagement,
        by=by,
        process=process,
        kind="accuracy_floor",
        threshold=Decimal("0.9"),
    )
    AlertEpisode.objects.create(
        engagement=engagement,
        rule=rule,
        state="firing",
        started_on=date(2026, 3, 2),
        last_evaluated_on=date(2026, 3, 3),
        value=Decimal("0.85"),
    )
    silence_create(
        engagement=engagement,
        by=by,
        process=process,
        ends_at=timezone.now() + timedelta(days=3),
        reason="Planned policy change",
    )


def _shadow_cases_seed(engagement: Engagement, *, by: User) -> None:
    # A skill-transfer plan for the engagement's operator and one shadow case on one of its
    # escalated decisions' tasks, so the shadow endpoints get real ids.
    from datetime import date

    operator = User.objects.get(username=ROLES["operator"])
    plan, _created = SkillTransferPlan.objects.get_or_create(
        engagement=engagement,
        operator=operator,
        defaults={"created_by": by, "starts_on": date(2026, 1, 5)},
    )
    task = ReviewTask.objects.filter(engagement=engagement, decision__isnull=False).first()
    if task is not None:
        ShadowCase.objects.get_or_create(task=task, defaults={"plan": plan})


def _check_ins_seed(engagement: Engagement, *, by: User) -> None:
    from datetime import date, timedelta

    from django.utils import timezone

    from handoff.models import Competency

    operator = (
        User.objects.filter(
            memberships__client=engagement.client, memberships__role=Membership.Role.OPERATOR
        )
        .order_by("pk")
        .first()
    )
    plan, _created = SkillTransferPlan.objects.get_or_create(
        engagement=engagement,
        operator=operator,
        defaults={"created_by": by, "starts_on": date(2026, 1, 5)},
    )
    Competency.objects.get_or_create(plan=plan, name="Monitoring")
    CheckIn.objects.create(
        plan=plan, scheduled_at=timezone.now() + timedelta(days=2), duration_minutes=45
    )


@contextmanager
def _connection_kept_open() -> Iterator[None]:
    """Requests sent to the WSGI handler in-process must not close the test's database
    connection when they finish (Django's test client disconnects the same handlers)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _handoff_document_seed(engagement: Engagement, *, by: User) -> None:
    import hashlib

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from handoff.models import handoff_document_path

    content = b"%PDF-1.7\n% the API fuzzing's stand-in\n%%EOF\n"
    document = HandoffDocument.objects.create(
        engagement=engagement, version=1, status="succeeded", requested_by=by, sections_total=11
    )
    HandoffDocument.objects.filter(pk=document.pk).update(
        file=default_storage.save(
            handoff_document_path(document, "fuzz.pdf"), ContentFile(content)
        ),
        sha256=hashlib.sha256(content).hexdigest(),
        size_bytes=len(content),
        page_count=1,
        sections_done=11,
    )


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[Demo]:
    with django_db_blocker.unblock(), transaction.atomic():
        demo_seed()
        maria = User.objects.get(username="maria")
        # The demo has no webhooks: an endpoint and a delivery (its ping), never sent.
        endpoint = webhook_services.webhook_endpoint_create(
            engagement=Engagement.objects.get(name="Procurement & support agents"),
            url="http://127.0.0.1:9/maestro",
            events=[str(SUBSCRIBABLE_EVENTS[0])],
            by=maria,
        )
        webhook_services.webhook_test_ping(endpoint=endpoint, by=maria)
        # Nor import or dry-run jobs: one of each, never run.
        training_round = TrainingRound.objects.filter(
            dataset__process__playbook__versions__isnull=False
        ).first()
        dry_run_job_create(
            process=training_round.dataset.process,
            training_round=training_round,
            version=None,
            by=maria,
        )
        import_job_create(
            dataset=training_round.dataset,
            upload=SimpleUploadedFile("cases.csv", b"input,expected_outcome\n"),
            fmt=None,
            by=maria,
        )
        # Nor invitations: one pending, never mailed (nothing is committed).
        invitation_create(
            client=endpoint.engagement.client, email="new@example.com", role="operator", by=maria
        )
        # Drift alerts, if the demo has none: a rule, its firing alert and a silence.
        if not AlertRule.objects.exists():
            _drift_alerts_seed(endpoint.engagement, by=maria)
        # A skill-transfer plan, if the demo has none: olivia's, with the four competencies.
        if not SkillTransferPlan.objects.exists():
            from handoff.services.plans import plan_create

            plan_create(
                engagement=endpoint.engagement,
                operator=User.objects.get(username=ROLES["operator"]),
                by=maria,
            )
        # Shadow reviews, if the demo has none.
        if not ShadowCase.objects.exists():
            _shadow_cases_seed(endpoint.engagement, by=maria)
        # Check-ins, if the demo has none: a plan for the client's operator and one check-in.
        if not CheckIn.objects.exists():
            _check_ins_seed(endpoint.engagement, by=maria)
        # A generated handoff PDF (its file in storage), if the demo has none.
        if not HandoffDocument.objects.exists():
            _handoff_document_seed(endpoint.engagement, by=maria)
        if connection.vendor == "postgresql":
            # Planner statistics for the fresh rows, as autovacuum gathers them in production:
            # without them PostgreSQL picks nested loops that take seconds on the demo's 500
            # evaluation cases (round comparison).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        # The intake operations take an agent key; the demo's secret is not kept, so a new one.
        _key, agent_key = agent_api_key_create(
            engagement=endpoint.engagement, name="API fuzzing", by=maria
        )
        tokens = {}
        for role, username in ROLES.items():
            answer = APIClient().post(
                "/api/auth/token/", {"username": username, "password": DEMO_PASSWORD}
            )
            assert answer.status_code == 200, answer.content
            tokens[role] = answer.json()["token"]
        # After the test client's requests, which connect the handlers again when they end.
        with _connection_kept_open():
            yield Demo(tokens=tokens, agent_key=agent_key, agent_engagement=endpoint.engagement)
        transaction.set_rollback(True)
