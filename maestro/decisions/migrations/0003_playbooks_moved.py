"""KnownCounterparty moved to maestro.playbooks (playbooks 0001), and Decision.playbook_version
now points at playbooks.PlaybookVersion. State only: the table, its rows and the foreign key
column stay as they are."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("decisions", "0002_initial"),
        ("playbooks", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="decision",
                    name="playbook_version",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="decisions", to="playbooks.playbookversion"),
                ),
                migrations.DeleteModel(name="KnownCounterparty"),
            ],
            database_operations=[],
        ),
    ]
