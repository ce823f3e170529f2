"""Pages: reader, editor (with conflicts and preview), history, diff, runs; who sees what."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from runbooks import services
from runbooks.models import Runbook
from tests.engagements.test_views import select, texts
from tests.harness.isolation import OUTSIDERS, assert_hidden

pytestmark = pytest.mark.django_db


def page(name, runbook, **kw):
    return reverse(f"runbooks:{name}", args=[runbook.engagement_id, runbook.slug], **kw)


def login(client, user):
    client.force_login(user)
    return client


def test_engagement_page_links_to_its_runbooks(client, world):
    login(client, world.operator_a)
    r = client.get(reverse("engagements:detail", args=[world.engagement_a.pk]))
    assert reverse("runbooks:list", args=[world.engagement_a.pk]).encode() in r.content


def test_list_and_search(client, world, runbook):
    login(client, world.sponsor_a)
    r = client.get(reverse("runbooks:list", args=[world.engagement_a.pk]))
    assert texts(r, "table a") == ["Monitoring"]
    r = client.get(reverse("runbooks:list", args=[world.engagement_a.pk]) + "?q=nothing-like")
    assert texts(r, "table a") == []
    r = client.get(reverse("runbooks:search") + "?q=drift")
    assert texts(r, ".result-list a") == ["Monitoring"]


def _count_queries(client, url) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        r = client.get(url)
    assert r.status_code == 200
    return len(queries), r


def test_list_reader_and_history_query_counts_do_not_grow_with_rows(client, world, runbook):
    login(client, world.operator_a)
    urls = [
        reverse("runbooks:list", args=[world.engagement_a.pk]),
        runbook.get_absolute_url(),
        page("history", runbook),
    ]
    counts = {}
    for rows in (5, 50):
        start = Runbook.objects.count()
        for i in range(start, start + rows):
            Runbook.objects.create(
                engagement=world.engagement_a, title=f"R{i}", slug=f"r{i}", owner=world.consultant
            )
        for _ in range(min(rows, 18)):  # the reader lists the newest 20 runs
            services.run_start(runbook=runbook, by=world.operator_a)
        head = runbook.head
        for i in range(rows):
            services.runbook_save(
                runbook=runbook,
                title="Monitoring",
                body=runbook.body,
                message=f"m{i}",
                base_version=head + i,
                by=world.consultant,
            )
        counts[rows] = [_count_queries(client, url)[0] for url in urls]
    assert counts[5] == counts[50], counts
    # No more than today (list, reader, history); the list's section navigation asks once
    # whether the viewer is a sponsor only (consultant tooling is hidden from sponsors).
    assert counts[50] <= [7, 10, 8], counts


def test_reader_shows_toc_body_and_runs(client, world, runbook):
    login(client, world.sponsor_a)
    r = client.get(runbook.get_absolute_url())
    assert r.status_code == 200
    assert texts(r, "nav.runbook-toc a") == ["Every morning"]
    assert "Read yesterday's accuracy" in texts(r, ".runbook-body")[0]
    assert texts(r, ".runbook-body a.runbook-link.missing") == []  # [[escalation]] is a span
    assert texts(r, ".runbook-body .runbook-link.missing") == ["escalation"]
    # Sponsors read: no edit, no run button.
    assert not select(r, f'a[href="{page("edit", runbook)}"]')
    assert not select(r, f'form[action="{page("run-start", runbook)}"]')


def test_reader_shows_the_published_version_and_flags_newer_ones(client, world, runbook):
    services.runbook_save(
        runbook=runbook,
        title="Monitoring",
        body="# Rewritten",
        message="m",
        base_version=1,
        by=world.operator_a,
    )
    login(client, world.consultant)
    r = client.get(runbook.get_absolute_url())
    assert "Read yesterday's accuracy" in texts(r, ".runbook-body")[0]
    assert "Version 2 is not published yet" in texts(r, ".notice")[0]
    assert select(r, f'form[action="{page("publish", runbook)}"]')
    r = client.get(runbook.get_absolute_url() + "?version=2")
    assert texts(r, ".runbook-body h1") == ["Rewritten¶"]


def test_operator_edit_is_saved_as_a_proposal(client, world, runbook):
    login(client, world.operator_a)
    r = client.get(page("edit", runbook))
    assert r.status_code == 200
    assert "saved as a proposal" in texts(r, ".lede")[0]
    r = client.post(
        page("edit", runbook),
        {"base_version": 1, "title": "Monitoring", "body": "- [ ] new", "message": "Simplify"},
    )
    assert r.status_code == 302
    version = runbook.versions.get(number=2)
    assert version.proposed and version.author == world.operator_a
    runbook.refresh_from_db()
    assert runbook.published_version.number == 1


def test_edit_over_a_newer_version_shows_both_and_keeps_my_text(client, world, runbook):
    services.runbook_save(
        runbook=runbook,
        title="Monitoring",
        body="their text",
        message="theirs",
        base_version=1,
        by=world.consultant,
    )
    login(client, world.operator_a)
    r = client.post(
        page("edit", runbook),
        {"base_version": 1, "title": "Monitoring", "body": "my <b>text</b>", "message": "mine"},
    )
    assert r.status_code == 409
    assert "Someone saved version 2" in texts(r, ".conflict h2")[0]
    assert "their text" in texts(r, ".conflict table.diff")[0]
    assert select(r, "textarea[name=body]")[0].text.strip() == "my <b>text</b>"
    assert select(r, "input[name=base_version]")[0].get("value") == "2"
    assert not select(r, ".conflict table.diff b")  # my text is escaped in the diff
    runbook.refresh_from_db()
    assert runbook.head == 2


def test_preview_renders_sanitised_html(client, world, runbook):
    login(client, world.operator_a)
    url = reverse("runbooks:preview", args=[world.engagement_a.pk])
    r = client.post(url, {"body": "## Hi\n<script>x</script>[a](javascript:alert(1))"})
    assert r.status_code == 200
    assert b"<h2" in r.content and b"<script" not in r.content and b"javascript" not in r.content
    assert client.get(url).status_code == 405


def test_history_diff_restore_publish(client, world, runbook):
    services.runbook_save(
        runbook=runbook,
        title="Monitoring",
        body="- [ ] only step",
        message="Shorter",
        base_version=1,
        by=world.consultant,
    )
    login(client, world.consultant)
    r = client.get(page("history", runbook))
    assert [t.split()[0] for t in texts(r, "tbody td:first-child")] == ["v2", "v1"]
    r = client.get(page("diff", runbook) + "?old=1&new=2")
    assert r.status_code == 200
    assert "only step" in texts(r, "table.diff")[0]
    r = client.post(page("restore", runbook), {"version": 1, "base_version": 2})
    assert r.status_code == 302
    assert runbook.versions.get(number=3).restored_from == 1
    r = client.post(page("publish", runbook), {"version": 3})
    runbook.refresh_from_db()
    assert runbook.published_version.number == 3


def test_restore_of_a_version_that_is_not_a_number_is_refused_with_a_message(
    client, world, runbook
):
    login(client, world.consultant)
    r = client.post(page("restore", runbook), {"version": "one", "base_version": "1"}, follow=True)
    assert r.status_code == 200
    assert "There is no version 0." in [str(m) for m in r.context["messages"]]
    assert runbook.versions.count() == 1  # nothing restored


def test_run_page_journey(client, world, runbook):
    login(client, world.operator_a)
    r = client.post(page("run-start", runbook))
    run = runbook.runs.get()
    assert r.status_code == 302 and r.url == run.get_absolute_url()
    r = client.get(run.get_absolute_url())
    assert len(select(r, "ol.checklist li")) == 3
    for step in run.steps.all():
        client.post(
            reverse("runbooks:run-step", args=[run.pk, step.pk]), {"done": "on", "note": "ok"}
        )
    r = client.get(run.get_absolute_url())
    assert all("Ticked by" in t for t in texts(r, "ol.checklist li"))
    client.post(reverse("runbooks:run-finish", args=[run.pk]), {"action": "complete"})
    run.refresh_from_db()
    assert run.status == "completed"


# --- who may do what --------------------------------------------------------------------------


def _pages(runbook, run, step):
    e = runbook.engagement_id
    return {
        "get": [
            reverse("runbooks:list", args=[e]),
            runbook.get_absolute_url(),
            page("history", runbook),
            page("diff", runbook) + "?old=1&new=1",
            page("edit", runbook),
            reverse("runbooks:new", args=[e]),
            run.get_absolute_url(),
        ],
        "post": [
            (page("edit", runbook), {"base_version": 1, "title": "T", "body": "", "message": "m"}),
            (reverse("runbooks:preview", args=[e]), {"body": "x"}),
            (page("restore", runbook), {"version": 1, "base_version": 1}),
            (page("publish", runbook), {}),
            (page("retire", runbook), {}),
            (page("run-start", runbook), {}),
            (reverse("runbooks:run-step", args=[run.pk, step.pk]), {"done": "on"}),
            (reverse("runbooks:run-finish", args=[run.pk]), {"action": "abandon", "note": "x"}),
            (reverse("runbooks:new", args=[e]), {"title": "T", "slug": "t", "kind": "operating"}),
        ],
    }


@pytest.mark.parametrize("who", OUTSIDERS)
def test_other_tenant_gets_404_on_every_page_and_changes_nothing(client, world, runbook, who):
    run = services.run_start(runbook=runbook, by=world.operator_a)
    step = run.steps.first()
    login(client, getattr(world, who))
    pages = _pages(runbook, run, step)
    assert_hidden(client, [("get", url) for url in pages["get"]])
    assert_hidden(client, [("post", url, data) for url, data in pages["post"]])
    assert (
        client.get(reverse("runbooks:search") + "?q=monitoring").content.count(b"Monitoring") == 0
    )
    runbook.refresh_from_db()
    step.refresh_from_db()
    assert (runbook.head, runbook.runs.count(), step.done) == (1, 1, False)


def test_sponsor_reads_but_gets_403_on_writes(client, world, runbook):
    run = services.run_start(runbook=runbook, by=world.operator_a)
    step = run.steps.first()
    login(client, world.sponsor_a)
    pages = _pages(runbook, run, step)
    for url in pages["get"]:
        expected = 403 if url.endswith(("/edit/", "/new/")) else 200
        assert client.get(url).status_code == expected, url
    for url, data in pages["post"]:
        assert client.post(url, data).status_code == 403, url
    runbook.refresh_from_db()
    step.refresh_from_db()
    assert (runbook.head, runbook.runs.count(), step.done) == (1, 1, False)


def test_operator_cannot_publish_retire_or_create(client, world, runbook):
    login(client, world.operator_a)
    assert client.post(page("publish", runbook)).status_code == 403
    assert client.post(page("retire", runbook)).status_code == 403
    assert client.get(reverse("runbooks:new", args=[world.engagement_a.pk])).status_code == 403


def test_anonymous_is_sent_to_login(client, runbook):
    r = client.get(runbook.get_absolute_url())
    assert r.status_code == 302 and "/login/" in r.url


def test_consultant_retires_once_runs_are_finished(client, world, runbook):
    run = services.run_start(runbook=runbook, by=world.operator_a)
    login(client, world.consultant)
    r = client.post(page("retire", runbook), follow=True)
    assert "Finish or abandon the runs" in texts(r, ".messages")[0]
    services.run_abandon(run=run, by=world.operator_a, note="x")
    r = client.post(page("retire", runbook), follow=True)
    assert "Retired" in texts(r, ".messages")[0]
    runbook.refresh_from_db()
    assert runbook.status == "retired"
    assert not select(r, f'a[href="{page("edit", runbook)}"]')


def test_consultant_creates_a_runbook_about_a_process(client, world):
    from tests.mapping.factories import ProcessFactory

    own = ProcessFactory(engagement=world.engagement_a, name="Ticket routing")
    ProcessFactory(engagement=world.engagement_b, name="Beta process")
    login(client, world.consultant)
    url = reverse("runbooks:new", args=[world.engagement_a.pk])
    assert texts(client.get(url), "select[name=process] option") == [
        "Not about one process",
        "Ticket routing",
    ]
    r = client.post(
        url, {"title": "Routing", "slug": "routing", "kind": "operating", "process": own.pk}
    )
    assert r.status_code == 302
    runbook = Runbook.objects.get(slug="routing")
    assert runbook.process == own
    assert "Ticket routing" in texts(client.get(r.url), ".page-head p.muted")[0]
