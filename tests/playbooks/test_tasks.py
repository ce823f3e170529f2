"""Messages queued before the playbook tasks moved out of runbooks carry the old task names;
a worker still runs them."""

from maestro.celery import app


def test_messages_under_the_old_task_names_still_run(monkeypatch):
    app.loader.import_default_modules()
    calls: list = []
    monkeypatch.setattr(
        "maestro.playbooks.services.dry_run_job_run", lambda **kw: calls.append(("run", kw))
    )
    monkeypatch.setattr(
        "maestro.playbooks.services.dry_run_jobs_recover", lambda: calls.append(("recover", {}))
    )
    app.tasks["runbooks.tasks.dry_run_job_run_task"].apply(args=[7])
    app.tasks["runbooks.tasks.dry_run_jobs_recover_task"].apply()
    assert calls == [("run", {"job_id": 7}), ("recover", {})]
