"""Hostile and malformed input: always a 4xx with a message, never a 500, nothing written."""

import pytest

from maestro.engagements.models import Engagement, PhaseTransition
from maestro.tenancy.models import Client
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

BIG = "99999999999999999999999"  # overflows PostgreSQL's bigint

CASES = [
    ("post", "engagements", '{"client": CLIENT, "name": "x", "target_accuracy": "NaN"}', 400),
    ("post", "engagements", '{"client": CLIENT, "name": "x", "target_accuracy": "Infinity"}', 400),
    ("post", "engagements", '{"client": CLIENT, "name": "x", "target_accuracy": 1e309}', 400),
    ("post", "engagements", '{"client": "abc", "name": "x"}', 400),
    ("post", "engagements", f'{{"client": {BIG}, "name": "x"}}', 400),
    ("post", "engagements", '{"client": CLIENT, "name": "\\u0000x"}', 400),
    ("post", "engagements", '{"client": CLIENT, "name": "x", "members": "notalist"}', 400),
    ("post", "engagements", '{"client": CLIENT, "name": "x", "members": [1, "a", null]}', 400),
    ("post", "engagements", "{bad json", 400),
    ("post", "engagements", '"a string"', 400),
    ("post", "engagements", "null", 400),
    ("patch", "detail", '{"lead": null}', 400),
    ("patch", "detail", '{"name": null}', 400),
    ("patch", "detail", '{"stance": "boss"}', 400),
    ("post", "transition", '{"to_phase": ["training"]}', 400),
    ("post", "transition", '{"to_phase": "training", "note": null}', 400),
    (
        "post",
        "transition",
        '{"to_phase": "training", "override": true, "override_reason": null}',
        400,
    ),
    ("post", "clients", '{"name": "", "slug": ""}', 400),
    ("post", "clients", '{"name": "' + "y" * 300 + '", "slug": "ok"}', 400),
]


@pytest.mark.parametrize("method,target,body,status", CASES)
def test_malformed_body_is_a_4xx_and_writes_nothing(world, method, target, body, status):
    url = {
        "engagements": "/api/engagements/",
        "clients": "/api/clients/",
        "detail": f"/api/engagements/{world.engagement_a.pk}/",
        "transition": f"/api/engagements/{world.engagement_a.pk}/transition/",
    }[target]
    body = body.replace("CLIENT", str(world.client_a.pk))
    r = getattr(client_for(world.consultant), method)(url, body, content_type="application/json")
    assert r.status_code == status, r.content
    assert r.json(), "the error says what is wrong"
    assert (Engagement.objects.count(), Client.objects.count()) == (2, 2)
    assert not PhaseTransition.objects.exists()
    world.engagement_a.refresh_from_db()
    assert (world.engagement_a.name, world.engagement_a.stance) == ("A agents", "lead")


@pytest.mark.parametrize(
    "query,status",
    [
        ("page=abc", 400),
        ("page=99999", 404),
        ("page_size=-1", 400),
        ("client=abc", 400),
        (f"client={BIG}", 400),
        (f"lead={BIG}", 400),
        ("lead=abc", 400),
        ("ordering=password", 200),  # unknown orderings are ignored, not applied
        ("phase=launch", 400),
    ],
)
def test_bad_query_parameters_are_not_500(world, query, status):
    r = client_for(world.consultant).get(f"/api/engagements/?{query}")
    assert r.status_code == status


def test_huge_id_in_path_is_404(world):
    assert client_for(world.consultant).get(f"/api/engagements/{BIG}/").status_code == 404
