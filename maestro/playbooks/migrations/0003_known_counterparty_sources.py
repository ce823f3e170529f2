"""Known counterparties say where they are known from (a live decision, an evaluation dataset,
or a consultant) and who added them. Rows known before stay `live`. (The datasets' counterparties
are added by the next migration: PostgreSQL builds this one's index and foreign key at its end,
which it refuses on a table with rows inserted in the same transaction.)"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("playbooks", "0002_dry_run_job_shared_engine"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="knowncounterparty",
            name="added_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="knowncounterparty",
            name="source",
            field=models.CharField(
                choices=[
                    ("live", "First live decision"),
                    ("dataset", "Evaluation dataset"),
                    ("added", "Added by a consultant"),
                ],
                default="live",
                max_length=10,
                verbose_name="known from",
            ),
        ),
        migrations.AlterField(
            model_name="knowncounterparty",
            name="first_seen_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="known since"),
        ),
        migrations.AlterField(
            model_name="knowncounterparty",
            name="name",
            field=models.CharField(max_length=200, verbose_name="name"),
        ),
    ]
