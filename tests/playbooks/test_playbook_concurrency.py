import pytest

from maestro.exceptions import StateConflict
from maestro.playbooks.models import PlaybookVersion
from maestro.playbooks.services import playbook_version_create
from tests.engagements.factories import EngagementFactory
from tests.harness.races import barrier, run_at_once
from tests.mapping.factories import ProcessFactory
from tests.tenancy.factories import ClientFactory

FIELDS = {"default_threshold": "0.8", "rules": [], "sla_minutes": 60, "escalation_chain": []}


def _race(process, by, base_version):
    both_ready = barrier()

    def save(message: str) -> str:
        both_ready.wait()
        try:
            playbook_version_create(
                process=process, by=by, message=message, base_version=base_version, **FIELDS
            )
        except StateConflict:
            return "conflict"
        return "saved"

    return sorted(run_at_once(lambda: save("first"), lambda: save("second")))


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_number_versions_without_gaps_or_duplicates():
    engagement = EngagementFactory(client=ClientFactory())
    process = ProcessFactory(engagement=engagement)
    by = engagement.lead
    # Two first saves at once: one playbook, versions 1 and 2.
    assert _race(process, by, None) == ["saved", "saved"]
    assert sorted(
        PlaybookVersion.objects.filter(playbook__process=process).values_list("number", flat=True)
    ) == [1, 2]
    # Two editors both starting from version 2: one wins, the other gets a conflict.
    assert _race(process, by, 2) == ["conflict", "saved"]
    assert PlaybookVersion.objects.filter(playbook__process=process).count() == 3
