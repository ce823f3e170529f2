import datetime

import factory
from factory.django import DjangoModelFactory

from maestro.training.models import EvaluationCase, EvaluationDataset, TrainingRound
from tests.mapping.factories import ProcessFactory


class DatasetFactory(DjangoModelFactory):
    class Meta:
        model = EvaluationDataset

    process = factory.SubFactory(ProcessFactory)
    name = factory.Sequence(lambda n: f"Dataset {n}")


class CaseFactory(DjangoModelFactory):
    class Meta:
        model = EvaluationCase

    dataset = factory.SubFactory(DatasetFactory)
    case_ref = factory.Sequence(lambda n: f"C-{n}")
    correct_outcome = "approve"
    category = "general"


class RoundFactory(DjangoModelFactory):
    class Meta:
        model = TrainingRound

    dataset = factory.SubFactory(DatasetFactory)
    number = factory.Sequence(lambda n: n + 1)
    date = datetime.date(2026, 1, 1)
