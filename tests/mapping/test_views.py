import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.test import Client as PageClient

from maestro.mapping.models import DecisionType, Process
from tests.harness.isolation import OUTSIDERS, assert_hidden
from tests.mapping.factories import (
    DecisionPointFactory,
    DecisionTypeFactory,
    ProcessFactory,
    StepFactory,
)

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def page_client(user) -> PageClient:
    client = PageClient()
    client.force_login(user)
    return client


@pytest.fixture
def mapped(world):
    world.process = ProcessFactory(engagement=world.engagement_a, name="Procurement approval")
    doc = StepFactory(process=world.process, flow="documented", name="Manager approves")
    StepFactory(
        process=world.process,
        name="Approve on WhatsApp",
        informal=True,
        kind="approval",
        documented_step=doc,
    )
    DecisionPointFactory(
        step=StepFactory(process=world.process, name="Route the ticket <now>"),
        decision_type=DecisionTypeFactory(engagement=world.engagement_a, name="route ticket"),
    )
    return world


def _pages(w):
    return [
        f"/engagements/{w.engagement_a.pk}/processes/",
        f"/processes/{w.process.pk}/",
        f"/processes/{w.process.pk}/diagram.svg",
    ]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_another_tenant_gets_404_on_every_page(mapped, who):
    client = page_client(getattr(mapped, who))
    requests = [("get", url) for url in _pages(mapped)]
    assert_hidden(client, [*requests, ("post", _pages(mapped)[0], {"name": "Sneaky"})])
    assert not Process.objects.filter(name="Sneaky").exists()


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a"])
def test_client_side_users_see_the_maps_read_only(mapped, who):
    client = page_client(getattr(mapped, who))
    for url in _pages(mapped):
        assert client.get(url).status_code == 200, url
    detail = client.get(_pages(mapped)[1]).content.decode()
    assert "Read-only" in detail and "Approve on WhatsApp" in detail
    assert "step-form" not in detail and "map-editor.js" not in detail
    listing = client.get(_pages(mapped)[0]).content.decode()
    assert "Add a process" not in listing
    r = client.post(_pages(mapped)[0], {"name": "Sneaky"})
    assert r.status_code == 403
    assert not Process.objects.filter(name="Sneaky").exists()


def test_anonymous_is_sent_to_login(mapped):
    for url in _pages(mapped):
        r = PageClient().get(url)
        assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_consultant_gets_the_editor(mapped):
    html = page_client(mapped.consultant).get(_pages(mapped)[1]).content.decode()
    assert 'class="step-form"' in html and "map-editor.js" in html
    assert "Add a documented step" in html and "Add an actual step" in html
    assert 'id="map-diagram"' in html and "<svg" in html


def test_consultant_adds_a_process_and_sees_errors_inline(mapped):
    client = page_client(mapped.consultant)
    r = client.post(_pages(mapped)[0], {"name": "procurement approval", "volume_per_day": 1})
    assert r.status_code == 400
    assert "already has a process" in r.content.decode()
    r = client.post(
        _pages(mapped)[0],
        {"name": "Ticket routing", "volume_per_day": 200, "minutes_per_case": 12},
    )
    process = Process.objects.get(name="Ticket routing")
    assert r.status_code == 302 and r["Location"] == f"/processes/{process.pk}/"


def test_engagement_page_lists_the_processes_with_counts(mapped):
    html = page_client(mapped.operator_a).get(f"/engagements/{mapped.engagement_a.pk}/").content
    html = html.decode()
    assert "Process maps" in html and "Procurement approval" in html
    assert f"/engagements/{mapped.engagement_a.pk}/processes/" in html


def test_decision_inventory_groups_by_autonomy(mapped):
    DecisionTypeFactory(
        engagement=mapped.engagement_a, name="compliance exception", autonomy="always_human"
    )
    html = page_client(mapped.sponsor_a).get(_pages(mapped)[0]).content.decode()
    full = html.index('id="autonomy-full"')
    human = html.index('id="autonomy-always_human"')
    assert full < html.index("route ticket") < human < html.index("compliance exception")


def test_diagram_is_an_svg_with_steps_markers_legend_and_title(mapped):
    r = page_client(mapped.operator_a).get(_pages(mapped)[2])
    assert r["Content-Type"].startswith("image/svg+xml")
    root = ET.fromstring(r.content)
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text == "Process map: Procurement approval"
    assert "1 of them informal" in root.find(f"{SVG}desc").text
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert "1. Manager approves" in titles
    assert "1. Approve on WhatsApp" in titles
    assert "2. Route the ticket <now>" in titles  # escaped in the XML, intact once parsed
    assert "Decision point: route ticket" in titles
    groups = {g.get("class"): g for g in root.iter(f"{SVG}g") if g.get("data-step-id")}
    assert "step actual informal" in groups
    informal = groups["step actual informal"]
    assert [t.text for t in informal.iter(f"{SVG}text") if t.get("class") == "marker-informal"]
    decision = groups["step actual decision-point"]
    assert decision.find(f"{SVG}polygon").get("class") == "marker-decision"
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legend")
    texts = [t.text for t in legend.iter(f"{SVG}text")]
    assert "Decision point" in texts and "Informal step (off the official system)" in texts
    # Self-contained, so the handoff PDF can embed it: no scripts, no external references.
    assert b"<script" not in r.content and b"http://" not in r.content.replace(
        b"http://www.w3.org/2000/svg", b""
    )


def test_diagram_of_an_empty_map_says_so(world):
    process = ProcessFactory(engagement=world.engagement_a)
    r = page_client(world.consultant).get(f"/processes/{process.pk}/diagram.svg")
    root = ET.fromstring(r.content)
    assert [t.text for t in root.iter(f"{SVG}text")].count("No steps yet.") == 2


@pytest.mark.parametrize("rows", [5, 50])
def test_process_list_page_query_count_is_constant(world, rows, django_assert_max_num_queries):
    for _ in range(rows):
        process = ProcessFactory(engagement=world.engagement_a)
        DecisionPointFactory(step=StepFactory(process=process))
    client = page_client(world.consultant)
    client.get(f"/engagements/{world.engagement_a.pk}/processes/")  # warm the session
    # 13: includes the lead's consultant membership check (engagements.scoping), made per request.
    with django_assert_max_num_queries(12):
        r = client.get(f"/engagements/{world.engagement_a.pk}/processes/")
    assert r.status_code == 200


def test_consultant_adds_a_decision_type_and_sees_calibration_errors(mapped):
    client = page_client(mapped.consultant)
    url = _pages(mapped)[0]
    base = {"form": "decision_type", "decision_type-name": "approve purchase order"}
    r = client.post(url, {**base, "decision_type-autonomy": "review_below_threshold"})
    assert r.status_code == 400
    assert "needs a default confidence threshold" in r.content.decode()
    r = client.post(
        url,
        {
            **base,
            "decision_type-autonomy": "review_below_threshold",
            "decision_type-confidence_threshold": "0.8",
            "decision_type-exposure_amount": "10000",
            "decision_type-exposure_currency": "eur",
        },
    )
    assert r.status_code == 302
    created = DecisionType.objects.get(name="approve purchase order")
    assert (created.confidence_threshold, created.exposure_currency) == (Decimal("0.80"), "EUR")
    assert (
        page_client(mapped.operator_a).post(url, {**base, "form": "decision_type"}).status_code
        == 403
    )


def test_editor_offers_decision_points_on_actual_steps_only(mapped):
    html = page_client(mapped.consultant).get(_pages(mapped)[1]).content.decode()
    assert html.count('class="dp-form"') == 2  # the two actual steps
    assert "Remove decision point “route ticket” from “Route the ticket &lt;now&gt;”" in html


@pytest.mark.parametrize("rows", [5, 50])
def test_map_page_query_count_is_constant(world, rows, django_assert_max_num_queries):
    process = ProcessFactory(engagement=world.engagement_a)
    DecisionTypeFactory(engagement=world.engagement_a)
    for _ in range(rows):
        doc = StepFactory(process=process, flow="documented")
        DecisionPointFactory(step=StepFactory(process=process, documented_step=doc))
    client = page_client(world.consultant)
    client.get(f"/processes/{process.pk}/")  # warm the session
    # 11: includes the lead's consultant membership check (engagements.scoping), made per request.
    # +1 since the economics read monitoring's weekly automation rate (decisions.hooks).
    with django_assert_max_num_queries(11):
        r = client.get(f"/processes/{process.pk}/")
    assert r.status_code == 200
    assert r.content.decode().count('class="dp-form"') == rows
