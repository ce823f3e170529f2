"""The review queue's models move from handoff to maestro.reviews without moving a row.

State only: the tables keep their names (`db_table`), so the database is not touched; handoff's
0002 drops the models from handoff's state. The content types follow (admin log entries and
permissions point at them).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ["reviewtask", "reviewtaskevent", "edgecase"]


def _move_content_types(apps, schema_editor, *, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MODELS:
        # A content type the new label already has (created by an earlier migrate run) wins;
        # the old one is then stale.
        if ContentType.objects.using(db).filter(app_label=new, model=model).exists():
            continue
        ContentType.objects.using(db).filter(app_label=old, model=model).update(app_label=new)


def content_types_forward(apps, schema_editor) -> None:
    _move_content_types(apps, schema_editor, old="handoff", new="reviews")


def content_types_backward(apps, schema_editor) -> None:
    _move_content_types(apps, schema_editor, old="reviews", new="handoff")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('decisions', '0001_initial'),
        ('engagements', '0001_initial'),
        ('handoff', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='EdgeCase',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('note', models.TextField(verbose_name='note')),
                        ('flagged_at', models.DateTimeField(auto_now_add=True)),
                        ('reviewed_at', models.DateTimeField(blank=True, null=True)),
                        ('decision', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='edge_cases', to='decisions.decision')),
                        ('engagement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='edge_cases', to='engagements.engagement')),
                        ('flagged_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'ordering': ['-flagged_at', '-pk'],
                        'db_table': 'handoff_edgecase',
                    },
                ),
                migrations.CreateModel(
                    name='ReviewTask',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('escalated_decision', 'Escalated decision'), ('edge_case_review', 'Weekly edge-case review'), ('drift_investigation', 'Drift investigation'), ('runbook_review', 'Runbook review'), ('check_in_follow_up', 'Check-in follow-up')], max_length=30, verbose_name='kind')),
                        ('title', models.CharField(max_length=300, verbose_name='title')),
                        ('status', models.CharField(choices=[('open', 'Open'), ('resolved', 'Resolved'), ('cancelled', 'Cancelled')], default='open', max_length=20, verbose_name='status')),
                        ('due_at', models.DateTimeField(verbose_name='due')),
                        ('escalation_level', models.PositiveSmallIntegerField(default=0)),
                        ('final_outcome', models.CharField(blank=True, max_length=200, verbose_name='final outcome')),
                        ('note', models.TextField(blank=True, verbose_name='note')),
                        ('resolved_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('assignee', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='review_tasks', to=settings.AUTH_USER_MODEL)),
                        ('decision', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='review_task', to='decisions.decision')),
                        ('engagement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='review_tasks', to='engagements.engagement')),
                        ('resolved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'ordering': ['due_at', 'pk'],
                        'db_table': 'handoff_reviewtask',
                    },
                ),
                migrations.CreateModel(
                    name='ReviewTaskEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('assigned', 'Assigned'), ('reassigned', 'Reassigned'), ('escalated', 'Escalated'), ('resolved', 'Resolved')], max_length=20)),
                        ('note', models.TextField(blank=True)),
                        ('at', models.DateTimeField(auto_now_add=True)),
                        ('by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('from_user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('task', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='reviews.reviewtask')),
                        ('to_user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'ordering': ['at', 'pk'],
                        'db_table': 'handoff_reviewtaskevent',
                    },
                ),
                migrations.AddIndex(
                    model_name='reviewtask',
                    index=models.Index(fields=['assignee', 'status', 'due_at'], name='handoff_rev_assigne_4d0437_idx'),
                ),
                migrations.AddIndex(
                    model_name='reviewtask',
                    index=models.Index(fields=['engagement', 'status', 'due_at'], name='handoff_rev_engagem_50d874_idx'),
                ),
    
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_forward, content_types_backward),
    ]
