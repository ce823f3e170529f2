"""Plans and competencies through the API: create, patch, delete, shares as 0–1 strings, 400s
with field messages, 403 for the client's side, 404 for other clients."""

import pytest

from handoff.models import Competency, SkillTransferPlan
from maestro.audit.models import AuditEntry
from tests.handoff.factories import CompetencyFactory, SkillTransferPlanFactory
from tests.harness.isolation import OUTSIDERS, api_as, assert_hidden

pytestmark = pytest.mark.django_db


def test_consultant_creates_reads_and_patches_a_plan(world):
    api = api_as(world.consultant)
    url = f"/api/engagements/{world.engagement_a.pk}/skill-plans/"
    answer = api.post(url, {"operator": world.operator_a.pk, "weekday": 4, "local_time": "15:00"},
                      format="json")  # fmt: skip
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["weekday"], body["local_time"], body["readiness"]) == (4, "15:00", "0.0000")
    assert body["shadow_share"] == "0.0000" and body["kappa_bar"] == "0.600"
    assert [c["name"] for c in body["competencies"]] == [
        "Monitoring", "Edge-case review", "Escalation management", "Playbook tuning",
    ]  # fmt: skip
    answer = api.patch(f"/api/skill-plans/{body['id']}/", {"kappa_bar": "0.7"}, format="json")
    assert answer.status_code == 200 and answer.json()["kappa_bar"] == "0.700"
    assert AuditEntry.objects.filter(event="skill_plan.changed").count() == 1
    listed = api.get(url).json()["results"]
    assert [p["id"] for p in listed] == [body["id"]]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"operator": 0}, "operator"),
        ({"operator": "abc"}, "operator"),
        ({"every_weeks": 9}, "every_weeks"),
        ({"kappa_bar": "2"}, "kappa_bar"),
        ({"local_time": "25:00"}, "local_time"),
        ({"phase": "x"}, "phase"),
        ({"competencies": ["A", "a"]}, "competencies"),
    ],
)
def test_bad_plan_input_is_a_400_naming_the_field(world, data, field):
    payload = {"operator": world.operator_a.pk, **data}
    answer = api_as(world.consultant).post(
        f"/api/engagements/{world.engagement_a.pk}/skill-plans/", payload, format="json"
    )
    assert answer.status_code == 400
    assert field in answer.json()
    assert not SkillTransferPlan.objects.exists()


def test_an_operator_of_another_client_is_unknown_not_named(world):
    answer = api_as(world.consultant).post(
        f"/api/engagements/{world.engagement_a.pk}/skill-plans/",
        {"operator": world.operator_b.pk},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["operator"] == [
        "No active operator of this engagement's client has this id."
    ]
    assert world.operator_b.username not in answer.content.decode()


def test_competencies_are_added_patched_and_deleted(world):
    plan = SkillTransferPlanFactory(engagement=world.engagement_a, operator=world.operator_a)
    api = api_as(world.consultant)
    answer = api.post(f"/api/skill-plans/{plan.pk}/competencies/", {"name": "Monitoring"},
                      format="json")  # fmt: skip
    assert answer.status_code == 201
    competency = answer.json()
    assert (competency["position"], competency["at_target"]) == (0, False)
    answer = api.patch(
        f"/api/competencies/{competency['id']}/",
        {"current_stage": "solo", "evidence": "Alone for 3 weeks."},
        format="json",
    )
    assert answer.status_code == 200 and answer.json()["at_target"] is True
    answer = api.patch(f"/api/competencies/{competency['id']}/", {"position": 5}, format="json")
    assert answer.status_code == 400 and "position" in answer.json()
    answer = api.patch(f"/api/competencies/{competency['id']}/", {"current_stage": "guru"},
                       format="json")  # fmt: skip
    assert answer.status_code == 400 and "current_stage" in answer.json()
    assert api.delete(f"/api/competencies/{competency['id']}/").status_code == 204
    assert not Competency.objects.exists()


def test_the_clients_side_reads_but_may_not_change(world):
    plan = SkillTransferPlanFactory(engagement=world.engagement_a, operator=world.operator_a)
    competency = CompetencyFactory(plan=plan)
    for who in (world.operator_a, world.sponsor_a):
        api = api_as(who)
        assert api.get(f"/api/skill-plans/{plan.pk}/").status_code == 200
        answer = api.patch(f"/api/competencies/{competency.pk}/", {"name": "X"}, format="json")
        assert answer.status_code == 403 and answer.json()["code"] == "not_consultant"
        assert api.delete(f"/api/competencies/{competency.pk}/").status_code == 403
    competency.refresh_from_db()
    assert competency.name != "X"


def test_an_operator_does_not_read_a_colleagues_plan(world):
    from tests.tenancy.factories import MembershipFactory

    colleague = MembershipFactory(client=world.client_a, role="operator").user
    plan = SkillTransferPlanFactory(engagement=world.engagement_a, operator=colleague)
    api = api_as(world.operator_a)
    assert api.get(f"/api/skill-plans/{plan.pk}/").status_code == 404
    listed = api.get(f"/api/engagements/{world.engagement_a.pk}/skill-plans/").json()
    assert listed["results"] == []


@pytest.mark.parametrize("who", OUTSIDERS)
def test_every_endpoint_is_hidden_from_other_clients(world, who):
    plan = SkillTransferPlanFactory(engagement=world.engagement_a, operator=world.operator_a)
    competency = CompetencyFactory(plan=plan)
    e = world.engagement_a

    def state():
        return list(Competency.objects.values_list("pk", "name", "current_stage")), list(
            SkillTransferPlan.objects.values_list("pk", "every_weeks")
        )

    assert_hidden(
        api_as(getattr(world, who)),
        [
            ("get", f"/api/engagements/{e.pk}/skill-plans/"),
            ("post", f"/api/engagements/{e.pk}/skill-plans/", {"operator": world.operator_a.pk}),
            ("get", f"/api/skill-plans/{plan.pk}/"),
            ("patch", f"/api/skill-plans/{plan.pk}/", {"every_weeks": 2}),
            ("post", f"/api/skill-plans/{plan.pk}/competencies/", {"name": "X"}),
            ("get", f"/api/competencies/{competency.pk}/"),
            ("patch", f"/api/competencies/{competency.pk}/", {"name": "X"}),
            ("delete", f"/api/competencies/{competency.pk}/"),
            ("get", f"/api/skill-plans/{plan.pk}/readiness/"),
            ("get", f"/api/engagements/{e.pk}/readiness/"),
        ],
        unchanged=state,
        api_code=True,
        absent=[world.operator_a.username],
        format="json",
    )
