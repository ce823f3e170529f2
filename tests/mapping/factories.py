import factory
from factory.django import DjangoModelFactory

from maestro.mapping.models import DecisionPoint, DecisionType, Process, Step
from tests.engagements.factories import EngagementFactory


class ProcessFactory(DjangoModelFactory):
    class Meta:
        model = Process

    engagement = factory.SubFactory(EngagementFactory)
    name = factory.Sequence(lambda n: f"Process {n}")


class StepFactory(DjangoModelFactory):
    """A step appended at the end of its flow (orders stay 1..n as the services keep them)."""

    class Meta:
        model = Step

    process = factory.SubFactory(ProcessFactory)
    flow = Step.Flow.ACTUAL
    name = factory.Sequence(lambda n: f"Step {n}")
    order = factory.LazyAttribute(
        lambda o: Step.objects.filter(process=o.process, flow=o.flow).count() + 1
    )


class DecisionTypeFactory(DjangoModelFactory):
    class Meta:
        model = DecisionType

    engagement = factory.SubFactory(EngagementFactory)
    name = factory.Sequence(lambda n: f"decision {n}")
    autonomy = DecisionType.Autonomy.FULL


class DecisionPointFactory(DjangoModelFactory):
    class Meta:
        model = DecisionPoint

    step = factory.SubFactory(StepFactory)
    decision_type = factory.LazyAttribute(
        lambda o: DecisionTypeFactory(engagement=o.step.process.engagement)
    )
