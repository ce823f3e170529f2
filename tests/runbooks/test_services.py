import pytest
from django.core.exceptions import ValidationError

from maestro.engagements import services as engagement_services
from maestro.exceptions import DomainError, NotPermitted, StateConflict
from runbooks import selectors, services
from runbooks.models import Runbook, RunbookRun, RunbookVersion
from tests.engagements.factories import EngagementFactory

pytestmark = pytest.mark.django_db


def save(runbook, by, base, body="new text", message="edit"):
    return services.runbook_save(
        runbook=runbook, title=runbook.title, body=body, message=message, base_version=base, by=by
    )


# --- versions ---------------------------------------------------------------------------------


def test_create_makes_a_draft_with_version_one(world):
    rb = services.runbook_create(
        engagement=world.engagement_a, title="Ops", slug="ops", body="x", by=world.consultant
    )
    assert rb.status == Runbook.Status.DRAFT
    assert rb.head == 1
    v = rb.versions.get()
    assert (v.number, v.author, v.body, v.message) == (1, world.consultant, "x", "Created")
    assert rb.owner == world.engagement_a.lead


def test_create_rejects_a_slug_taken_in_the_engagement(world, runbook):
    with pytest.raises(ValidationError) as exc:
        services.runbook_create(
            engagement=world.engagement_a, title="Again", slug="monitoring", by=world.consultant
        )
    assert "slug" in exc.value.message_dict


def test_same_slug_in_another_engagement_is_fine(world, runbook):
    rb = services.runbook_create(
        engagement=world.engagement_b, title="M", slug="monitoring", by=world.consultant_b
    )
    assert rb.slug == "monitoring"


@pytest.mark.parametrize("slug", ["new", "preview"])
def test_create_rejects_reserved_slugs(world, slug):
    with pytest.raises(ValidationError):
        services.runbook_create(
            engagement=world.engagement_a, title="T", slug=slug, by=world.consultant
        )


def test_operator_cannot_create(world):
    with pytest.raises(NotPermitted):
        services.runbook_create(
            engagement=world.engagement_a, title="T", slug="t", by=world.operator_a
        )


def test_every_save_is_a_new_immutable_version(world, runbook):
    v2 = save(runbook, world.consultant, 1, body="second", message="Tighter wording")
    v3 = save(runbook, world.operator_a, 2, body="third", message="Operator's fix")
    assert [v.number for v in runbook.versions.all()] == [3, 2, 1]
    assert (v2.author, v2.message, v2.proposed) == (world.consultant, "Tighter wording", False)
    assert (v3.author, v3.proposed) == (world.operator_a, True)
    runbook.refresh_from_db()
    assert (runbook.head, runbook.body) == (3, "third")
    with pytest.raises(ValueError):
        v2.save()
    assert RunbookVersion.objects.get(pk=v2.pk).body == "second"


def test_saving_over_a_newer_version_is_a_conflict_and_writes_nothing(world, runbook):
    save(runbook, world.consultant, 1, body="mine first")
    with pytest.raises(StateConflict) as exc:
        save(runbook, world.operator_a, 1, body="stale edit")
    assert exc.value.code == "version_conflict"
    assert exc.value.extra == {"base_version": 1, "current_version": 2}
    runbook.refresh_from_db()
    assert (runbook.head, runbook.body) == (2, "mine first")
    assert runbook.versions.count() == 2


def test_save_needs_a_message(world, runbook):
    with pytest.raises(ValidationError) as exc:
        save(runbook, world.consultant, 1, message="  ")
    assert "message" in exc.value.message_dict


def test_sponsor_cannot_save(world, runbook):
    with pytest.raises(NotPermitted):
        save(runbook, world.sponsor_a, 1)


def test_restore_brings_old_text_back_as_a_new_version(world, runbook):
    original = runbook.body
    save(runbook, world.consultant, 1, body="rewritten")
    v3 = services.runbook_restore(runbook=runbook, number=1, base_version=2, by=world.consultant)
    assert (v3.number, v3.body, v3.restored_from) == (3, original, 1)
    assert v3.message == "Restored version 1"
    with pytest.raises(StateConflict):
        services.runbook_restore(runbook=runbook, number=1, base_version=2, by=world.consultant)


def test_diff_between_any_two_versions(world, runbook):
    save(runbook, world.consultant, 1, body=runbook.body.replace("drift", "model drift"))
    diff = selectors.version_diff(runbook=runbook, old=1, new=2)
    assert "-- [ ] Look for drift alerts" in diff["unified"]
    assert "+- [ ] Look for model drift alerts" in diff["unified"]
    assert '<tr class="replace"' in diff["table"] and "<ins>model </ins>" in diff["table"]


# --- publishing -------------------------------------------------------------------------------


def test_only_consultants_publish(world, runbook):
    save(runbook, world.operator_a, 1, body="- [ ] proposed step\n")
    for who in (world.operator_a, world.sponsor_a):
        with pytest.raises(NotPermitted):
            services.runbook_publish(runbook=runbook, by=who)
    runbook.refresh_from_db()
    assert runbook.published_version.number == 1
    assert runbook.has_unpublished_changes
    services.runbook_publish(runbook=runbook, by=world.consultant)
    assert runbook.published_version.number == 2
    assert not runbook.has_unpublished_changes


def test_publish_an_older_version(world, runbook):
    save(runbook, world.consultant, 1)
    services.runbook_publish(runbook=runbook, by=world.consultant, version=1)
    assert runbook.published_version.number == 1
    with pytest.raises(ValidationError):
        services.runbook_publish(runbook=runbook, by=world.consultant, version=9)


def test_retired_runbook_cannot_change_or_run(world, runbook):
    services.runbook_retire(runbook=runbook, by=world.consultant)
    with pytest.raises(StateConflict):
        save(runbook, world.consultant, 1)
    with pytest.raises(DomainError) as exc:
        services.run_start(runbook=runbook, by=world.operator_a)
    assert exc.value.code == "not_published"


# --- starters ---------------------------------------------------------------------------------


def test_new_engagement_gets_the_three_starter_runbooks(world):
    engagement = engagement_services.engagement_create(
        client=world.client_a, name="Fresh", by=world.consultant
    )
    runbooks = {rb.slug: rb for rb in engagement.runbooks.all()}
    assert set(runbooks) == {"monitoring", "edge-case-review", "escalation-management"}
    assert {rb.status for rb in runbooks.values()} == {"draft"}
    monitoring = runbooks["monitoring"]
    assert "Fresh" in monitoring.body and "85.0%" in monitoring.body
    assert world.consultant.get_full_name() in monitoring.body
    # Their cross-links resolve to each other.
    html = selectors.runbook_head_rendered(runbook=monitoring).html
    assert runbooks["escalation-management"].get_absolute_url() in html
    assert services.runbook_create_starters(engagement=engagement, by=world.consultant) == []


# --- runs -------------------------------------------------------------------------------------


def test_run_turns_the_published_checklist_into_steps(world, runbook):
    save(runbook, world.consultant, 1, body="- [ ] unpublished step\n")
    run = services.run_start(runbook=runbook, by=world.operator_a)
    assert run.version.number == 1
    assert [s.text for s in run.steps.all()] == [
        "Read yesterday's accuracy",
        "Check the override rate",
        "Look for drift alerts",
    ]


def test_ticking_records_who_and_when_and_notes(world, runbook):
    run = services.run_start(runbook=runbook, by=world.operator_a)
    step = run.steps.first()
    services.run_step_update(step=step, by=world.operator_a, done=True, note=" 92.3% ")
    step.refresh_from_db()
    assert (step.done, step.done_by, step.note) == (True, world.operator_a, "92.3%")
    assert step.done_at is not None
    services.run_step_update(step=step, by=world.operator_a, done=False)
    step.refresh_from_db()
    assert (step.done, step.done_by, step.done_at, step.note) == (False, None, None, "92.3%")


def test_complete_needs_every_step_then_the_run_is_closed(world, runbook):
    run = services.run_start(runbook=runbook, by=world.operator_a)
    with pytest.raises(DomainError) as exc:
        services.run_complete(run=run, by=world.operator_a)
    assert exc.value.code == "steps_open"
    for step in run.steps.all():
        services.run_step_update(step=step, by=world.operator_a, done=True)
    services.run_complete(run=run, by=world.operator_a, note="All fine")
    run.refresh_from_db()
    assert (run.status, run.finished_by, run.note) == ("completed", world.operator_a, "All fine")
    with pytest.raises(StateConflict) as exc:
        services.run_step_update(step=run.steps.first(), by=world.operator_a, done=False)
    assert exc.value.code == "run_finished"


def test_abandon_needs_a_note(world, runbook):
    run = services.run_start(runbook=runbook, by=world.operator_a)
    with pytest.raises(ValidationError):
        services.run_abandon(run=run, by=world.operator_a, note="")
    services.run_abandon(run=run, by=world.operator_a, note="Dashboard down")
    assert RunbookRun.objects.get(pk=run.pk).status == "abandoned"


def test_draft_and_checklist_free_runbooks_cannot_run(world):
    rb = services.runbook_create(
        engagement=world.engagement_a, title="T", slug="t", body="no steps", by=world.consultant
    )
    with pytest.raises(DomainError) as exc:
        services.run_start(runbook=rb, by=world.operator_a)
    assert exc.value.code == "not_published"
    services.runbook_publish(runbook=rb, by=world.consultant)
    with pytest.raises(DomainError) as exc:
        services.run_start(runbook=rb, by=world.operator_a)
    assert exc.value.code == "no_steps"


def test_sponsor_cannot_run(world, runbook):
    with pytest.raises(NotPermitted):
        services.run_start(runbook=runbook, by=world.sponsor_a)


def test_run_history_per_runbook(world, runbook):
    first = services.run_start(runbook=runbook, by=world.operator_a)
    services.run_abandon(run=first, by=world.operator_a, note="x")
    second = services.run_start(runbook=runbook, by=world.consultant)
    runs = list(selectors.run_list(runbook=runbook))
    assert [r.pk for r in runs] == [second.pk, first.pk]
    assert (runs[0].steps_total, runs[0].steps_done) == (3, 0)


# --- search -----------------------------------------------------------------------------------


def test_search_matches_title_and_body_within_reach(world, runbook, runbook_b):
    services.runbook_create(
        engagement=world.engagement_a,
        title="Supplier escalations",
        slug="suppliers",
        body="Call the procurement approver when invoices exceed the limit.",
        by=world.consultant,
    )

    def search(user, q):
        qs = selectors.runbook_list_for_user(user=user)
        return {rb.slug for rb in selectors.runbook_search(queryset=qs, query=q)}

    assert search(world.operator_a, "monitoring") == {"monitoring"}
    assert search(world.operator_a, "invoices") == {"suppliers"}
    assert search(world.operator_a, "drift") == {"monitoring"}
    assert search(world.operator_a, "beta") == set()
    assert search(world.operator_a, "nothing-like this") == set()
    assert search(world.operator_a, "drift alerts") == {"monitoring"}
    assert search(world.operator_b, "beta") == {"beta-ops"}
    assert search(world.staff, "step") >= {"beta-ops"}
    assert len(search(world.operator_a, "")) == 2


def test_unassigned_consultant_sees_no_runbooks(world, runbook):
    other = EngagementFactory(client=world.client_a)
    assert not selectors.runbook_list_for_user(user=other.lead).exists()


# --- process link -----------------------------------------------------------------------------


def test_runbook_may_be_about_a_process_of_its_own_engagement(world):
    from tests.mapping.factories import ProcessFactory

    own = ProcessFactory(engagement=world.engagement_a, name="Procurement approval")
    rb = services.runbook_create(
        engagement=world.engagement_a, title="P", slug="p", process=own, by=world.consultant
    )
    assert rb.process == own
    foreign = ProcessFactory(engagement=world.engagement_b)
    with pytest.raises(ValidationError) as exc:
        services.runbook_create(
            engagement=world.engagement_a, title="Q", slug="q", process=foreign, by=world.consultant
        )
    assert "process" in exc.value.message_dict
