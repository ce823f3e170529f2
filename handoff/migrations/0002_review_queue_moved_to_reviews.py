"""The review queue's models now live in maestro.reviews (its 0001 takes them over in state).

State only: the tables stay (maestro.reviews keeps their names), so no row is dropped.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('handoff', '0001_initial'),
        ('reviews', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='ReviewTaskEvent'),
                migrations.DeleteModel(name='EdgeCase'),
                migrations.DeleteModel(name='ReviewTask'),
            ],
            database_operations=[],
        ),
    ]
