"""Known counterparties: seeded from the process's evaluation datasets, listed, added, removed
and imported from CSV by its consultants, and read by routing in one indexed query."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from maestro.audit.models import AuditEntry
from maestro.exceptions import NotPermitted
from maestro.intake.services.lookups import processes_and_known_counterparties
from maestro.playbooks import services
from maestro.playbooks.models import KnownCounterparty
from maestro.training import services as training
from maestro.training.importers import ImportFailed
from maestro.training.models import EvaluationCase
from tests.conftest import client_for
from tests.decisions.conftest import decision
from tests.harness.isolation import assert_hidden_from_outsiders
from tests.training.factories import DatasetFactory

HEADER = "case_ref,correct_outcome,category,counterparty\n"


def _cases_file(tmp_path, rows: list[str]) -> str:
    path = tmp_path / "cases.csv"
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return str(path)


def _post(agent, process, **fields) -> dict:
    r = agent.post("/api/decisions/", decision(process, **fields), format="json")
    assert r.status_code == 201, r.json()
    return r.json()


def _names(process) -> dict[str, str]:
    return dict(KnownCounterparty.objects.filter(process=process).values_list("name", "source"))


def _csv(text: str, *, bom: bool = False) -> SimpleUploadedFile:
    data = ("\ufeff" if bom else "").encode() + text.encode()
    return SimpleUploadedFile("suppliers.csv", data, content_type="text/csv")


def browser(user) -> HttpClient:
    client = HttpClient()
    client.force_login(user)
    return client


# --- seeded from the evaluation datasets ----------------------------------------------------------


def test_a_supplier_in_1000_past_decisions_is_not_routed_to_a_human_as_new(
    agent_a, process_a, playbook_a, world, tmp_path
):
    """The article's case: the training history has 1,000 purchase orders from Fabrikam, so
    its first live decision is not a "new supplier" (it went to a human before the seeding)."""
    dataset = DatasetFactory(process=process_a)
    rows = [f"PO-{i},approve,equipment,Fabrikam Machining" for i in range(1000)]
    path = _cases_file(tmp_path, [*rows, "PO-1000,approve,equipment,"])
    assert training.dataset_import_cases(dataset=dataset, path=path, fmt="csv", by=None) == 1001

    known = _post(agent_a, process_a, case_ref="L-1", counterparty="Fabrikam Machining")
    assert known["route"] == "auto" and known["reasons"] == []
    assert _names(process_a) == {"Fabrikam Machining": "dataset"}
    new = _post(agent_a, process_a, case_ref="L-2", counterparty="Northwind Parts")
    assert [r["code"] for r in new["reasons"]] == ["new_counterparty"]


def test_seeding_keeps_names_known_before_and_adds_only_the_process_own(
    agent_a, process_a, playbook_a, world, tmp_path
):
    _post(agent_a, process_a, case_ref="L-1", counterparty="Contoso")  # known from live
    other = DatasetFactory(process__engagement=world.engagement_a)
    dataset = DatasetFactory(process=process_a)
    path = _cases_file(tmp_path, ["C-1,approve,x,Contoso", "C-2,approve,x,Litware"])
    training.dataset_import_cases(dataset=dataset, path=path, fmt="csv", by=world.consultant)
    assert _names(process_a) == {"Contoso": "live", "Litware": "dataset"}
    assert _names(other.process) == {}


def test_a_refused_import_makes_nothing_known(process_a, world, tmp_path):
    dataset = DatasetFactory(process=process_a)
    path = _cases_file(tmp_path, ["C-1,approve,x,Litware", "C-1,approve,x,Duplicate Ltd"])
    with pytest.raises(ImportFailed):
        training.dataset_import_cases(dataset=dataset, path=path, fmt="csv", by=world.consultant)
    assert EvaluationCase.objects.count() == 0
    assert _names(process_a) == {}


def test_an_import_job_seeds_the_process_too(process_a, world, django_capture_on_commit_callbacks):
    dataset = DatasetFactory(process=process_a)
    upload = SimpleUploadedFile("cases.csv", (HEADER + "C-1,approve,x,Wingtip Toys\n").encode())
    job = training.import_job_create(dataset=dataset, upload=upload, fmt=None, by=world.consultant)
    training.import_job_run(job_id=job.pk)
    assert _names(process_a) == {"Wingtip Toys": "dataset"}


# --- routing reads the list in one indexed query --------------------------------------------------


def test_routing_reads_only_the_batchs_names_in_one_query_whatever_the_list(process_a, world):
    KnownCounterparty.objects.bulk_create(
        KnownCounterparty(process=process_a, name=f"Supplier {i}") for i in range(5000)
    )
    with CaptureQueriesContext(connection) as ctx:
        _processes, known, _stamps = processes_and_known_counterparties(
            engagement=world.engagement_a,
            process_ids={process_a.pk},
            names={"Supplier 7", "Supplier 4999", "Unknown"},
        )
    assert known == {process_a.pk: {"Supplier 7", "Supplier 4999"}}
    assert len(ctx.captured_queries) == 1
    plan = _plan(ctx.captured_queries[0]["sql"])
    assert any(
        ("INDEX" in step and "(process_id=? AND name=?)" in step)  # SQLite
        or ("Index" in step and "knowncounterparty" in step)  # PostgreSQL
        for step in plan
    ), "\n".join(plan)


def _plan(sql: str) -> list[str]:
    """The query's plan; on PostgreSQL with sequential scans off, so a small table still shows
    whether the index can serve the lookup."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return [str(row) for row in cursor.fetchall()]


# --- the API ------------------------------------------------------------------------------------


def _url(process) -> str:
    return f"/api/processes/{process.pk}/known-counterparties/"


def test_everyone_on_the_engagement_lists_them_by_name_and_searches(process_a, world):
    KnownCounterparty.objects.create(process=process_a, name="Fabrikam", source="dataset")
    KnownCounterparty.objects.create(process=process_a, name="Contoso", added_by=world.consultant)
    for user in (world.consultant, world.operator_a, world.sponsor_a):
        body = client_for(user).get(_url(process_a)).json()
        assert [c["name"] for c in body["results"]] == ["Contoso", "Fabrikam"]
    body = client_for(world.sponsor_a).get(_url(process_a), {"search": "fabri"}).json()
    assert [(c["name"], c["source"]) for c in body["results"]] == [("Fabrikam", "dataset")]


def test_a_consultant_adds_a_name_and_routing_knows_it(agent_a, process_a, playbook_a, world):
    r = client_for(world.consultant).post(_url(process_a), {"name": "  Litware  "}, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["name"] == "Litware" and r.json()["source"] == "added"
    assert r.json()["added_by"]["id"] == world.consultant.pk
    assert _post(agent_a, process_a, case_ref="L-1", counterparty="Litware")["route"] == "auto"
    again = client_for(world.consultant).post(_url(process_a), {"name": "Litware"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "counterparty_already_known"
    assert again.json()["counterparty"] == r.json()["id"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "may not be blank"),
        ("   ", "may not be blank"),
        ("x" * 201, "no more than 200 characters"),
        ("a\x00b", "Null characters are not allowed"),
    ],
)
def test_bad_names_are_field_errors(process_a, world, name, message):
    r = client_for(world.consultant).post(_url(process_a), {"name": name}, format="json")
    assert r.status_code == 400
    assert message in r.json()["name"][0]
    assert not KnownCounterparty.objects.exists()


def test_a_removed_name_is_new_again(agent_a, process_a, playbook_a, world):
    known = KnownCounterparty.objects.create(process=process_a, name="Contoso")
    r = client_for(world.consultant).delete(f"/api/known-counterparties/{known.pk}/")
    assert r.status_code == 204
    routed = _post(agent_a, process_a, case_ref="L-1", counterparty="Contoso")
    assert [reason["code"] for reason in routed["reasons"]] == ["new_counterparty"]


def test_only_consultants_change_the_list(process_a, world):
    known = KnownCounterparty.objects.create(process=process_a, name="Contoso")
    for user in (world.operator_a, world.sponsor_a):
        client = client_for(user)
        assert client.get(f"/api/known-counterparties/{known.pk}/").status_code == 200
        r = client.post(_url(process_a), {"name": "X"}, format="json")
        assert r.status_code == 403 and r.json()["code"] == "not_consultant"
        assert client.delete(f"/api/known-counterparties/{known.pk}/").status_code == 403
        upload = {"file": _csv("name\nY\n")}
        r = client.post(f"{_url(process_a)}import/", upload, format="multipart")
        assert r.status_code == 403
    assert _names(process_a) == {"Contoso": "live"}
    with pytest.raises(NotPermitted):
        services.known_counterparty_remove(counterparty=known, by=world.operator_a)


def test_another_clients_users_get_404_and_change_nothing(process_a, world):
    known = KnownCounterparty.objects.create(process=process_a, name="Contoso")
    assert_hidden_from_outsiders(
        world,
        [
            ("get", _url(process_a)),
            ("post", _url(process_a), {"name": "X"}),
            ("get", f"/api/known-counterparties/{known.pk}/"),
            ("delete", f"/api/known-counterparties/{known.pk}/"),
        ],
        unchanged=lambda: _names(process_a),
        format="json",
    )
    assert_hidden_from_outsiders(
        world,
        [("post", f"{_url(process_a)}import/", {"file": _csv("name\nY\n")})],
        unchanged=lambda: _names(process_a),
        format="multipart",
    )
    assert_hidden_from_outsiders(
        world,
        [
            ("get", f"/processes/{process_a.pk}/counterparties/"),
            ("post", f"/processes/{process_a.pk}/counterparties/", {"form": "add", "name": "X"}),
            ("post", f"/counterparties/{known.pk}/remove/"),
        ],
        as_page=True,
        unchanged=lambda: _names(process_a),
    )


# --- CSV import ---------------------------------------------------------------------------------


def test_csv_import_takes_a_bom_quoted_commas_and_extra_columns(process_a, world):
    KnownCounterparty.objects.create(process=process_a, name="Contoso")
    text = 'Notes,NAME\n"since 2019, Lyon","Fabrikam, Inc."\n,Contoso\n"","Litware"\n,Litware\n\n'
    r = client_for(world.consultant).post(
        f"{_url(process_a)}import/", {"file": _csv(text, bom=True)}, format="multipart"
    )
    assert r.status_code == 200, r.json()
    assert r.json() == {"rows": 4, "added": 2, "already_known": 1}
    assert _names(process_a) == {"Contoso": "live", "Fabrikam, Inc.": "added", "Litware": "added"}


def test_csv_import_reports_every_bad_row_with_its_line_and_row_and_writes_nothing(
    process_a, world
):
    text = (
        "name,city\n"
        "Fabrikam,Lyon\n"
        ",Paris\n"  # line 3, row 2
        '"Multi\nline",Oslo\n'  # line 4 (row 3), spans two lines
        f"{'x' * 201},Rome\n"  # line 6, row 4
        "Contoso,Bern,extra\n"  # line 7, row 5
    )
    r = client_for(world.consultant).post(
        f"{_url(process_a)}import/", {"file": _csv(text)}, format="multipart"
    )
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "import_invalid"
    assert body["errors"] == [
        "line 3 (row 2): name: is required",
        "line 6 (row 4): name: longer than 200 characters",
        "line 7 (row 5): expected 2 fields, found 3",
    ]
    assert body["error_count"] == 3
    assert _names(process_a) == {}


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", "The submitted file is empty."),
        (b"name\n", "The file has a header but no rows."),
        (b"supplier\nFabrikam\n", "missing header column(s): name"),
        (b"name;city\nFabrikam;Lyon\n", "separated by semicolons"),
        (b"name\nFabr\xe9kam\n", "line 2: the file is not UTF-8 text"),
    ],
)
def test_csv_import_refuses_files_it_cannot_read(process_a, world, content, error):
    upload = SimpleUploadedFile("x.csv", content, content_type="text/csv")
    r = client_for(world.consultant).post(
        f"{_url(process_a)}import/", {"file": upload}, format="multipart"
    )
    assert r.status_code == 400
    assert any(error in e for e in r.json().get("errors", [r.json().get("file", [""])[0]]))
    assert _names(process_a) == {}


def test_csv_import_is_bounded_in_rows(process_a, world, monkeypatch):
    monkeypatch.setattr("maestro.playbooks.services.counterparties.MAX_IMPORT_ROWS", 3)
    text = "name\n" + "".join(f"S{i}\n" for i in range(5))
    r = client_for(world.consultant).post(
        f"{_url(process_a)}import/", {"file": _csv(text)}, format="multipart"
    )
    assert r.status_code == 400
    assert r.json()["errors"][0].startswith("line 5 (row 4): the file has more than 3 rows")
    assert _names(process_a) == {}


def test_csv_import_over_the_upload_limit_is_a_400_on_the_file(process_a, world, settings):
    settings.MAESTRO_UPLOAD_MAX_BYTES = 100
    text = "name\n" + "".join(f"Supplier {i}\n" for i in range(50))
    r = client_for(world.consultant).post(
        f"{_url(process_a)}import/", {"file": _csv(text)}, format="multipart"
    )
    assert r.status_code == 400
    assert "too large" in r.json()["file"][0]
    assert _names(process_a) == {}


def test_csv_import_of_another_kind_of_file_is_a_400_on_the_file(process_a, world):
    r = client_for(world.consultant).post(
        f"{_url(process_a)}import/",
        {"file": SimpleUploadedFile("suppliers.xlsx", b"name\nA\n")},
        format="multipart",
    )
    assert r.status_code == 400
    assert "not a file Maestro imports" in r.json()["file"][0]
    assert _names(process_a) == {}


# --- the audit trail ----------------------------------------------------------------------------


def test_adding_removing_and_importing_are_recorded_once_each(process_a, world):
    added = services.known_counterparty_add(process=process_a, name="Contoso", by=world.consultant)
    services.known_counterparty_remove(counterparty=added, by=world.consultant)
    services.known_counterparties_import(
        process=process_a, upload=_csv("name\nA\nB\n"), by=world.consultant
    )
    entries = list(AuditEntry.objects.order_by("pk").values_list("event", "changes", "data"))
    assert entries == [
        ("counterparty.added", {"name": [None, "Contoso"]}, {"process": process_a.pk}),
        (
            "counterparty.removed",
            {"name": ["Contoso", None]},
            {"process": process_a.pk, "source": "added"},
        ),
        ("counterparty.imported", {}, {"rows": 2, "added": 2, "already_known": 0}),
    ]
    assert {e.engagement_id for e in AuditEntry.objects.all()} == {world.engagement_a.pk}


# --- the page -----------------------------------------------------------------------------------


def test_page_lists_and_consultants_add_import_and_remove(process_a, world):
    url = f"/processes/{process_a.pk}/counterparties/"
    KnownCounterparty.objects.create(process=process_a, name="Contoso", source="dataset")
    page = browser(world.consultant).get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Contoso" in body and "Evaluation dataset" in body and "Import names" in body

    added = browser(world.consultant).post(url, {"form": "add", "name": "Litware"}, follow=True)
    assert "“Litware” is known from now on." in added.content.decode()
    duplicate = browser(world.consultant).post(url, {"form": "add", "name": "Litware"})
    assert duplicate.status_code == 409
    assert "already known" in duplicate.content.decode()

    imported = browser(world.consultant).post(
        url, {"form": "import", "file": _csv("name\nFabrikam\nContoso\n")}, follow=True
    )
    assert "2 row(s): 1 name(s) added, 1 already known." in imported.content.decode()
    refused = browser(world.consultant).post(url, {"form": "import", "file": _csv("name\n\n,\n")})
    assert refused.status_code == 400

    litware = KnownCounterparty.objects.get(name="Litware")
    browser(world.consultant).post(f"/counterparties/{litware.pk}/remove/")
    assert set(_names(process_a)) == {"Contoso", "Fabrikam"}


def test_page_shows_the_bad_rows_of_a_refused_import(process_a, world):
    url = f"/processes/{process_a.pk}/counterparties/"
    page = browser(world.consultant).post(
        url, {"form": "import", "file": _csv("name,city\nA,Lyon\n,Oslo\n")}
    )
    assert page.status_code == 400
    assert "line 3 (row 2): name: is required" in page.content.decode()
    assert _names(process_a) == {}


def test_page_is_read_only_for_operators_and_sponsors(process_a, world):
    url = f"/processes/{process_a.pk}/counterparties/"
    known = KnownCounterparty.objects.create(process=process_a, name="Contoso")
    for user in (world.operator_a, world.sponsor_a):
        page = browser(user).get(url)
        assert page.status_code == 200
        assert "Contoso" in page.content.decode() and "Import names" not in page.content.decode()
        assert browser(user).post(url, {"form": "add", "name": "X"}).status_code == 403
        assert browser(user).post(f"/counterparties/{known.pk}/remove/").status_code == 403
    assert _names(process_a) == {"Contoso": "live"}


def test_playbook_page_links_to_the_list(process_a, playbook_a, world):
    page = browser(world.sponsor_a).get(f"/processes/{process_a.pk}/playbook/")
    assert f"/processes/{process_a.pk}/counterparties/" in page.content.decode()
