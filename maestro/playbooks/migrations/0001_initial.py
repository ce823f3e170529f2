"""EscalationPlaybook, PlaybookVersion and DryRunJob leave runbooks, KnownCounterparty leaves
decisions: the models move, the tables and their rows stay (db_table keeps the old names), so
this migration changes Django's state only. Then decisions 0003 points Decision.playbook_version
here and drops KnownCounterparty from its state, and runbooks 0007 drops the other three.
Content types follow the models (admin log entries and permissions refer to them)."""

import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models

MOVED = {
    "runbooks": ["escalationplaybook", "playbookversion", "dryrunjob"],
    "decisions": ["knowncounterparty"],
}


def _move_content_types(apps, *, forward: bool) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for old_label, models_ in MOVED.items():
        source, target = (old_label, "playbooks") if forward else ("playbooks", old_label)
        for model in models_:
            # A row already under the target label (a database that went back and forth) wins;
            # the stale one is left for remove_stale_contenttypes.
            if ContentType.objects.filter(app_label=target, model=model).exists():
                continue
            ContentType.objects.filter(app_label=source, model=model).update(app_label=target)


def content_types_forward(apps, schema_editor) -> None:
    _move_content_types(apps, forward=True)


def content_types_backward(apps, schema_editor) -> None:
    _move_content_types(apps, forward=False)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("decisions", "0002_initial"),
        ("mapping", "0001_initial"),
        ("runbooks", "0006_version_rendering_backfill"),
        ("training", "0002_import_job_progress"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="EscalationPlaybook",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("process", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="playbook", to="mapping.process")),
                    ],
                    options={
                        "db_table": "runbooks_escalationplaybook",
                        "ordering": ["process_id"],
                    },
                ),
                migrations.CreateModel(
                    name="PlaybookVersion",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("number", models.PositiveIntegerField(verbose_name="version")),
                        ("default_threshold", models.DecimalField(decimal_places=2, default=Decimal("0.80"), max_digits=3, verbose_name="default confidence threshold")),
                        ("rules", models.JSONField(default=list, verbose_name="rules")),
                        ("sla_minutes", models.PositiveIntegerField(default=240, verbose_name="review SLA (minutes)")),
                        ("escalation_chain", models.JSONField(blank=True, default=list, verbose_name="escalation chain (user ids)")),
                        ("message", models.CharField(blank=True, max_length=300, verbose_name="what changed")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("created_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("playbook", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="versions", to="playbooks.escalationplaybook")),
                    ],
                    options={
                        "db_table": "runbooks_playbookversion",
                        "ordering": ["playbook_id", "-number"],
                        "constraints": [models.UniqueConstraint(fields=("playbook", "number"), name="playbook_version_number_unique"), models.CheckConstraint(condition=models.Q(("default_threshold__gte", 0), ("default_threshold__lte", 1)), name="playbook_version_threshold_0_1")],
                    },
                ),
                migrations.CreateModel(
                    name="DryRunJob",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("status", models.CharField(choices=[("queued", "Queued"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")], default="queued", max_length=20, verbose_name="status")),
                        ("cases_total", models.PositiveIntegerField(default=0)),
                        ("cases_done", models.PositiveIntegerField(default=0)),
                        ("result", models.JSONField(blank=True, null=True)),
                        ("error", models.CharField(blank=True, max_length=500)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("requested_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("training_round", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="playbook_dry_runs", to="training.traininground")),
                        ("version", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="dry_runs", to="playbooks.playbookversion")),
                    ],
                    options={
                        "db_table": "runbooks_dryrunjob",
                        "ordering": ["-created_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="KnownCounterparty",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=200)),
                        ("first_seen_at", models.DateTimeField(auto_now_add=True)),
                        ("process", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="known_counterparties", to="mapping.process")),
                    ],
                    options={
                        "db_table": "decisions_knowncounterparty",
                        "constraints": [models.UniqueConstraint(fields=("process", "name"), name="known_counterparty_unique_per_process")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_forward, content_types_backward),
    ]
