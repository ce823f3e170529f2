"""Every shadow review page and endpoint is a 404 for another client's people, and changes
nothing."""

import pytest

from handoff.models import ShadowCase, SkillTransferPlan
from tests.handoff import shadow_fixtures
from tests.harness.isolation import api_as, assert_hidden, outsiders, page_as

pytestmark = pytest.mark.django_db

handoff_world = shadow_fixtures.handoff_world
shadow_case = shadow_fixtures.shadow_case


def _state():
    return (
        list(ShadowCase.objects.values_list("pk", "consultant_outcome", "consultant_answered_at")),
        list(SkillTransferPlan.objects.values_list("pk", "shadow_share")),
    )


def test_pages_are_hidden_from_outsiders(handoff_world, shadow_case):
    w, case, plan = handoff_world, shadow_case, handoff_world.plan
    for user in outsiders(w):
        assert_hidden(
            page_as(user),
            [
                ("get", f"/shadow-reviews/{case.pk}/"),
                ("post", f"/shadow-reviews/{case.pk}/", {"outcome": "approve"}),
                ("get", f"/engagements/{w.engagement_a.pk}/agreement/"),
                ("post", f"/skill-plans/{plan.pk}/shadow-share/", {"shadow_share": "0"}),
            ],
            unchanged=_state,
            absent=[w.engagement_a.name, case.task.title],
        )
        queue = page_as(user).get("/shadow-reviews/")
        assert queue.status_code == 200 and case.task.title not in queue.content.decode()


def test_endpoints_are_hidden_from_outsiders(handoff_world, shadow_case):
    w, case, plan = handoff_world, shadow_case, handoff_world.plan
    for user in outsiders(w):
        assert_hidden(
            api_as(user),
            [
                ("get", f"/api/skill-plans/{plan.pk}/shadow-cases/"),
                ("get", f"/api/shadow-cases/{case.pk}/"),
                ("post", f"/api/shadow-cases/{case.pk}/answer/", {"outcome": "approve"}),
                ("patch", f"/api/skill-plans/{plan.pk}/shadow-share/", {"shadow_share": "0"}),
                ("get", f"/api/skill-plans/{plan.pk}/agreement/"),
                ("get", f"/api/skill-plans/{plan.pk}/evidence/"),
            ],
            unchanged=_state,
            api_code=True,
            format="json",
        )
