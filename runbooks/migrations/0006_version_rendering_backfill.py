"""Render every existing version once, with the bounded renderer, so reads never render."""

import html

from django.db import migrations


def backfill(apps, schema_editor):
    from runbooks import rendering

    RunbookVersion = apps.get_model("runbooks", "RunbookVersion")
    Runbook = apps.get_model("runbooks", "Runbook")
    titles: dict[int, dict[str, str]] = {}
    for version in RunbookVersion.objects.filter(html="").exclude(body="").iterator():
        engagement_id = Runbook.objects.values_list("engagement_id", flat=True).get(
            pk=version.runbook_id
        )
        if engagement_id not in titles:
            titles[engagement_id] = dict(
                Runbook.objects.filter(engagement_id=engagement_id).values_list("slug", "title")
            )
        try:
            rendered = rendering.render_body(version.body, titles=titles[engagement_id])
            body_html, toc = rendered.html, rendered.toc
        except rendering.RenderRefused:
            # An old body of a shape the renderer now refuses stays readable as plain text.
            body_html, toc = f"<pre>{html.escape(version.body)}</pre>", ""
        # Versions are immutable (RunbookVersion.save refuses); an update writes the rendering.
        RunbookVersion.objects.filter(pk=version.pk).update(html=body_html, toc=toc)


class Migration(migrations.Migration):
    dependencies = [("runbooks", "0005_version_rendering")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
