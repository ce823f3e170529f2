import json

import pytest

from maestro.mapping.models import DecisionPoint, DecisionType, Process, Step
from tests.conftest import client_for
from tests.harness.isolation import OUTSIDERS, assert_hidden
from tests.mapping.factories import (
    DecisionPointFactory,
    DecisionTypeFactory,
    ProcessFactory,
    StepFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def mapped(world):
    """A small map on engagement A: 1 documented step, 2 actual, one of them a decision point."""
    process = ProcessFactory(engagement=world.engagement_a, name="Procurement approval")
    doc = StepFactory(process=process, flow="documented", name="Manager approves")
    step = StepFactory(process=process, name="Approve on WhatsApp", documented_step=doc)
    StepFactory(process=process, name="Key into ERP", documented_step=doc)
    decision_type = DecisionTypeFactory(engagement=world.engagement_a, name="approve PO")
    point = DecisionPointFactory(step=step, decision_type=decision_type)
    world.process, world.doc, world.step, world.type, world.point = (
        process,
        doc,
        step,
        decision_type,
        point,
    )
    return world


# Every new endpoint: (method, url template, body). Bodies are valid, so a refusal is about who
# asks, never about what they sent.
ENDPOINTS = [
    ("get", "/api/processes/{process}/", None),
    ("patch", "/api/processes/{process}/", {"owner_team": "Finance"}),
    ("delete", "/api/processes/{process}/", None),
    ("get", "/api/processes/{process}/summary/", None),
    ("get", "/api/processes/{process}/export/", None),
    ("post", "/api/engagements/{engagement}/processes/", {"name": "New"}),
    ("post", "/api/engagements/{engagement}/processes/import/", "EXPORT"),
    ("post", "/api/processes/{process}/steps/", {"flow": "actual", "name": "New"}),
    ("post", "/api/processes/{process}/steps/reorder/", "REORDER"),
    ("get", "/api/steps/{step}/", None),
    ("patch", "/api/steps/{step}/", {"cadence": "Mondays"}),
    ("delete", "/api/steps/{other_step}/", None),
    ("post", "/api/steps/{other_step}/decision-points/", {"decision_type": "TYPE"}),
    ("post", "/api/engagements/{engagement}/decision-types/", {"name": "n", "autonomy": "full"}),
    ("get", "/api/decision-types/{type}/", None),
    ("patch", "/api/decision-types/{type}/", {"reputational_note": "x"}),
    ("delete", "/api/decision-types/{type}/", None),
    ("get", "/api/decision-points/{point}/", None),
    ("patch", "/api/decision-points/{point}/", {"outcomes": ["yes"]}),
    ("delete", "/api/decision-points/{point}/", None),
]
LISTS = ["/api/processes/", "/api/steps/", "/api/decision-types/", "/api/decision-points/"]


def _call(api, w, method, template, body):
    return getattr(api, method)(*_request(w, template, body), format="json")


def _request(w, template, body):
    other = Step.objects.get(process=w.process, name="Key into ERP")
    url = template.format(
        process=w.process.pk,
        engagement=w.engagement_a.pk,
        step=w.step.pk,
        other_step=other.pk,
        type=w.type.pk,
        point=w.point.pk,
    )
    if body == "EXPORT":
        body = client_for(w.consultant).get(f"/api/processes/{w.process.pk}/export/").json()
        body["process"]["name"] = "Imported"
    elif body == "REORDER":
        body = {"flow": "actual", "steps": [other.pk, w.step.pk]}
    elif isinstance(body, dict) and body.get("decision_type") == "TYPE":
        body = {"decision_type": w.type.pk}
    return url, body


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize("method,template,body", ENDPOINTS)
def test_another_tenant_gets_404_everywhere(mapped, who, method, template, body):
    url, data = _request(mapped, template, body)
    api = client_for(getattr(mapped, who))
    assert_hidden(api, [(method, url, data)], unchanged=_counts, format="json")


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize("url", LISTS)
def test_another_tenant_lists_nothing(mapped, who, url):
    assert client_for(getattr(mapped, who)).get(url).json()["count"] == 0


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a"])
@pytest.mark.parametrize("method,template,body", ENDPOINTS)
def test_client_side_users_read_but_never_write(mapped, who, method, template, body):
    before = _counts()
    r = _call(client_for(getattr(mapped, who)), mapped, method, template, body)
    if method == "get":
        assert r.status_code == 200
    else:
        assert r.status_code == 403, r.content
        assert r.json()["code"] == "not_consultant"
    assert _counts() == before


@pytest.mark.parametrize("method,template,body", ENDPOINTS)
def test_the_consultant_may_do_everything(mapped, method, template, body):
    if template.startswith("/api/decision-types/{type}/") and method == "delete":
        DecisionPoint.objects.all().delete()  # a type in use is refused; tested separately
    url, data = _request(mapped, template, body)
    before = _rows()
    r = getattr(client_for(mapped.consultant), method)(url, data, format="json")
    assert r.status_code in (200, 201, 204), r.content
    if method == "get":
        assert _rows() == before
        return
    assert _rows() != before  # the write was saved
    kind, pk = url.split("/")[2:4]
    model = {"processes": Process, "steps": Step}.get(kind) or {
        "decision-types": DecisionType,
        "decision-points": DecisionPoint,
    }.get(kind)
    if method == "delete":
        assert not model.objects.filter(pk=pk).exists()
    elif method == "patch":
        saved = model.objects.get(pk=pk)
        assert {field: getattr(saved, field) for field in data} == data


MODELS = (Process, Step, DecisionType, DecisionPoint)


def _counts():
    return [m.objects.count() for m in MODELS]


def _rows():
    return [list(m.objects.order_by("pk").values()) for m in MODELS]


@pytest.mark.parametrize("url", LISTS)
def test_lists_are_scoped_and_described_per_role(mapped, url):
    assert client_for(mapped.operator_a).get(url).json()["count"] >= 1
    assert client_for(mapped.staff).get(url).json()["count"] >= 1


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize("url", LISTS)
def test_list_query_counts_are_constant(world, rows, url, django_assert_num_queries):
    for _ in range(rows):
        process = ProcessFactory(engagement=world.engagement_a)
        doc = StepFactory(process=process, flow="documented")
        DecisionPointFactory(step=StepFactory(process=process, documented_step=doc))
    api = client_for(world.consultant)
    with django_assert_num_queries(2):  # count, page
        r = api.get(url + "?page_size=500")
    assert r.status_code == 200
    assert r.json()["count"] >= rows


def test_filters(mapped):
    api = client_for(mapped.consultant)
    ProcessFactory(engagement=mapped.engagement_b)
    assert api.get(f"/api/processes/?engagement={mapped.engagement_a.pk}").json()["count"] == 1
    steps = api.get(f"/api/steps/?process={mapped.process.pk}&flow=actual").json()
    assert [s["name"] for s in steps["results"]] == ["Approve on WhatsApp", "Key into ERP"]
    assert api.get("/api/steps/?flow=documented").json()["count"] == 1
    assert api.get("/api/decision-types/?autonomy=full").json()["count"] == 1
    assert api.get("/api/decision-types/?autonomy=always_human").json()["count"] == 0
    points = api.get(f"/api/decision-points/?process={mapped.process.pk}").json()["results"]
    assert points[0]["decision_type"]["name"] == "approve PO"
    r = api.get("/api/steps/?flow=sideways")
    assert r.status_code == 400 and "flow" in r.json()


def test_process_output_has_counts(mapped):
    body = client_for(mapped.operator_a).get(f"/api/processes/{mapped.process.pk}/").json()
    assert (
        body["documented_step_count"],
        body["actual_step_count"],
        body["decision_point_count"],
    ) == (1, 2, 1)


def test_summary(mapped):
    body = client_for(mapped.sponsor_a).get(f"/api/processes/{mapped.process.pk}/summary/").json()
    assert body["documented_steps"] == 1 and body["actual_steps"] == 2
    assert body["decision_points_by_autonomy"]["full"] == 1


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url,body,field,fragment",
    [
        ("/api/processes/{p}/steps/", {"flow": "actual"}, "name", "required"),
        ("/api/processes/{p}/steps/", {"flow": "sideways", "name": "x"}, "flow", "valid choice"),
        ("/api/processes/{p}/steps/", {"flow": "actual", "name": "x", "kind": "nap"}, "kind", ""),
        ("/api/processes/{p}/steps/", {"flow": "actual", "name": "x", "order": 3}, "order", ""),
        ("/api/processes/{p}/steps/", {"flow": "actual", "name": "x" * 201}, "name", "200"),
        (
            "/api/processes/{p}/steps/",
            {"flow": "documented", "name": "x", "documented_step": "DOC"},
            "documented_step",
            "Only actual steps",
        ),
        (
            "/api/engagements/{e}/processes/",
            {"name": "x", "volume_per_day": -1},
            "volume_per_day",
            "",
        ),
        (
            "/api/engagements/{e}/processes/",
            {"name": "procurement approval"},
            "name",
            "already has a process",
        ),
        (
            "/api/engagements/{e}/decision-types/",
            {"name": "t", "autonomy": "review_below_threshold"},
            "confidence_threshold",
            "needs a default",
        ),
        (
            "/api/engagements/{e}/decision-types/",
            {"name": "t", "autonomy": "review_below_threshold", "confidence_threshold": "1.5"},
            "confidence_threshold",
            "",
        ),
        (
            "/api/engagements/{e}/decision-types/",
            {"name": "t", "autonomy": "full", "exposure_currency": "euro"},
            "exposure_currency",
            "three-letter",
        ),
        (
            "/api/processes/{p}/steps/reorder/",
            {"flow": "actual", "steps": "1,2"},
            "steps",
            "",
        ),
    ],
)
def test_bad_input_gets_field_errors_and_writes_nothing(mapped, url, body, field, fragment):
    before = _counts()
    body = {k: (mapped.doc.pk if v == "DOC" else v) for k, v in body.items()}
    r = client_for(mapped.consultant).post(
        url.format(p=mapped.process.pk, e=mapped.engagement_a.pk), body, format="json"
    )
    assert r.status_code == 400, r.content
    assert fragment in " ".join(r.json()[field])
    assert _counts() == before


def test_decision_point_on_a_documented_step_or_foreign_type_is_refused(mapped):
    api = client_for(mapped.consultant)
    r = api.post(f"/api/steps/{mapped.doc.pk}/decision-points/", {"decision_type": mapped.type.pk})
    assert r.status_code == 400 and "actual map" in r.json()["step"][0]
    foreign = DecisionTypeFactory(engagement=mapped.engagement_b)
    r = api.post(f"/api/steps/{mapped.step.pk}/decision-points/", {"decision_type": foreign.pk})
    assert r.status_code == 400 and "does not exist" in r.json()["decision_type"][0]


def test_reorder_mismatch_is_409_and_delete_with_decision_point_is_409(mapped):
    api = client_for(mapped.consultant)
    r = api.post(
        f"/api/processes/{mapped.process.pk}/steps/reorder/",
        {"flow": "actual", "steps": [mapped.step.pk]},
        format="json",
    )
    assert r.status_code == 409 and r.json()["code"] == "reorder_mismatch"
    r = api.delete(f"/api/steps/{mapped.step.pk}/")
    assert r.status_code == 409 and r.json()["code"] == "step_has_decision_points"
    assert "Approve on WhatsApp" in r.json()["detail"]
    r = api.delete(f"/api/decision-types/{mapped.type.pk}/")
    assert r.status_code == 409 and r.json()["code"] == "decision_type_in_use"
    assert Step.objects.filter(pk=mapped.step.pk).exists()
    assert DecisionType.objects.filter(pk=mapped.type.pk).exists()
    assert list(
        Step.objects.filter(process=mapped.process, flow="actual").values_list("pk", flat=True)
    ) == [mapped.step.pk, Step.objects.get(name="Key into ERP").pk]


def test_reorder_returns_the_new_order(mapped):
    other = Step.objects.get(name="Key into ERP")
    r = client_for(mapped.consultant).post(
        f"/api/processes/{mapped.process.pk}/steps/reorder/",
        {"flow": "actual", "steps": [other.pk, mapped.step.pk]},
        format="json",
    )
    assert r.status_code == 200
    assert [(s["name"], s["order"]) for s in r.json()] == [
        ("Key into ERP", 1),
        ("Approve on WhatsApp", 2),
    ]


# --- export / import ---------------------------------------------------------------------------


def _export(api, process_id):
    r = api.get(f"/api/processes/{process_id}/export/")
    assert r.status_code == 200
    return r.json()


def _import(api, engagement, document, **kwargs):
    return api.post(
        f"/api/engagements/{engagement.pk}/processes/import/", document, format="json", **kwargs
    )


def test_export_import_round_trips_exactly_into_another_engagement(world):
    from maestro.demo.seed import demo_seed

    demo_seed()
    procurement = Process.objects.get(name="Procurement approval")
    maria = procurement.engagement.lead
    api = client_for(maria)
    exported = _export(api, procurement.pk)
    assert len(exported["documented_steps"]) == 4 and len(exported["actual_steps"]) == 11
    target = procurement.engagement.client.engagements.exclude(pk=procurement.engagement_id)
    target = target.first() or _other_engagement(procurement.engagement)
    r = _import(api, target, exported)
    assert r.status_code == 201, r.content
    again = _export(api, r.json()["id"])
    assert again == exported
    # Importing into the same engagement under a new name reuses its decision types.
    types_before = DecisionType.objects.count()
    exported["process"]["name"] = "Procurement approval (copy)"
    r = _import(api, procurement.engagement, exported)
    assert r.status_code == 201, r.content
    assert DecisionType.objects.count() == types_before
    copy = _export(api, r.json()["id"])
    assert copy == exported


def _other_engagement(engagement):
    from maestro.engagements.services import engagement_create

    return engagement_create(client=engagement.client, name="Second", by=engagement.lead)


def test_import_of_bad_json_is_a_clear_400(mapped):
    r = client_for(mapped.consultant).generic(
        "POST",
        f"/api/engagements/{mapped.engagement_a.pk}/processes/import/",
        '{"format": "maestro.process-map/1", "process": {',
        content_type="application/json",
    )
    assert r.status_code == 400
    assert r.json()["code"] == "parse_error" and "JSON parse error" in r.json()["detail"]


@pytest.mark.parametrize(
    "mutate,path,fragment",
    [
        (lambda d: d.update(extra=1), "extra", "Unknown field"),
        (lambda d: d["process"].update(colour="red"), "process.colour", "Unknown field"),
        (lambda d: d["actual_steps"][1].update(kind="nap"), "actual_steps[1].kind", "valid choice"),
        (
            lambda d: d["actual_steps"][0].update(informal="maybe"),
            "actual_steps[0].informal",
            "boolean",
        ),
        (lambda d: d["process"].update(volume_per_day="lots"), "process.volume_per_day", "integer"),
        (lambda d: d.update(actual_steps={"a": 1}), "actual_steps", "list"),
        (lambda d: d["process"].pop("name"), "process.name", "required"),
        (lambda d: d.update(format="v9"), "format", "valid choice"),
        (
            lambda d: d["actual_steps"][0]["decision_points"][0].update(decision_type="nope"),
            "actual_steps[0].decision_points[0].decision_type",
            "not among",
        ),
        (
            lambda d: d["actual_steps"][1].update(documented_step=7),
            "actual_steps[1].documented_step",
            "no documented step number 7",
        ),
        (
            lambda d: d["decision_types"][0].update(autonomy="always_human"),
            "decision_types[0]",
            "different calibration",
        ),
    ],
)
def test_import_errors_name_their_path_and_write_nothing(mapped, mutate, path, fragment):
    api = client_for(mapped.consultant)
    document = _export(api, mapped.process.pk)
    document["process"]["name"] = "Imported"
    mutate(document)
    before = _counts()
    r = _import(api, mapped.engagement_a, document)
    assert r.status_code == 400, r.content
    assert path in r.json(), r.json()
    assert fragment in " ".join(r.json()[path]), r.json()
    assert _counts() == before


def test_import_refuses_an_existing_process_name(mapped):
    api = client_for(mapped.consultant)
    document = _export(api, mapped.process.pk)
    r = _import(api, mapped.engagement_a, document)
    assert r.status_code == 400
    assert "already has a process" in r.json()["process.name"][0]


def test_export_is_plain_json_with_decimal_strings(world):
    from decimal import Decimal

    process = ProcessFactory(engagement=world.engagement_a)
    dt = DecisionTypeFactory(
        engagement=world.engagement_a,
        autonomy="review_below_threshold",
        confidence_threshold=Decimal("0.8"),
        exposure_amount=Decimal("10000"),
        exposure_currency="EUR",
    )
    DecisionPointFactory(step=StepFactory(process=process), decision_type=dt, inputs=["amount"])
    document = _export(client_for(world.sponsor_a), process.pk)
    assert json.loads(json.dumps(document)) == document
    assert document["decision_types"][0]["confidence_threshold"] == "0.8000"
    assert document["decision_types"][0]["exposure_amount"] == "10000.00"
    assert document["actual_steps"][0]["decision_points"][0]["inputs"] == ["amount"]
