"""Recompute the daily scores of a process, or of every process of an engagement, over a range
of the client's local days: for backfills (a process scored for the first time) and after
fixing bad feedback. Replaces those days' rows; the late-outcome cursors do not move.

manage.py monitoring_rescore --process 7 --from 2026-01-01 --to 2026-01-31
manage.py monitoring_rescore --engagement 3 --from 2026-01-01 --to 2026-03-31
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from maestro.engagements.models import Engagement
from maestro.mapping.models import Process
from maestro.monitoring.services.scoring import RESCORE_MAX_DAYS, days_rescore

BAR_WIDTH = 30


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"“{value}” is not a date: use YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = "Recompute daily scores of a process or an engagement over a date range."

    def add_arguments(self, parser):
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--process", type=int, help="A process id.")
        scope.add_argument("--engagement", type=int, help="An engagement id: all its processes.")
        parser.add_argument("--from", dest="day_from", required=True, help="YYYY-MM-DD, local.")
        parser.add_argument("--to", dest="day_to", required=True, help="YYYY-MM-DD, included.")

    def handle(self, *args, process, engagement, day_from, day_to, **options):
        first, last = _day(day_from), _day(day_to)
        if last < first:
            raise CommandError("--to is before --from.")
        span = (last - first).days + 1
        if span > RESCORE_MAX_DAYS:
            raise CommandError(
                f"At most {RESCORE_MAX_DAYS} days at once ({span} asked): split the range."
            )
        if process is not None:
            found = Process.objects.select_related("engagement__client").filter(pk=process).first()
            if found is None:
                raise CommandError(f"No process {process}.")
            target, process_ids = found.engagement, [found.pk]
        else:
            target = Engagement.objects.select_related("client").filter(pk=engagement).first()
            if target is None:
                raise CommandError(f"No engagement {engagement}.")
            process_ids = list(target.processes.values_list("pk", flat=True))
        done = 0

        def progress(days: int) -> None:
            nonlocal done
            done += days
            filled = BAR_WIDTH * done // span
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            self.stderr.write(
                f"\rrescoring [{bar}] {done / span:6.1%} {done}/{span} days", ending=""
            )
            self.stderr.flush()

        result = days_rescore(
            engagement=target,
            process_ids=process_ids,
            day_from=first,
            day_to=last,
            on_progress=progress,
        )
        self.stderr.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"Rescored {len(process_ids)} process(es) over {span} day(s) "
                f"({target.client.time_zone}): {result.rows} row(s) written."
            )
        )
