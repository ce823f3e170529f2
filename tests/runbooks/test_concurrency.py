import threading

import pytest
from django.db import connection

from maestro.exceptions import StateConflict
from runbooks import services
from runbooks.models import Runbook, RunbookVersion
from tests.factories import ClientFactory, EngagementFactory


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite's shared in-memory test database fails a second writer instead of queueing "
    "it; this race runs in the real (PostgreSQL) run of make test.",
)
@pytest.mark.django_db(transaction=True)
def test_two_editors_saving_on_the_same_version_one_wins_the_other_gets_a_conflict():
    engagement = EngagementFactory(client=ClientFactory())
    runbook = services.runbook_create(
        engagement=engagement, title="Ops", slug="ops", body="v1", by=engagement.lead
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save(body: str) -> None:
        try:
            mine = Runbook.objects.select_related("engagement").get(pk=runbook.pk)
            barrier.wait(timeout=10)  # both started from version 1 before either saves
            services.runbook_save(
                runbook=mine,
                title="Ops",
                body=body,
                message=body,
                base_version=1,
                by=engagement.lead,
            )
            outcomes.append("saved")
        except StateConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(b,)) for b in ("first", "second")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "saved"]
    assert RunbookVersion.objects.filter(runbook=runbook).count() == 2
    runbook.refresh_from_db()
    assert runbook.head == 2
    assert runbook.body == runbook.versions.get(number=2).body
