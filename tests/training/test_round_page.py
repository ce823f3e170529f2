"""The round page: failures paged and filtered, a cause control that starts empty, inputs as
indented JSON, calibration drawn, and the playbook's threshold marked on the sweep."""

from decimal import Decimal

import pytest

from maestro.training.models import AgentOutput, FailureReview
from tests.mapping.factories import ProcessFactory
from tests.playbooks.factories import PlaybookVersionFactory
from tests.training.factories import CaseFactory, DatasetFactory, RoundFactory


@pytest.fixture
def failing(world):
    """30 failures: 20 in "billing", 10 in "security"; the first is tagged."""
    world.process = ProcessFactory(engagement=world.engagement_a)
    dataset = DatasetFactory(process=world.process)
    world.round = RoundFactory(dataset=dataset, number=1)
    world.cases = []
    for i in range(30):
        case = CaseFactory(
            dataset=dataset,
            case_ref=f"F-{i:02d}",
            category="billing" if i < 20 else "security",
            correct_outcome="finance",
            input={"subject": f"Ticket {i}", "amount": 12},
        )
        AgentOutput.objects.create(
            round=world.round, case=case, predicted_outcome="hr", confidence=0.55
        )
        world.cases.append(case)
    FailureReview.objects.create(
        round=world.round, case=world.cases[0], cause="wrong_example", reviewed_by=world.consultant
    )
    return world


def _get(client, world, query=""):
    client.force_login(world.consultant)
    return client.get(f"/rounds/{world.round.pk}/{query}")


def test_failures_are_paged(client, failing):
    html = _get(client, failing).content.decode()
    assert "F-00" in html and "F-24" in html and "F-25" not in html
    assert "30 in all, 1–25 shown" in html
    html = _get(client, failing, "?page=2").content.decode()
    assert "F-25" in html and "F-29" in html and "F-24" not in html


def test_failures_filter_by_category_cause_and_untagged(client, failing):
    html = _get(client, failing, "?category=security").content.decode()
    assert "F-20" in html and "F-19" not in html and "10 matching" in html
    html = _get(client, failing, "?cause=wrong_example").content.decode()
    assert "F-00" in html and "F-01" not in html and "1 matching" in html
    html = _get(client, failing, "?cause=untagged").content.decode()
    assert "F-00" not in html and "29 matching" in html


def test_an_unknown_filter_value_is_a_400_naming_the_field(client, failing):
    r = _get(client, failing, "?cause=bored")
    assert r.status_code == 400
    assert "Select a valid choice" in r.content.decode()


def test_cause_control_starts_empty_for_an_untagged_failure(client, failing):
    html = _get(client, failing).content.decode()
    untagged = html[html.index(f'id="cause-{failing.cases[1].pk}"') :]
    untagged = untagged[: untagged.index("</select>")]
    assert '<option value="" selected>' in untagged
    assert '<option value="missing_context">' in untagged
    tagged = html[html.index(f'id="cause-{failing.cases[0].pk}"') :]
    tagged = tagged[: tagged.index("</select>")]
    assert '<option value="wrong_example" selected>' in tagged


def test_submitting_without_a_cause_tags_nothing(client, failing):
    client.force_login(failing.consultant)
    r = client.post(
        f"/rounds/{failing.round.pk}/", {"case": failing.cases[1].pk, "cause": "", "note": ""}
    )
    assert r.status_code == 400
    assert FailureReview.objects.filter(case=failing.cases[1]).count() == 0


def test_tagging_returns_to_the_same_filtered_page(client, failing):
    client.force_login(failing.consultant)
    r = client.post(
        f"/rounds/{failing.round.pk}/?category=billing&page=1",
        {"case": failing.cases[2].pk, "cause": "data_error", "note": "typo"},
    )
    assert r.status_code == 302
    assert r["Location"].endswith("?category=billing&page=1#failures-title")
    assert FailureReview.objects.get(case=failing.cases[2]).cause == "data_error"


def test_inputs_show_as_indented_json_and_calibration_is_a_chart(client, failing):
    html = _get(client, failing).content.decode()
    assert "{\n  &quot;amount&quot;: 12,\n  &quot;subject&quot;: &quot;Ticket 1&quot;\n}" in html
    assert "calibration-chart" in html


def test_sweep_marks_the_playbook_threshold(client, failing):
    html = _get(client, failing).content.decode()
    assert "No playbook threshold yet" in html and 'class="current"' not in html
    PlaybookVersionFactory(playbook__process=failing.process, default_threshold=Decimal("0.75"))
    html = _get(client, failing).content.decode()
    assert "threshold of <strong>0.75</strong>" in html
    assert "current-threshold" in html
    row = html[html.index('<tr class="current">') :]
    assert row.startswith('<tr class="current"><td>0.75 <span class="badge">playbook</span>')
