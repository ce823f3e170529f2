"""Hostile and malformed input on the mapping API: a 4xx with a message, never a 500, nothing
written (run on both backends: PostgreSQL refuses integers SQLite accepts)."""

import pytest

from maestro.mapping.models import DecisionPoint, DecisionType, Process, Step
from tests.conftest import client_for
from tests.mapping.factories import ProcessFactory, StepFactory

pytestmark = pytest.mark.django_db

BIG = "99999999999999999999999"  # overflows PostgreSQL's bigint

CASES = [
    ("steps", '{"flow": "actual", "name": "x", "documented_step": ' + BIG + "}"),
    ("steps", '{"flow": "actual", "name": "x", "documented_step": "abc"}'),
    ("steps", '{"flow": "actual", "name": "\\u0000x"}'),
    ("steps", '{"flow": "actual", "name": null}'),
    ("steps", '{"flow": ["actual"], "name": "x"}'),
    ("steps", '{"flow": "actual", "name": "x", "informal": "perhaps"}'),
    ("steps", "[]"),
    ("steps", "null"),
    ("steps", "{bad json"),
    ("reorder", '{"flow": "actual", "steps": [' + BIG + "]}"),
    ("reorder", '{"flow": "actual", "steps": ["a", null]}'),
    ("reorder", '{"flow": "actual", "steps": null}'),
    ("types", '{"name": "t", "autonomy": "review_below_threshold", "confidence_threshold": "NaN"}'),
    ("types", '{"name": "t", "autonomy": "full", "exposure_amount": "Infinity"}'),
    ("types", '{"name": "t", "autonomy": "full", "exposure_amount": 1e309}'),
    ("types", '{"name": "t", "autonomy": "full", "exposure_amount": "1' + "0" * 20 + '"}'),
    ("types", '{"name": "t", "autonomy": "sometimes"}'),
    ("points", '{"decision_type": ' + BIG + "}"),
    ("points", '{"decision_type": 1, "inputs": "amount"}'),
    ("points", '{"decision_type": 1, "inputs": [{"a": 1}]}'),
    ("processes", '{"name": "x", "volume_per_day": ' + BIG + "}"),
    ("processes", '{"name": "x", "minutes_per_case": 1.5}'),
    ("import", '{"format": "maestro.process-map/1"}'),
    ("import", '"a string"'),
    ("import", '{"process": [], "documented_steps": {}, "actual_steps": 3}'),
]


@pytest.mark.parametrize("target,body", CASES)
def test_malformed_body_is_a_4xx_and_writes_nothing(world, target, body):
    process = ProcessFactory(engagement=world.engagement_a, name="P")
    step = StepFactory(process=process)
    url = {
        "steps": f"/api/processes/{process.pk}/steps/",
        "reorder": f"/api/processes/{process.pk}/steps/reorder/",
        "types": f"/api/engagements/{world.engagement_a.pk}/decision-types/",
        "points": f"/api/steps/{step.pk}/decision-points/",
        "processes": f"/api/engagements/{world.engagement_a.pk}/processes/",
        "import": f"/api/engagements/{world.engagement_a.pk}/processes/import/",
    }[target]
    r = client_for(world.consultant).post(url, body, content_type="application/json")
    assert 400 <= r.status_code < 500 and r.status_code != 404, r.content
    assert r.json(), "the error says what is wrong"
    counts = [m.objects.count() for m in (Process, Step, DecisionType, DecisionPoint)]
    assert counts == [1, 1, 0, 0]


@pytest.mark.parametrize(
    "url",
    [
        f"/api/steps/?process={BIG}",
        "/api/steps/?process=abc",
        "/api/steps/?kind=nap",
        f"/api/decision-points/?decision_type={BIG}",
        "/api/decision-types/?autonomy=sometimes",
        "/api/processes/?engagement=abc",
        f"/api/processes/{BIG}/",
        f"/api/steps/{BIG}/",
    ],
)
def test_bad_query_parameters_and_ids_are_not_500(world, url):
    r = client_for(world.consultant).get(url)
    assert r.status_code in (200, 400, 404), r.content
