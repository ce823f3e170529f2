from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from maestro.system.models import WorkerHeartbeat

# Beat fires the heartbeat every minute; three missed beats means something is down.
STALE_AFTER = timedelta(minutes=3)


def system_status() -> dict:
    heartbeats = list(WorkerHeartbeat.objects.all()[:10])
    now = timezone.now()
    return {
        "database": connection.vendor,
        "broker": (settings.CELERY_BROKER_URL or "").split("://", 1)[0],
        "workers": [
            {
                "worker": h.worker,
                "last_seen_at": h.last_seen_at,
                "beats": h.beats,
                "alive": now - h.last_seen_at < STALE_AFTER,
            }
            for h in heartbeats
        ],
    }
