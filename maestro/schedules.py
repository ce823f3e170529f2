"""Every periodic job, in one place. django-celery-beat's DatabaseScheduler syncs these into
its tables at start-up, so the admin shows them and two beats agree on one schedule."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # * * * * *  — every minute: proves worker and beat are alive (system status page).
    "system-heartbeat": {
        "task": "maestro.system.tasks.system_heartbeat_record_task",
        "schedule": crontab(),
    },
    # * * * * *  — every minute: open review tasks past their SLA move one step up the chain.
    "review-tasks-escalate-overdue": {
        "task": "maestro.reviews.tasks.review_tasks_escalate_overdue_task",
        "schedule": crontab(),
    },
    # * * * * *  — every minute: pending webhook deliveries whose message was lost are re-sent.
    "webhook-deliveries-retry-due": {
        "task": "maestro.webhooks.tasks.webhook_deliveries_retry_due_task",
        "schedule": crontab(),
    },
    # */5 * * * *  — import jobs and dry runs whose worker died are failed with a reason;
    # those whose message was lost are sent again.
    "import-jobs-recover": {
        "task": "maestro.training.tasks.import_jobs_recover_task",
        "schedule": crontab(minute="*/5"),
    },
    "dry-run-jobs-recover": {
        "task": "maestro.playbooks.tasks.dry_run_jobs_recover_task",
        "schedule": crontab(minute="*/5"),
    },
    # */5 * * * *  — handoff PDF generations whose worker died are failed with a reason (most
    # are failed at once by the worker itself; this catches a worker that vanished whole);
    # those whose message was lost are sent again.
    "handoff-documents-recover": {
        "task": "handoff.tasks_documents.handoff_documents_recover_task",
        "schedule": crontab(minute="*/5"),
    },
    # 7 * * * *  — hourly: each live engagement scores its client's yesterday (in the client's
    # time zone, so every zone's day is scored soon after it ends) and the late outcomes' days.
    # Re-running is idempotent.
    "monitoring-scoring": {
        "task": "maestro.monitoring.tasks.scoring_runs_enqueue_task",
        "schedule": crontab(minute=7),
    },
    # 5 * * * *  — hourly: engagements whose client has reached its local Monday 07:00 (or is
    # later that Monday) get the week's edge-case review tasks and summary e-mail, once each.
    "monitoring-weekly-reviews": {
        "task": "maestro.monitoring.tasks_weekly.weekly_reviews_fan_out_task",
        "schedule": crontab(minute=5),
    },
    # */5 * * * *  — every 5 minutes: each skill-transfer plan's next check-in is made (14 days
    # ahead), reminders go out `reminder_minutes` before (at most 5 minutes late: a reminder
    # a day or an hour ahead needs no finer step, and the run is a few batched queries), and
    # check-ins past their grace period are flagged missed. Re-running is idempotent.
    "handoff-check-ins": {
        "task": "handoff.tasks.check_ins_run_task",
        "schedule": crontab(minute="*/5"),
    },
}
