"""Every API operation, fuzzed from its OpenAPI schema (schemathesis) as the demo's consultant,
operator and sponsor, on the demo data with the ids of real objects in the paths: no answer is
a 5xx, and every answer is documented (status code, content type, body, headers). Then
hostile bodies schemathesis does not generate: 20 KB of nested JSON to every JSON operation,
and a huge confidence to intake.

Bounded and repeatable: a fixed number of examples per operation and person, derandomized, no
shrinking and no example database, so a CI run takes the same requests every time. A failure
prints the request that reproduces it as a curl command (README, "How the two test runs work").
"""

import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from maestro.mapping.models import Process
from tests.api.conftest import CHECKS, ROLES, api_schema, path_parameter_sets

pytestmark = pytest.mark.api_fuzz

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 10))  # per operation and person
# The token endpoint is fuzzed without credentials (the only operation that needs none).
ANONYMOUS = {("POST", "/api/auth/token/")}
OPERATIONS = [result.ok() for result in api_schema().get_all_operations()]


def _cases(operation):
    """Cases whose path parameters mostly name real demo objects (3 in 4), the rest generated,
    each from valid or invalid data."""
    generated = [operation.as_strategy(mode) for mode in GenerationMode]
    real = path_parameter_sets(operation.path)
    if real in ([{}], []):  # no parameters, or no such objects in the demo
        return st.one_of(generated)
    with_real_ids = [
        st.sampled_from(real).flatmap(
            lambda ids, mode=mode: operation.as_strategy(mode, path_parameters=ids)
        )
        for mode in GenerationMode
    ]
    return st.one_of(*with_real_ids, *with_real_ids, *with_real_ids, *generated)


def _credentials(operation, role: str, demo) -> tuple[dict[str, str], str] | None:
    """Headers and who sends them: a person's API token; an agent key where the operation
    takes only that (intake, fuzzed once); nothing for the token endpoint (fuzzed once)."""
    security = {
        name for requirement in operation.definition.raw.get("security", []) for name in requirement
    }
    if (operation.method.upper(), operation.path) in ANONYMOUS:
        return ({}, "without credentials") if role == "consultant" else None
    if security == {"agentApiKey"}:
        if role != "consultant":
            return None
        return {"Authorization": f"Bearer {demo.agent_key}"}, "with a demo agent key (Bearer mk_…)"
    token = {"Authorization": f"Token {demo.tokens[role]}"}
    return token, f"as the demo's {role} {ROLES[role]!r} (Token from POST /api/auth/token/)"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: f"{op.method.upper()} {op.path}")
def test_operation_conforms(demo, db, operation, role):
    credentials = _credentials(operation, role, demo)
    if credentials is None:
        pytest.skip("Fuzzed once, with the only credentials it takes.")
    headers, who = credentials
    # An operation fuzzed with one set of credentials gets the examples of all three people.
    once = (operation.method.upper(), operation.path) in ANONYMOUS or "agent key" in who
    examples = EXAMPLES * len(ROLES) if once else EXAMPLES

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=_cases(operation))
    def run(case):
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except FailureGroup as failures:
            # The report names the checks, the answer and a curl command that reproduces the
            # request; add who sent it (schemathesis's pytest plugin drops exception notes).
            raise AssertionError(f"{failures}\n\nSent {who}.") from None

    run()


# Hostile bodies schemathesis does not generate: each is sent once to every operation that
# reads JSON, with real ids in the path; the answer must be a documented 4xx.
HOSTILE_BODIES = {
    "nested": "[" * 10_000 + "]" * 10_000,  # 20 KB of nesting
}
JSON_OPERATIONS = [
    operation
    for operation in OPERATIONS
    if "application/json" in operation.definition.raw.get("requestBody", {}).get("content", {})
]


@pytest.mark.parametrize("body", HOSTILE_BODIES)
@pytest.mark.parametrize(
    "operation", JSON_OPERATIONS, ids=lambda op: f"{op.method.upper()} {op.path}"
)
def test_hostile_json_is_a_documented_4xx(demo, db, operation, body):
    headers, who = _credentials(operation, "consultant", demo)
    path = operation.path.format(**(path_parameter_sets(operation.path) or [{}])[0])
    request = f"{operation.method.upper()} {path} with the {body!r} body, sent {who}"
    answer = APIClient(raise_request_exception=False).generic(
        operation.method.upper(),
        path,
        HOSTILE_BODIES[body],
        content_type="application/json",
        headers=headers,
    )
    documented = operation.definition.raw["responses"]
    assert 400 <= answer.status_code < 500, f"{request}: {answer.status_code}"
    assert str(answer.status_code) in documented, f"{request}: undocumented {answer.status_code}"


@pytest.mark.parametrize("confidence", ["1e24", "1e308", "-1e308"])
def test_intake_huge_confidence_is_a_documented_4xx(demo, db, confidence):
    """A decision valid but for a confidence the rounding cannot hold (found by fuzzing)."""
    operation = api_schema()["/api/decisions/"]["POST"]
    process = Process.objects.filter(engagement=demo.agent_engagement).first()
    body = (
        f'{{"process": {process.pk}, "case_ref": "FUZZ-1", "proposed_outcome": "approve", '
        f'"confidence": {confidence}}}'
    )
    answer = APIClient(raise_request_exception=False).post(
        "/api/decisions/",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {demo.agent_key}"},
    )
    request = f"POST /api/decisions/ {body} with a demo agent key"
    assert 400 <= answer.status_code < 500, f"{request}: {answer.status_code}"
    assert str(answer.status_code) in operation.definition.raw["responses"], request
