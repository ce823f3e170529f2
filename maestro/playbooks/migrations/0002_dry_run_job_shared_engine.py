"""Dry-run jobs join the shared background-job engine (maestro.lib.jobs): the stored status
`done` becomes `succeeded`. The API still answers `done` (see
maestro.playbooks.api.serializers)."""

from django.db import migrations, models

RENAMED = {"done": "succeeded"}


def _rename_statuses(apps, schema_editor, renamed):
    DryRunJob = apps.get_model("playbooks", "DryRunJob")
    for old, new in renamed.items():
        DryRunJob.objects.filter(status=old).update(status=new)


def forwards(apps, schema_editor):
    _rename_statuses(apps, schema_editor, RENAMED)


def backwards(apps, schema_editor):
    _rename_statuses(apps, schema_editor, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("playbooks", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="dryrunjob",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("running", "Running"),
                    ("succeeded", "Succeeded"),
                    ("failed", "Failed"),
                ],
                default="queued",
                max_length=20,
                verbose_name="status",
            ),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
