"""Import jobs join the shared background-job engine (maestro.lib.jobs): the field `round`
becomes `training_round` (as on dry runs; the column is renamed, its data kept) and the
stored status `pending` becomes `queued`. The API still answers `pending` (see
maestro.training.api.serializers)."""

from django.db import migrations, models

RENAMED = {"pending": "queued"}


def _rename_statuses(apps, schema_editor, renamed):
    ImportJob = apps.get_model("training", "ImportJob")
    for old, new in renamed.items():
        ImportJob.objects.filter(status=old).update(status=new)


def forwards(apps, schema_editor):
    _rename_statuses(apps, schema_editor, RENAMED)


def backwards(apps, schema_editor):
    _rename_statuses(apps, schema_editor, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0004_import_staging"),
    ]

    operations = [
        migrations.RenameField(
            model_name="importjob",
            old_name="round",
            new_name="training_round",
        ),
        migrations.AlterField(
            model_name="importjob",
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
