import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maestro.settings")

app = Celery("maestro")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _install_beat_schedule(sender: Celery, **kwargs) -> None:
    # Imported late: the schedule module imports crontab helpers only.
    from maestro.schedules import BEAT_SCHEDULE

    sender.conf.beat_schedule = BEAT_SCHEDULE
