"""Test keys: AgentApiKey.is_test (and room for the longer `mk_test_…` prefix) and
Decision.is_test. A case ref is unique per process and mode, so one tried with a test key stays
free for the live agent; the new constraint is in place before the old one goes."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("decisions", "0003_playbooks_moved"),
        ("engagements", "0001_initial"),
        ("mapping", "0002_decisiontype_updated_at"),
        ("playbooks", "0002_dry_run_job_shared_engine"),
    ]

    operations = [
        migrations.AddField(
            model_name="agentapikey",
            name="is_test",
            field=models.BooleanField(default=False, verbose_name="test mode"),
        ),
        migrations.AddField(
            model_name="decision",
            name="is_test",
            field=models.BooleanField(default=False, verbose_name="test"),
        ),
        migrations.AlterField(
            model_name="agentapikey",
            name="prefix",
            field=models.CharField(max_length=24, unique=True, verbose_name="prefix"),
        ),
        migrations.AddConstraint(
            model_name="decision",
            constraint=models.UniqueConstraint(
                fields=("process", "is_test", "case_ref"),
                name="decision_case_ref_unique_per_process_and_mode",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="decision",
            name="decision_case_ref_unique_per_process",
        ),
    ]
