"""The review queue moved from handoff/ to maestro.reviews without losing a row: a database
holding review tasks, their events and edge cases at the old layout migrates to the new one,
and every row is found through the new models (and the admin's content types follow)."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from maestro.reviews.models import EdgeCase, ReviewTask, ReviewTaskEvent
from tests.decisions.factories import DecisionFactory
from tests.tenancy.factories import UserFactory

OLD_LAYOUT = [("handoff", "0001_initial"), ("reviews", None)]
OLD_STATE = [("handoff", "0001_initial"), ("contenttypes", "0002_remove_content_type_name")]
MODELS = ["reviewtask", "reviewtaskevent", "edgecase"]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


def _latest() -> list:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_review_queue_rows_survive_the_move_to_reviews():
    latest = _latest()
    try:
        old = _migrate(OLD_LAYOUT).loader.project_state(OLD_STATE).apps
        # Tables outside the move are unchanged, so today's factories fill them.
        decision = DecisionFactory()
        operator, other = UserFactory(), UserFactory()
        OldTask = old.get_model("handoff", "ReviewTask")
        OldEvent = old.get_model("handoff", "ReviewTaskEvent")
        OldEdgeCase = old.get_model("handoff", "EdgeCase")
        due = timezone.now()
        task = OldTask.objects.create(
            engagement_id=decision.engagement_id,
            kind="escalated_decision",
            title="Review: case 1",
            decision_id=decision.pk,
            assignee_id=operator.pk,
            due_at=due,
            escalation_level=1,
        )
        OldTask.objects.create(
            engagement_id=decision.engagement_id,
            kind="drift_investigation",
            title="Drift",
            due_at=due,
            status="resolved",
            final_outcome="fine",
            resolved_by_id=other.pk,
            resolved_at=due,
        )
        OldEvent.objects.create(task=task, kind="assigned", to_user_id=operator.pk)
        OldEvent.objects.create(
            task=task, kind="escalated", from_user_id=operator.pk, to_user_id=other.pk, note="x"
        )
        OldEdgeCase.objects.create(
            engagement_id=decision.engagement_id,
            decision_id=decision.pk,
            note="Split order",
            flagged_by_id=operator.pk,
        )
        # The old layout's content types, as a database migrated before the move holds them.
        OldContentType = old.get_model("contenttypes", "ContentType")
        OldContentType.objects.filter(app_label="reviews").delete()
        old_ids = {
            model: OldContentType.objects.get_or_create(app_label="handoff", model=model)[0].pk
            for model in MODELS
        }

        _migrate(latest)
        ContentType.objects.clear_cache()

        moved = ReviewTask.objects.get(pk=task.pk)
        assert (moved.decision, moved.assignee, moved.due_at) == (decision, operator, due)
        assert moved.escalation_level == 1
        assert ReviewTask.objects.filter(engagement=decision.engagement).count() == 2
        resolved = ReviewTask.objects.get(kind=ReviewTask.Kind.DRIFT_INVESTIGATION)
        assert (resolved.status, resolved.resolved_by) == (ReviewTask.Status.RESOLVED, other)
        events = list(moved.events.values_list("kind", "from_user_id", "to_user_id"))
        assert events == [("assigned", None, operator.pk), ("escalated", operator.pk, other.pk)]
        assert ReviewTaskEvent.objects.count() == 2
        edge_case = EdgeCase.objects.get()
        assert (edge_case.decision, edge_case.flagged_by, edge_case.note) == (
            decision,
            operator,
            "Split order",
        )
        assert decision.edge_cases.get() == edge_case
        # The same content type rows, relabelled: admin logs and permissions keep pointing.
        for model, model_class in zip(MODELS, [ReviewTask, ReviewTaskEvent, EdgeCase], strict=True):
            assert ContentType.objects.get_for_model(model_class).pk == old_ids[model]
        assert not ContentType.objects.filter(app_label="handoff", model__in=MODELS).exists()
    finally:
        _migrate(latest)
        ContentType.objects.clear_cache()
