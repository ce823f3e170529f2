from maestro.celery import app
from maestro.schedules import BEAT_SCHEDULE


def test_every_scheduled_task_names_a_registered_task():
    # A typo in a dotted task name would only show as "unregistered task" in a worker's log.
    app.loader.import_default_modules()
    assert {entry["task"] for entry in BEAT_SCHEDULE.values()} <= set(app.tasks)
    assert {"import-jobs-recover", "dry-run-jobs-recover"} <= set(BEAT_SCHEDULE)
