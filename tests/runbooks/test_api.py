import pytest

from runbooks import services
from runbooks.models import Runbook
from tests.conftest import client_for
from tests.harness.isolation import assert_hidden, outsiders

pytestmark = pytest.mark.django_db


def url(runbook, action=""):
    return f"/api/runbooks/{runbook.pk}/{action}"


def edit(runbook, base, body="changed", message="edit"):
    return {"base_version": base, "title": runbook.title, "body": body, "message": message}


# --- reads ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who,expected",
    [
        ("consultant", {"monitoring"}),
        ("operator_a", {"monitoring"}),
        ("sponsor_a", {"monitoring"}),
        ("operator_b", {"beta-ops"}),
        ("staff", {"monitoring", "beta-ops"}),
    ],
)
def test_list_is_scoped(world, runbook, runbook_b, who, expected):
    r = client_for(getattr(world, who)).get("/api/runbooks/")
    assert r.status_code == 200
    assert {rb["slug"] for rb in r.json()["results"]} == expected


def test_list_filters_and_searches(world, runbook, runbook_b):
    api = client_for(world.staff)
    assert api.get(f"/api/runbooks/?engagement={world.engagement_b.pk}").json()["count"] == 1
    assert api.get("/api/runbooks/?status=draft").json()["count"] == 0
    assert api.get("/api/runbooks/?status=published").json()["count"] == 2
    assert api.get("/api/runbooks/?kind=operating").json()["count"] == 2
    assert [r["slug"] for r in api.get("/api/runbooks/?q=drift").json()["results"]] == [
        "monitoring"
    ]
    r = api.get("/api/runbooks/?status=gone")
    assert r.status_code == 400 and "status" in r.json()


def test_detail_has_markdown_sanitised_html_and_toc(world, runbook):
    services.runbook_save(
        runbook=runbook,
        title=runbook.title,
        body=runbook.body + '\n<img src=x onerror="alert(1)">[x](javascript:alert(1))\n',
        message="hostile",
        base_version=1,
        by=world.consultant,
    )
    data = client_for(world.sponsor_a).get(url(runbook)).json()
    assert data["head"] == 2 and data["published_version"] == 1
    assert data["has_unpublished_changes"] is True
    assert "onerror" not in data["html"] and "javascript" not in data["html"]
    assert 'id="h-every-morning"' in data["html"]
    assert "#h-every-morning" in data["toc"]


@pytest.mark.parametrize("rows", [5, 50])
def test_list_query_count_is_constant(world, rows, django_assert_num_queries):
    for i in range(rows):
        Runbook.objects.create(
            engagement=world.engagement_a, title=f"R{i}", slug=f"r{i}", owner=world.consultant
        )
    api = client_for(world.operator_a)
    with django_assert_num_queries(2):  # count, page (the scoping is a subquery)
        r = api.get("/api/runbooks/?page_size=100")
    assert r.json()["count"] == rows


@pytest.mark.parametrize("rows", [5, 50])
def test_run_list_and_version_list_query_counts_are_constant(
    world, runbook, rows, django_assert_num_queries
):
    for i in range(rows):
        services.runbook_save(
            runbook=runbook,
            title="M",
            body=f"- [ ] s{i}",
            message=f"m{i}",
            base_version=i + 1,
            by=world.consultant,
        )
        services.run_start(runbook=runbook, by=world.operator_a)
    api = client_for(world.operator_a)
    with django_assert_num_queries(3):  # runbook, count, page
        r = api.get(url(runbook, "versions/?page_size=100"))
    assert r.json()["count"] == rows + 1
    with django_assert_num_queries(3):
        r = api.get(url(runbook, "runs/?page_size=100"))
    assert r.json()["count"] == rows


# --- writes -----------------------------------------------------------------------------------


def test_consultant_creates_a_runbook(world):
    r = client_for(world.consultant).post(
        "/api/runbooks/",
        {"engagement": world.engagement_a.pk, "title": "Ops", "slug": "ops", "body": "# Ops"},
        format="json",
    )
    assert r.status_code == 201
    assert (r.json()["status"], r.json()["head"]) == ("draft", 1)


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"title": "", "slug": "ok"}, "title"),
        ({"title": "T", "slug": "not a slug"}, "slug"),
        ({"title": "T" * 201, "slug": "ok"}, "title"),
        ({"title": "T", "slug": "ok", "kind": "poem"}, "kind"),
        ({"title": "T", "slug": "ok", "status": "published"}, "status"),
        ({"title": "T", "slug": "monitoring"}, "slug"),
    ],
)
def test_create_bad_input_gets_field_errors(world, runbook, payload, field):
    r = client_for(world.consultant).post(
        "/api/runbooks/", {"engagement": world.engagement_a.pk, **payload}, format="json"
    )
    assert r.status_code == 400
    assert field in r.json()


def test_create_in_another_tenants_engagement_is_a_field_error(world):
    r = client_for(world.consultant).post(
        "/api/runbooks/",
        {"engagement": world.engagement_b.pk, "title": "T", "slug": "t"},
        format="json",
    )
    assert r.status_code == 400 and "engagement" in r.json()


def test_operator_and_sponsor_cannot_create(world):
    for who in (world.operator_a, world.sponsor_a):
        r = client_for(who).post(
            "/api/runbooks/",
            {"engagement": world.engagement_a.pk, "title": "T", "slug": "t"},
            format="json",
        )
        assert r.status_code == 403 and r.json()["code"] == "not_consultant"


def test_save_version_then_stale_save_is_409_with_versions(world, runbook):
    api = client_for(world.operator_a)
    r = api.post(url(runbook, "versions/"), edit(runbook, 1, "first"), format="json")
    assert r.status_code == 201
    assert (r.json()["number"], r.json()["proposed"]) == (2, True)
    r = client_for(world.consultant).post(
        url(runbook, "versions/"), edit(runbook, 1, "stale"), format="json"
    )
    assert r.status_code == 409
    assert r.json()["code"] == "version_conflict"
    assert (r.json()["base_version"], r.json()["current_version"]) == (1, 2)
    runbook.refresh_from_db()
    assert runbook.body == "first"


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"title": "T", "body": "b", "message": "m"}, "base_version"),
        ({"base_version": -1, "title": "T", "body": "b", "message": "m"}, "base_version"),
        ({"base_version": 1, "title": "T", "body": "b"}, "message"),
        ({"base_version": 1, "title": "T", "body": "b", "message": "m", "head": 5}, "head"),
    ],
)
def test_save_bad_input_is_400_per_field(world, runbook, payload, field):
    r = client_for(world.consultant).post(url(runbook, "versions/"), payload, format="json")
    assert r.status_code == 400 and field in r.json()


def test_versions_detail_and_diff(world, runbook):
    api = client_for(world.consultant)
    api.post(url(runbook, "versions/"), edit(runbook, 1, "- [ ] new step"), format="json")
    assert [v["number"] for v in api.get(url(runbook, "versions/")).json()["results"]] == [2, 1]
    v1 = api.get(url(runbook, "versions/1/")).json()
    assert v1["body"] == runbook.body and "<h2" in v1["html"]
    diff = api.get(url(runbook, "diff/?old=1&new=2")).json()
    assert "+- [ ] new step" in diff["unified"]
    assert api.get(url(runbook, "diff/?old=1&new=9")).status_code == 404
    r = api.get(url(runbook, "diff/?old=x"))
    assert r.status_code == 400 and {"old", "new"} <= set(r.json())


def test_restore_and_publish(world, runbook):
    api = client_for(world.consultant)
    api.post(url(runbook, "versions/"), edit(runbook, 1, "bad"), format="json")
    r = api.post(url(runbook, "restore/"), {"version": 1, "base_version": 2}, format="json")
    assert r.status_code == 201 and r.json()["restored_from"] == 1
    r = api.post(url(runbook, "publish/"), {}, format="json")
    assert r.status_code == 200 and r.json()["published_version"] == 3
    r = api.post(url(runbook, "restore/"), {"version": 1, "base_version": 2}, format="json")
    assert r.status_code == 409


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a"])
def test_only_consultants_publish_and_retire(world, runbook, who):
    api = client_for(getattr(world, who))
    for action in ("publish/", "retire/"):
        r = api.post(url(runbook, action), {}, format="json")
        assert r.status_code == 403, action
        assert r.json()["code"] == "not_consultant"


def test_sponsor_is_403_on_every_write(world, runbook):
    api = client_for(world.sponsor_a)
    run = services.run_start(runbook=runbook, by=world.operator_a)
    step = run.steps.first()
    for path, body in [
        (url(runbook, "versions/"), edit(runbook, 1)),
        (url(runbook, "restore/"), {"version": 1, "base_version": 1}),
        (url(runbook, "runs/"), {}),
        (f"/api/runbook-runs/{run.pk}/steps/{step.pk}/", {"done": True}),
        (f"/api/runbook-runs/{run.pk}/complete/", {}),
        (f"/api/runbook-runs/{run.pk}/abandon/", {"note": "x"}),
    ]:
        r = api.post(path, body, format="json")
        assert r.status_code == 403, path
        assert r.json()["code"] == "read_only"
    step.refresh_from_db()
    assert not step.done


def test_run_api_journey(world, runbook):
    api = client_for(world.operator_a)
    r = api.post(url(runbook, "runs/"), {}, format="json")
    assert r.status_code == 201
    run = r.json()
    assert run["version"] == 1 and len(run["steps"]) == 3
    for step in run["steps"]:
        r = api.post(
            f"/api/runbook-runs/{run['id']}/steps/{step['id']}/",
            {"done": True, "note": "ok"},
            format="json",
        )
        assert r.status_code == 200
        assert r.json()["done_by"]["username"] == world.operator_a.username
    r = api.post(f"/api/runbook-runs/{run['id']}/complete/", {"note": "done"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "completed"
    r = api.post(f"/api/runbook-runs/{run['id']}/abandon/", {"note": "x"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "run_finished"
    runs = api.get(url(runbook, "runs/")).json()["results"]
    assert [r["status"] for r in runs] == ["completed"]


def test_run_bad_input(world, runbook):
    api = client_for(world.operator_a)
    run = api.post(url(runbook, "runs/"), {}, format="json").json()
    step = run["steps"][0]
    r = api.post(f"/api/runbook-runs/{run['id']}/steps/{step['id']}/", {}, format="json")
    assert r.status_code == 400 and "non_field_errors" in r.json()
    r = api.post(
        f"/api/runbook-runs/{run['id']}/steps/{step['id']}/", {"done": "maybe"}, format="json"
    )
    assert r.status_code == 400 and "done" in r.json()
    r = api.post(f"/api/runbook-runs/{run['id']}/complete/", {}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "steps_open"
    r = api.post(f"/api/runbook-runs/{run['id']}/abandon/", {}, format="json")
    assert r.status_code == 400 and "note" in r.json()


# --- tenant isolation -------------------------------------------------------------------------


def test_other_tenant_gets_404_on_every_endpoint_and_changes_nothing(world, runbook):
    run = services.run_start(runbook=runbook, by=world.operator_a)
    step = run.steps.first()
    reads = [
        url(runbook),
        url(runbook, "versions/"),
        url(runbook, "versions/1/"),
        url(runbook, "diff/?old=1&new=1"),
        url(runbook, "runs/"),
        f"/api/runbook-runs/{run.pk}/",
    ]
    writes = [
        (url(runbook, "versions/"), edit(runbook, 1)),
        (url(runbook, "restore/"), {"version": 1, "base_version": 1}),
        (url(runbook, "publish/"), {}),
        (url(runbook, "retire/"), {}),
        (url(runbook, "runs/"), {}),
        (f"/api/runbook-runs/{run.pk}/steps/{step.pk}/", {"done": True}),
        (f"/api/runbook-runs/{run.pk}/complete/", {}),
        (f"/api/runbook-runs/{run.pk}/abandon/", {"note": "x"}),
    ]
    for who in outsiders(world):
        api = client_for(who)
        assert_hidden(api, [("get", path) for path in reads])
        assert_hidden(api, [("post", *write) for write in writes], api_code=True, format="json")
        assert api.get("/api/runbooks/?q=monitoring").json()["count"] == 0
    runbook.refresh_from_db()
    assert (runbook.head, runbook.status) == (1, "published")
    assert runbook.runs.count() == 1
    step.refresh_from_db()
    assert not step.done


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a"])
def test_own_client_reads_everything(world, runbook, who):
    run = services.run_start(runbook=runbook, by=world.operator_a)
    api = client_for(getattr(world, who))
    for path in [url(runbook), url(runbook, "versions/1/"), f"/api/runbook-runs/{run.pk}/"]:
        assert api.get(path).status_code == 200, path


def test_anonymous_gets_401(api_client, runbook):
    assert api_client.get("/api/runbooks/").status_code == 401


def test_schema_lists_the_runbook_endpoints(world):
    paths = client_for(world.consultant).get("/api/schema/?format=json").json()["paths"]
    for path in [
        "/api/runbooks/",
        "/api/runbooks/{runbook_id}/",
        "/api/runbooks/{runbook_id}/versions/",
        "/api/runbooks/{runbook_id}/versions/{number}/",
        "/api/runbooks/{runbook_id}/diff/",
        "/api/runbooks/{runbook_id}/restore/",
        "/api/runbooks/{runbook_id}/publish/",
        "/api/runbooks/{runbook_id}/retire/",
        "/api/runbooks/{runbook_id}/runs/",
        "/api/runbook-runs/{run_id}/",
        "/api/runbook-runs/{run_id}/steps/{step_id}/",
        "/api/runbook-runs/{run_id}/complete/",
        "/api/runbook-runs/{run_id}/abandon/",
    ]:
        assert path in paths, path
    save = paths["/api/runbooks/{runbook_id}/versions/"]["post"]
    assert "409" in save["responses"]
    assert "base_version" in save["description"]


def test_create_with_a_process_and_filter_by_it(world):
    from tests.mapping.factories import ProcessFactory

    own = ProcessFactory(engagement=world.engagement_a)
    foreign = ProcessFactory(engagement=world.engagement_b)
    api = client_for(world.consultant)
    body = {"engagement": world.engagement_a.pk, "title": "T", "slug": "t", "process": own.pk}
    r = api.post("/api/runbooks/", body, format="json")
    assert r.status_code == 201 and r.json()["process"] == own.pk
    r = api.post("/api/runbooks/", {**body, "slug": "u", "process": foreign.pk}, format="json")
    assert r.status_code == 400 and "process" in r.json()
    assert api.get(f"/api/runbooks/?process={own.pk}").json()["count"] == 1
    assert api.get(f"/api/runbooks/?process={foreign.pk}").json()["count"] == 0
