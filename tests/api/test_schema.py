"""Answers the schema (/api/schema/) did not describe: each is checked against it here, with
the same checks the fuzzing uses (tests/api/test_fuzz.py)."""

import pytest

from runbooks.models import RunbookRun
from tests.api.conftest import CHECKS, api_schema

pytestmark = pytest.mark.django_db


def _call(demo, method: str, path: str, *, role="consultant", path_parameters=None, query=None):
    case = api_schema()[path][method].Case(path_parameters=path_parameters or {}, query=query)
    auth = {"Authorization": f"Token {demo.tokens[role]}"}
    return case.call_and_validate(headers=auth, checks=CHECKS)


def test_run_with_unticked_steps_conforms(demo):
    run = RunbookRun.objects.filter(steps__done=False).first()
    answer = _call(demo, "GET", "/api/runbook-runs/{run_id}/", path_parameters={"run_id": run.pk})
    assert answer.status_code == 200
    assert any(step["done_by"] is None for step in answer.json()["steps"])


@pytest.mark.parametrize(
    ("path", "query", "status"),
    [
        ("/api/engagements/", {"page": 99}, 404),
        ("/api/engagements/", {"page": 0}, 400),
        ("/api/engagements/", {"page_size": "abc"}, 400),
        ("/api/engagements/", {"page_size": 0}, 400),
        ("/api/engagements/", {"page_size": 10000}, 200),
        ("/api/processes/", {"engagement": 0}, 400),
        ("/api/runbooks/", {"page": 2}, 404),
        ("/api/runbooks/", {"engagement": "-5e259"}, 400),
        ("/api/runbooks/", {"process": "1e30"}, 400),
        ("/api/runbooks/", {"process": "0.8"}, 400),
        ("/api/decisions/", {"cursor": "not-made-here"}, 400),
        ("/api/decisions/", {"overridden": "yes"}, 400),
        ("/api/decisions/", {"received_after": "0001-01-01"}, 200),
        ("/api/decisions/", {"reason": "amount_above", "page_size": 10000}, 200),
    ],
)
def test_list_errors_are_documented(demo, path, query, status):
    assert _call(demo, "GET", path, query=query).status_code == status


@pytest.mark.parametrize("engagement_id", [0, 2**62])
def test_unknown_ids_in_paths_are_documented_404s(demo, engagement_id):
    answer = _call(
        demo,
        "GET",
        "/api/engagements/{engagement_id}/",
        path_parameters={"engagement_id": engagement_id},
    )
    assert answer.status_code == 404
