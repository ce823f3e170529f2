from django.db.models import F
from django.utils import timezone

from maestro.system.models import WorkerHeartbeat


def system_heartbeat_record(*, worker: str) -> WorkerHeartbeat:
    """Record that `worker` is alive. Safe to run twice: it only moves the timestamp forward."""
    now = timezone.now()
    heartbeat, created = WorkerHeartbeat.objects.get_or_create(
        worker=worker, defaults={"last_seen_at": now, "beats": 1}
    )
    if not created:
        WorkerHeartbeat.objects.filter(pk=heartbeat.pk).update(
            last_seen_at=now, beats=F("beats") + 1
        )
        heartbeat.refresh_from_db()
    return heartbeat
