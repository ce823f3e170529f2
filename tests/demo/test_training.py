import pytest

from maestro.demo.seed import demo_seed
from maestro.training import selectors
from maestro.training.models import EvaluationCase, TrainingRound


@pytest.mark.django_db
def test_demo_has_a_500_case_dataset_with_three_rounds_at_60_78_85():
    demo_seed()
    demo_seed()
    assert EvaluationCase.objects.count() == 500
    rounds = TrainingRound.objects.order_by("number")
    accuracies = [selectors.round_metrics(training_round=r).accuracy for r in rounds]
    assert accuracies == [60.0, 78.0, 85.0]
