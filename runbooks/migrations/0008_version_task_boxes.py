"""Re-render the versions whose stored rendering shows task-list items as "[ ]" text, now that
they render as read-only checkboxes."""

from django.db import migrations


def rerender(apps, schema_editor):
    from runbooks import rendering

    RunbookVersion = apps.get_model("runbooks", "RunbookVersion")
    Runbook = apps.get_model("runbooks", "Runbook")
    titles: dict[int, dict[str, str]] = {}
    for version in RunbookVersion.objects.filter(html__contains='class="task-box').iterator():
        engagement_id = Runbook.objects.values_list("engagement_id", flat=True).get(
            pk=version.runbook_id
        )
        if engagement_id not in titles:
            titles[engagement_id] = dict(
                Runbook.objects.filter(engagement_id=engagement_id).values_list("slug", "title")
            )
        try:
            rendered = rendering.render_body(version.body, titles=titles[engagement_id])
        except rendering.RenderRefused:
            continue  # keeps the rendering it has
        # Versions are immutable (RunbookVersion.save refuses); an update writes the rendering.
        RunbookVersion.objects.filter(pk=version.pk).update(html=rendered.html, toc=rendered.toc)


class Migration(migrations.Migration):
    dependencies = [("runbooks", "0007_playbooks_moved")]

    operations = [migrations.RunPython(rerender, migrations.RunPython.noop, elidable=True)]
