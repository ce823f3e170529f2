"""GET /api/engagements/{id}/daily-scores/ and its CSV export: filters, shares, pagination,
tenant isolation and a constant number of queries."""

import csv
import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maestro.monitoring.selectors import scores as selectors
from tests.conftest import client_for
from tests.harness.isolation import assert_hidden_from_outsiders
from tests.mapping.factories import ProcessFactory
from tests.monitoring.factories import DailyScoreFactory

pytestmark = pytest.mark.django_db


def _url(engagement, export: bool = False) -> str:
    return f"/api/engagements/{engagement.pk}/daily-scores/{'export/' if export else ''}"


@pytest.fixture
def scores(world):
    """Two processes of engagement A over two days: a process-wide and an invoice row each."""
    made = {}
    for process in (
        ProcessFactory(engagement=world.engagement_a, name="Invoices"),
        ProcessFactory(engagement=world.engagement_a, name="Refunds"),
    ):
        for day in (date(2026, 1, 10), date(2026, 1, 11)):
            made[(process.name, day, "")] = DailyScoreFactory(process=process, day=day)
            made[(process.name, day, "invoice")] = DailyScoreFactory(
                process=process, day=day, category="invoice", volume=40, with_outcome=0,
                correct=0, human_resolved=0, overridden=0,
            )  # fmt: skip
    DailyScoreFactory(process=ProcessFactory(engagement=world.engagement_b), day=date(2026, 1, 10))
    return made


def test_lists_the_engagements_rows_with_rates_as_shares(world, scores):
    r = client_for(world.operator_a).get(_url(world.engagement_a))

    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 8
    first = body["results"][0]
    assert (first["day"], first["process_name"], first["category"]) == (
        "2026-01-10",
        "Invoices",
        "",
    )
    assert first["accuracy"] == "0.9000"  # 81 of 90
    assert first["automation_rate"] == "0.7000"
    assert first["escalation_rate"] == "0.3000"
    assert first["override_rate"] == "0.1000"
    invoice = body["results"][1]
    assert invoice["category"] == "invoice"
    assert invoice["accuracy"] is None and invoice["override_rate"] is None  # nothing to divide


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=all", 4),
        ("category=", 4),
        ("category=invoice", 4),
        ("category=refund", 0),
        ("date_from=2026-01-11", 4),
        ("date_to=2026-01-10&category=all", 2),
        ("date_from=2026-01-10&date_to=2026-01-10", 4),
    ],
)
def test_filters(world, scores, query, expected):
    r = client_for(world.consultant).get(f"{_url(world.engagement_a)}?{query}")
    assert r.status_code == 200, r.content
    assert r.json()["count"] == expected
    if query.startswith("category=all"):
        assert {row["category"] for row in r.json()["results"]} == {""}


def test_filters_by_process(world, scores):
    process = scores[("Refunds", date(2026, 1, 10), "")].process
    r = client_for(world.consultant).get(f"{_url(world.engagement_a)}?process={process.pk}")
    assert {row["process"] for row in r.json()["results"]} == {process.pk}
    assert r.json()["count"] == 4


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("date_from=2026-13-01", "date_from", "Enter a valid date."),
        ("date_from=2026-02-01&date_to=2026-01-01", "date_to", "date_to is before date_from."),
        ("process=abc", "process", "Enter a whole number."),
    ],
)
def test_bad_filters_are_a_400_naming_the_field(world, scores, query, field, message):
    r = client_for(world.consultant).get(f"{_url(world.engagement_a)}?{query}")
    assert r.status_code == 400
    assert r.json() == {field: [message]}


def test_export_is_a_csv_of_the_filtered_rows(world, scores):
    r = client_for(world.sponsor_a).get(f"{_url(world.engagement_a, export=True)}?category=all")

    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/csv")
    assert r["X-Export-Truncated"] == "false"
    rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode())))
    assert rows[0] == selectors.EXPORT_HEADER
    assert len(rows) == 5
    assert rows[1][:5] == ["2026-01-10", str(rows[1][1]), "Invoices", "all", "100"]
    assert rows[1][11:15] == ["0.9000", "0.7000", "0.3000", "0.1000"]


def test_export_is_bounded(world, scores, monkeypatch):
    monkeypatch.setattr(selectors, "EXPORT_MAX_ROWS", 3)
    r = client_for(world.consultant).get(_url(world.engagement_a, export=True))
    rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode())))
    assert len(rows) == 4 and r["X-Export-Truncated"] == "true"


def test_export_refuses_bad_filters_in_json(world, scores):
    r = client_for(world.consultant).get(
        f"{_url(world.engagement_a, export=True)}?date_to=x", HTTP_ACCEPT="text/csv"
    )
    assert r.status_code == 400
    assert r.json() == {"date_to": ["Enter a valid date."]}


def test_outsiders_get_404(world, scores):
    assert_hidden_from_outsiders(
        world,
        [("get", _url(world.engagement_a)), ("get", _url(world.engagement_a, export=True))],
    )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        r = client.get(url)
        assert r.status_code == 200
        if r.streaming:
            b"".join(r.streaming_content)  # the CSV's rows are read as it is sent
    return len(queries)


@pytest.mark.parametrize("export", [False, True])
def test_queries_stay_constant_at_two_sizes(world, export):
    client = client_for(world.consultant)
    url = _url(world.engagement_a, export=export)
    DailyScoreFactory(process=ProcessFactory(engagement=world.engagement_a))
    small = _queries(client, url)
    for _n in range(30):
        DailyScoreFactory(process=ProcessFactory(engagement=world.engagement_a))

    large = _queries(client, url)

    assert large == small
    assert small <= 5  # the engagement (scoping), then count and page, or rows and bound
