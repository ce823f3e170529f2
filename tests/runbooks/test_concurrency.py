import pytest

from maestro.exceptions import StateConflict
from runbooks import services
from runbooks.models import Runbook, RunbookVersion
from tests.engagements.factories import EngagementFactory
from tests.harness.races import barrier, run_at_once
from tests.tenancy.factories import ClientFactory


@pytest.mark.django_db(transaction=True)
def test_two_editors_saving_on_the_same_version_one_wins_the_other_gets_a_conflict():
    engagement = EngagementFactory(client=ClientFactory())
    runbook = services.runbook_create(
        engagement=engagement, title="Ops", slug="ops", body="v1", by=engagement.lead
    )
    both_read = barrier()

    def save(body: str) -> str:
        mine = Runbook.objects.select_related("engagement").get(pk=runbook.pk)
        both_read.wait()  # both started from version 1 before either saves
        try:
            services.runbook_save(
                runbook=mine,
                title="Ops",
                body=body,
                message=body,
                base_version=1,
                by=engagement.lead,
            )
        except StateConflict:
            return "conflict"
        return "saved"

    outcomes = run_at_once(lambda: save("first"), lambda: save("second"))
    assert sorted(outcomes) == ["conflict", "saved"]
    assert RunbookVersion.objects.filter(runbook=runbook).count() == 2
    runbook.refresh_from_db()
    assert runbook.head == 2
    assert runbook.body == runbook.versions.get(number=2).body
