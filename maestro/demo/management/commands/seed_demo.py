from django.core.management.base import BaseCommand

from maestro.demo.people import DEMO_PASSWORD, DEMO_PEOPLE
from maestro.demo.seed import demo_seed


class Command(BaseCommand):
    help = "Load the demo clients, people and engagements (idempotent)."

    def handle(self, *args, **options):
        demo_seed()
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready. Logins (password: {DEMO_PASSWORD}):")
        )
        for username, _first, _last, client, role in DEMO_PEOPLE:
            self.stdout.write(f"  {username:<8} {role.label.lower():<11} at {client}")
