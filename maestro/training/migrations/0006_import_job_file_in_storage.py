"""Import uploads are kept in Django's STORAGES["default"] (local media or object storage)
instead of at a filesystem path: `file_path` (an absolute path) becomes `file`, a FileField
holding the storage name. Jobs still waiting keep their upload (its path, made relative to
MEDIA_ROOT); finished jobs had theirs removed already, so their name is cleared."""

from pathlib import Path

from django.conf import settings
from django.db import migrations, models

UNFINISHED = ("queued", "running")


def forwards(apps, schema_editor):
    ImportJob = apps.get_model("training", "ImportJob")
    ImportJob.objects.exclude(status__in=UNFINISHED).exclude(file="").update(file="")
    media = Path(settings.MEDIA_ROOT).resolve()
    for job in ImportJob.objects.filter(status__in=UNFINISHED).exclude(file=""):
        path = Path(job.file.name)
        if path.is_absolute() and path.resolve().is_relative_to(media):
            job.file = str(path.resolve().relative_to(media))
            job.save(update_fields=["file"])


def backwards(apps, schema_editor):
    ImportJob = apps.get_model("training", "ImportJob")
    media = Path(settings.MEDIA_ROOT).resolve()
    for job in ImportJob.objects.filter(status__in=UNFINISHED).exclude(file=""):
        job.file = str(media / job.file.name)
        job.save(update_fields=["file"])


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0005_import_job_shared_engine"),
    ]

    operations = [
        migrations.RenameField(model_name="importjob", old_name="file_path", new_name="file"),
        migrations.AlterField(
            model_name="importjob",
            name="file",
            field=models.FileField(blank=True, max_length=500, upload_to="training-imports/"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
