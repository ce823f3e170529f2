"""The consultant's stance steps down lead → advisory → out, one rung at a time and never ahead
of the phase; every change of it, made here or by a phase move or an edit of the engagement,
joins the stance's history shown on the engagement page."""

import pytest
from django.urls import reverse

from handoff.models import StanceStep
from handoff.services.plans import stance_step
from maestro.audit.models import AuditEntry
from maestro.engagements import services as engagement_services
from maestro.engagements.models import Engagement, Phase
from maestro.exceptions import DomainError, NotPermitted, StateConflict
from tests.harness.isolation import OUTSIDERS, api_as, assert_hidden, page_as

pytestmark = pytest.mark.django_db
OVERRIDE = {"override": True, "override_reason": "Test."}


def _move_to(engagement, phase, by):
    order = [Phase.TRAINING, Phase.DEPLOYMENT, Phase.HANDOFF, Phase.ADVISORY, Phase.CLOSED]
    for step in order[: order.index(phase) + 1]:
        engagement_services.engagement_transition(
            engagement=engagement, to_phase=step, by=by, **OVERRIDE
        )


def test_stance_steps_down_one_rung_at_a_time_recorded_and_audited(world):
    e = world.engagement_a
    _move_to(e, Phase.HANDOFF, world.consultant)
    step = stance_step(engagement=e, by=world.consultant, to_stance="advisory", note=" Ready. ")
    e.refresh_from_db()
    assert e.stance == "advisory"
    assert (step.from_stance, step.to_stance, step.by, step.note) == (
        "lead", "advisory", world.consultant, "Ready.",
    )  # fmt: skip
    entry = AuditEntry.objects.filter(event="engagement.stance_changed").get()
    assert entry.changes == {"stance": ["lead", "advisory"]}
    assert entry.data == {"stance_step": step.pk, "note": "Ready."}


def test_skipping_a_rung_going_back_up_or_stepping_ahead_of_the_phase_is_refused(world):
    e = world.engagement_a
    with pytest.raises(DomainError) as exc:
        stance_step(engagement=e, by=world.consultant, to_stance="advisory")
    assert exc.value.code == "stance_ahead_of_phase"
    assert "waits for the Handoff phase" in exc.value.message
    _move_to(e, Phase.HANDOFF, world.consultant)
    with pytest.raises(DomainError) as exc:
        stance_step(engagement=e, by=world.consultant, to_stance="out")
    assert exc.value.code == "stance_not_next"
    with pytest.raises(DomainError) as exc:
        stance_step(engagement=e, by=world.consultant, to_stance="lead")
    assert exc.value.code == "stance_not_next"
    stance_step(engagement=e, by=world.consultant, to_stance="advisory")
    with pytest.raises(DomainError) as exc:  # out waits for the advisory phase
        stance_step(engagement=e, by=world.consultant, to_stance="out")
    assert exc.value.code == "stance_ahead_of_phase"
    assert StanceStep.objects.filter(engagement=e, note="").count() == 1


def test_once_out_there_is_no_further_step(world):
    e = world.engagement_a
    _move_to(e, Phase.ADVISORY, world.consultant)
    stance_step(engagement=e, by=world.consultant, to_stance="out")
    with pytest.raises(StateConflict) as exc:
        stance_step(engagement=e, by=world.consultant, to_stance="out")
    assert exc.value.code == "stance_already_out"


def test_only_the_consultants_step_the_stance(world):
    e = world.engagement_a
    _move_to(e, Phase.HANDOFF, world.consultant)
    for who in (world.operator_a, world.sponsor_a):
        with pytest.raises(NotPermitted):
            stance_step(engagement=e, by=who, to_stance="advisory")
    e.refresh_from_db()
    assert e.stance == "lead"


def test_phase_moves_and_edits_that_change_the_stance_are_steps_too(world):
    e = world.engagement_a
    _move_to(e, Phase.ADVISORY, world.consultant)  # the move to advisory carries the stance
    engagement_services.engagement_transition(
        engagement=e, to_phase=Phase.HANDOFF, by=world.consultant, note="Not ready after all."
    )  # and the way back brings the consultant back to lead
    engagement_services.engagement_update(
        engagement=e, by=world.consultant, stance=Engagement.Stance.ADVISORY
    )
    steps = list(
        StanceStep.objects.filter(engagement=e).values_list("from_stance", "to_stance", "note")
    )
    assert steps == [
        ("lead", "advisory", "With the move from Handoff to Advisory."),
        ("advisory", "lead", "With the move from Advisory to Handoff."),
        ("lead", "advisory", ""),
    ]


def test_the_engagement_page_shows_the_recorded_steps(client, world):
    e = world.engagement_a
    _move_to(e, Phase.HANDOFF, world.consultant)
    stance_step(engagement=e, by=world.consultant, to_stance="advisory", note="Olivia runs it.")
    client.force_login(world.sponsor_a)
    page = client.get(e.get_absolute_url()).content.decode()
    assert "Lead → Advisory" in page and "Olivia runs it." in page
    assert reverse("handoff:stance-step", args=[e.pk]) not in page  # not offered to a sponsor


def test_stance_step_page_and_api(client, world):
    e = world.engagement_a
    url = reverse("handoff:stance-step", args=[e.pk])
    client.force_login(world.consultant)
    page = client.get(url)
    assert page.status_code == 200
    assert "waits for the Handoff phase" in page.content.decode()
    assert client.post(url, {"note": "Too early"}).status_code == 400
    _move_to(e, Phase.HANDOFF, world.consultant)
    answer = client.post(url, {"note": "Handing over."})
    assert answer.status_code == 302
    e.refresh_from_db()
    assert e.stance == "advisory"

    api = api_as(world.consultant)
    listed = api.get(f"/api/engagements/{e.pk}/stance-steps/").json()["results"]
    assert [(s["from_stance"], s["to_stance"], s["note"]) for s in listed] == [
        ("lead", "advisory", "Handing over.")
    ]
    answer = api.post(f"/api/engagements/{e.pk}/stance-steps/", {"to_stance": "out"}, format="json")
    assert answer.status_code == 400
    assert answer.json()["code"] == "stance_ahead_of_phase"
    answer = api.post(
        f"/api/engagements/{e.pk}/stance-steps/", {"to_stance": "sideways"}, format="json"
    )
    assert answer.status_code == 400 and "to_stance" in answer.json()
    answer = api_as(world.operator_a).post(
        f"/api/engagements/{e.pk}/stance-steps/", {"to_stance": "out"}, format="json"
    )
    assert answer.status_code == 403
    assert page_as(world.operator_a).get(url).status_code == 403


@pytest.mark.parametrize("who", OUTSIDERS)
def test_stance_steps_are_hidden_from_other_clients(world, who):
    e = world.engagement_a
    _move_to(e, Phase.HANDOFF, world.consultant)
    user = getattr(world, who)

    def state():
        e.refresh_from_db()
        return e.stance, StanceStep.objects.count()

    assert_hidden(
        api_as(user),
        [
            ("get", f"/api/engagements/{e.pk}/stance-steps/"),
            ("post", f"/api/engagements/{e.pk}/stance-steps/", {"to_stance": "advisory"}),
        ],
        unchanged=state,
        api_code=True,
        format="json",
    )
    url = reverse("handoff:stance-step", args=[e.pk])
    assert_hidden(page_as(user), [("get", url), ("post", url, {"note": "x"})], unchanged=state)
