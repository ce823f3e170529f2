"""Skill transfer's services: `plans` (plans, competencies, stance steps), `check_ins`
(scheduling on Celery, reminders, missed flags, recording, follow-ups, calendar feeds) and
`shadow` (shadow reviews)."""
