"""EscalationPlaybook, PlaybookVersion and DryRunJob moved to maestro.playbooks (playbooks
0001, which keeps their tables). State only: nothing in the database changes."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("runbooks", "0006_version_rendering_backfill"),
        ("playbooks", "0001_initial"),
        # Decision.playbook_version points at playbooks.PlaybookVersion before the old one goes.
        ("decisions", "0003_playbooks_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="DryRunJob"),
                migrations.DeleteModel(name="PlaybookVersion"),
                migrations.DeleteModel(name="EscalationPlaybook"),
            ],
            database_operations=[],
        ),
    ]
