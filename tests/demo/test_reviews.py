import pytest

from maestro.decisions.models import Decision
from maestro.demo.seed import demo_seed
from maestro.reviews.models import EdgeCase, ReviewTask
from maestro.reviews.selectors import review_queue_counts
from maestro.tenancy.models import User

pytestmark = pytest.mark.django_db


def test_demo_gives_olivia_a_queue_with_an_overdue_task_overrides_and_edge_cases():
    demo_seed()
    olivia = User.objects.get(username="olivia")

    counts = review_queue_counts(user=olivia)

    assert counts["open"] >= 3
    assert counts["overdue"] >= 1
    resolved = ReviewTask.objects.filter(status="resolved", resolved_by=olivia)
    assert resolved.count() >= 2
    assert Decision.objects.filter(review_task__in=resolved, overridden=True).count() >= 1
    assert EdgeCase.objects.filter(flagged_by=olivia).count() >= 2


def test_demo_review_work_is_seeded_once():
    demo_seed()
    before = (
        ReviewTask.objects.count(),
        ReviewTask.objects.filter(status="resolved").count(),
        EdgeCase.objects.count(),
    )
    demo_seed()
    after = (
        ReviewTask.objects.count(),
        ReviewTask.objects.filter(status="resolved").count(),
        EdgeCase.objects.count(),
    )
    assert after == before
