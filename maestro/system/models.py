from django.db import models


class WorkerHeartbeat(models.Model):
    """Last time a Celery worker ran the beat-scheduled heartbeat; one row per worker host."""

    worker = models.CharField(max_length=255, unique=True)
    last_seen_at = models.DateTimeField()
    beats = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"{self.worker} @ {self.last_seen_at:%Y-%m-%d %H:%M:%S}"
