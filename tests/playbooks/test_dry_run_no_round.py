"""A dry run needs a training round: without one, the page says where a round is imported."""

import pytest

from tests.mapping.factories import ProcessFactory
from tests.playbooks.test_dry_runs import save
from tests.training.factories import DatasetFactory

pytestmark = pytest.mark.django_db


def test_without_a_dataset_the_page_links_to_the_training_page(client, world):
    process = ProcessFactory(engagement=world.engagement_a)
    save(process, world.consultant)
    client.force_login(world.consultant)
    html = client.get(f"/processes/{process.pk}/playbook/dry-run/").content.decode()
    notice = html[html.index('id="no-round"') :]
    notice = notice[: notice.index("</p>")]
    assert f'href="/engagements/{world.engagement_a.pk}/training/"' in notice


def test_with_a_dataset_the_page_links_to_its_round_import(client, world):
    process = ProcessFactory(engagement=world.engagement_a)
    save(process, world.consultant)
    dataset = DatasetFactory(process=process, name="Tickets 2025")
    client.force_login(world.consultant)
    html = client.get(f"/processes/{process.pk}/playbook/dry-run/").content.decode()
    notice = html[html.index('id="no-round"') :]
    notice = notice[: notice.index("</p>")]
    assert f'href="/datasets/{dataset.pk}/#round-title"' in notice and "Tickets 2025" in notice
