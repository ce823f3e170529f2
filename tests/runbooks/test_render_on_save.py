"""A version is rendered once, when it is saved, under a time limit; reads never render and
still show runbook links as they are now."""

import time

import markdown
import pytest
from django.urls import reverse

from runbooks import guard, rendering, services
from runbooks.models import Runbook, RunbookVersion
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_render(monkeypatch):
    """Any Markdown rendering in this process fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("rendered on a read")

    monkeypatch.setattr(markdown.Markdown, "convert", refuse)
    monkeypatch.setattr(rendering, "render_body", refuse)
    monkeypatch.setattr(guard, "render_guarded", refuse)
    monkeypatch.setattr("runbooks.selectors.render_guarded", refuse)


def save(runbook, by, body, title=None):
    return services.runbook_save(
        runbook=runbook,
        title=title or runbook.title,
        body=body,
        message="edit",
        base_version=runbook.head,
        by=by,
    )


def test_saving_stores_the_sanitised_rendering(world, runbook):
    version = save(runbook, world.consultant, "## Steps\n\n<script>x</script>*done*")
    stored = RunbookVersion.objects.get(pk=version.pk)
    assert '<h2 id="h-steps">' in stored.html and "<em>done</em>" in stored.html
    assert "<script" not in stored.html
    assert "#h-steps" in stored.toc


def test_reads_never_render(world, runbook, client, no_render):
    api = client_for(world.sponsor_a)
    r = api.get(f"/api/runbooks/{runbook.pk}/")
    assert r.status_code == 200 and 'id="h-every-morning"' in r.json()["html"]
    r = api.get(f"/api/runbooks/{runbook.pk}/versions/1/")
    assert r.status_code == 200 and "<h2" in r.json()["html"]
    client.force_login(world.sponsor_a)
    r = client.get(reverse("runbooks:detail", args=[runbook.engagement_id, runbook.slug]))
    assert r.status_code == 200 and b'id="h-every-morning"' in r.content


def test_links_follow_runbooks_created_renamed_and_deleted_without_rendering(world, runbook):
    # runbook's body links to [[escalation]], which does not exist yet.
    api = client_for(world.operator_a)

    def links():
        html = api.get(f"/api/runbooks/{runbook.pk}/").json()["html"]
        return html

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(markdown.Markdown, "convert", lambda *a, **k: pytest.fail("rendered"))
        assert '<span class="runbook-link missing">escalation</span>' in links()
    target = services.runbook_create(
        engagement=world.engagement_a,
        title="Escalate",
        slug="escalation",
        body="x",
        by=world.consultant,
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(markdown.Markdown, "convert", lambda *a, **k: pytest.fail("rendered"))
        html = links()
        assert f'<a href="{target.get_absolute_url()}" class="runbook-link"' in html
        assert ">Escalate</a>" in html
    save(target, world.consultant, "y", title="Escalation & handover")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(markdown.Markdown, "convert", lambda *a, **k: pytest.fail("rendered"))
        assert ">Escalation &amp; handover</a>" in links()
        Runbook.objects.filter(pk=target.pk).delete()
        assert '<span class="runbook-link missing">escalation</span>' in links()


def test_a_save_whose_render_is_cut_off_is_refused_and_saves_nothing(world, runbook, settings):
    settings.RUNBOOK_RENDER_TIME_LIMIT = 0  # no child answers in no time
    r = client_for(world.operator_a).post(
        f"/api/runbooks/{runbook.pk}/versions/",
        {"base_version": 1, "title": "T", "body": "# fine", "message": "m"},
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["code"] == "render_too_slow"
    runbook.refresh_from_db()
    assert runbook.head == 1 and runbook.versions.count() == 1


def test_the_preview_goes_through_the_same_guard(client, world, runbook, settings):
    settings.RUNBOOK_RENDER_TIME_LIMIT = 0
    client.force_login(world.operator_a)
    url = reverse("runbooks:preview", args=[world.engagement_a.pk])
    r = client.post(url, {"body": "# fine"})
    assert r.status_code == 400
    assert b'data-code="render_too_slow"' in r.content


@pytest.mark.parametrize(
    "body,code",
    [
        ("> " * 30 + "deep", "body_too_deep"),
        ("[" * 20_000, "body_too_dense"),
    ],
)
def test_refused_shapes_are_a_400_with_a_stable_code_and_save_nothing(world, runbook, body, code):
    r = client_for(world.operator_a).post(
        f"/api/runbooks/{runbook.pk}/versions/",
        {"base_version": 1, "title": "T", "body": body, "message": "m"},
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["code"] == code
    runbook.refresh_from_db()
    assert runbook.head == 1 and runbook.versions.count() == 1


def test_preview_refuses_a_body_over_the_limit(client, world):
    client.force_login(world.operator_a)
    url = reverse("runbooks:preview", args=[world.engagement_a.pk])
    r = client.post(url, {"body": "a" * (rendering.MAX_BODY_CHARS + 1)})
    assert r.status_code == 400 and b'data-code="body_too_long"' in r.content


def test_the_guard_stops_a_long_render_with_a_clear_error():
    # A "render" that would take a minute, stopped after one second.
    with pytest.raises(guard.RenderTooSlow) as stopped:
        guard.run_with_time_limit(time.sleep, 60, seconds=1)
    assert stopped.value.code == "render_too_slow"
    assert "took longer than 1 seconds" in stopped.value.message


def test_the_create_page_shows_a_refused_body_as_a_field_error(client, world):
    client.force_login(world.consultant)
    r = client.post(
        reverse("runbooks:new", args=[world.engagement_a.pk]),
        {"title": "Deep", "slug": "deep", "kind": "operating", "body": "> " * 30 + "x"},
    )
    assert r.status_code == 400
    assert "nested more than" in r.content.decode()
    assert not Runbook.objects.filter(slug="deep").exists()


def test_the_data_migration_renders_versions_saved_before_it(world, runbook):
    from importlib import import_module

    from django.apps import apps

    backfill = import_module("runbooks.migrations.0006_version_rendering_backfill").backfill
    RunbookVersion.objects.create(
        runbook=runbook,
        number=2,
        title="Old",
        body="> " * 30 + "too deep <b>",
        message="saved before the nesting limit",
        author=world.consultant,
    )
    RunbookVersion.objects.filter(runbook=runbook).update(html="", toc="")
    backfill(apps, None)
    first, second = RunbookVersion.objects.filter(runbook=runbook).order_by("number")
    assert 'id="h-every-morning"' in first.html and "#h-every-morning" in first.toc
    assert second.html == "<pre>" + "&gt; " * 30 + "too deep &lt;b&gt;</pre>"
