"""The counterparties of every process's evaluation datasets become known, so a supplier of the
training history is no longer routed to a human as new on its first live decision. Names known
before keep their source."""

from django.db import migrations

BATCH = 2000


def seed_from_datasets(apps, schema_editor):
    EvaluationCase = apps.get_model("training", "EvaluationCase")
    KnownCounterparty = apps.get_model("playbooks", "KnownCounterparty")
    pairs = (
        EvaluationCase.objects.exclude(counterparty="")
        .values_list("dataset__process_id", "counterparty")
        .order_by()
        .distinct()
    )
    batch = []
    for process_id, name in pairs.iterator(chunk_size=BATCH):
        batch.append(KnownCounterparty(process_id=process_id, name=name, source="dataset"))
        if len(batch) == BATCH:
            KnownCounterparty.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    KnownCounterparty.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("playbooks", "0003_known_counterparty_sources"),
        ("training", "0005_import_job_shared_engine"),
    ]

    operations = [migrations.RunPython(seed_from_datasets, migrations.RunPython.noop)]
