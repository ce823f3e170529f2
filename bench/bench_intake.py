"""Decision intake (the agent's hot path): one decision through the real stack — agent API key
authentication, validation, the process and its routing stamp, the playbook (compiled once, then
reused by the worker while the stamp holds, as for a live agent), routing, idempotency,
counterparties, insert — vs a bare DRF CreateAPIView + ModelSerializer on the same model and
database. Then batch intake (1,000 decisions a request) vs a raw bulk_create of the same rows.
Goals: a single decision in at most 1.1× the bare endpoint's time, a batch in at most 1.25× the
raw bulk_create's. Not part of the test suite."""

import itertools
import json

from django.urls import include, path
from rest_framework import generics, permissions, serializers

from bench.common import Result, interleaved, unique

BATCH = 1000
RULES = [
    {"kind": "confidence_below"},
    {"kind": "category_in", "categories": ["compliance", "legal", "security"]},
    {"kind": "amount_above", "amount": "50000", "currency": "USD"},
    {"kind": "amount_above", "amount": "45000", "currency": "EUR"},
    {"kind": "new_counterparty"},
    {"kind": "decision_type_always_human"},
]


class BareDecisionSerializer(serializers.ModelSerializer):
    class Meta:
        from maestro.decisions.models import Decision

        model = Decision
        fields = [
            "id",
            "process",
            "case_ref",
            "decision_type",
            "category",
            "proposed_outcome",
            "confidence",
            "amount",
            "currency",
            "counterparty",
            "payload",
            "route",
        ]
        read_only_fields = ["route"]


class BareDecisionCreateApi(generics.CreateAPIView):
    """What a plain DRF endpoint costs: no auth, no routing, no idempotency answer."""

    serializer_class = BareDecisionSerializer
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    def perform_create(self, serializer):
        process = serializer.validated_data["process"]
        serializer.save(engagement_id=process.engagement_id, route="auto")


urlpatterns = [
    path("bench/bare-decisions/", BareDecisionCreateApi.as_view()),
    path("", include("maestro.urls")),
]


def run() -> list[Result]:
    from decimal import Decimal

    from django.test import Client as HttpClient
    from django.test.utils import override_settings

    from maestro.decisions.models import Decision
    from maestro.decisions.services import agent_api_key_create
    from maestro.engagements.models import Engagement
    from maestro.mapping.models import DecisionType, Process
    from maestro.playbooks.models import EscalationPlaybook, KnownCounterparty, PlaybookVersion
    from maestro.tenancy.models import Client, Membership, User

    consultant = User.objects.create_user(unique("bench-intake-consultant"))
    client = Client.objects.create(name=unique("Bench intake"), slug=unique("bench-intake"))
    Membership.objects.create(user=consultant, client=client, role=Membership.Role.CONSULTANT)
    operator = User.objects.create_user(unique("bench-intake-operator"))
    Membership.objects.create(user=operator, client=client, role=Membership.Role.OPERATOR)
    engagement = Engagement.objects.create(client=client, name="Bench intake", lead=consultant)
    ours_process = Process.objects.create(engagement=engagement, name="Bench procurement")
    bare_process = Process.objects.create(engagement=engagement, name="Bench bare")
    for i in range(20):
        DecisionType.objects.create(
            engagement=engagement, name=f"type {i}", autonomy="review_below_threshold"
        )
    playbook = EscalationPlaybook.objects.create(process=ours_process)
    PlaybookVersion.objects.create(playbook=playbook, number=1, rules=RULES, created_by=consultant)
    KnownCounterparty.objects.create(process=ours_process, name="Known Supplier")
    _key, secret = agent_api_key_create(engagement=engagement, name="bench", by=consultant)

    http = HttpClient()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    counter = itertools.count()

    def body(process_id: int) -> dict:
        n = next(counter)
        return {
            "process": process_id,
            "case_ref": f"C-{n}",
            "decision_type": "type 3",
            "category": "office supplies",
            "proposed_outcome": "approve",
            "confidence": 0.93,
            "amount": "1200.00",
            "currency": "USD",
            "counterparty": "Known Supplier",
            "payload": {"lines": [{"sku": "A-1", "qty": 3}], "note": "bench"},
        }

    def ours():
        r = http.post(
            "/api/decisions/", json.dumps(body(ours_process.pk)), "application/json", **auth
        )
        assert r.status_code == 201, r.content
        assert r.json()["route"] == "auto"

    def bare():
        data = body(bare_process.pk)
        data["decision_type"] = None
        r = http.post("/bench/bare-decisions/", json.dumps(data), "application/json")
        assert r.status_code == 201, r.content

    results = []
    with override_settings(ROOT_URLCONF="bench.bench_intake"):
        ours_ms, bare_ms = interleaved(ours, bare, rounds=20, repeat=20)
        results.append(Result("decision intake", "1 decision", ours_ms, bare_ms, 1.1))
        print(
            f"  single decision: ours {1000 / ours_ms:,.0f} req/s, bare DRF {1000 / bare_ms:,.0f} "
            f"req/s, throughput ratio {bare_ms / ours_ms:.2f}x (goal ≥ 0.91x)"
        )

        def ours_batch():
            items = [body(ours_process.pk) for _ in range(BATCH)]
            r = http.post(
                "/api/decisions/", json.dumps({"decisions": items}), "application/json", **auth
            )
            assert r.status_code == 200 and r.json()["accepted"] == BATCH, r.content[:300]

        def raw_batch():
            rows = [body(bare_process.pk) for _ in range(BATCH)]
            Decision.objects.bulk_create(
                Decision(
                    engagement=engagement,
                    process_id=bare_process.pk,
                    case_ref=row["case_ref"],
                    category=row["category"],
                    proposed_outcome=row["proposed_outcome"],
                    confidence=Decimal("0.93"),
                    amount=Decimal(row["amount"]),
                    currency=row["currency"],
                    counterparty=row["counterparty"],
                    payload=row["payload"],
                    route="auto",
                )
                for row in rows
            )

        ours_ms, raw_ms = interleaved(ours_batch, raw_batch, rounds=6, repeat=3)
        results.append(Result("decision intake", f"batch of {BATCH}", ours_ms, raw_ms, 1.25))
        print(
            f"  batch of {BATCH}: ours {BATCH * 1000 / ours_ms:,.0f} decisions/s, raw bulk_create "
            f"{BATCH * 1000 / raw_ms:,.0f} rows/s"
        )
    return results
