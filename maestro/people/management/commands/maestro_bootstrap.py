"""`manage.py maestro_bootstrap`: the first staff account of a new installation.

Everything after it happens in pages or the API: the staff account adds clients
(POST /api/clients/) and invites their consultants, who invite operators and sponsors.
"""

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from maestro.exceptions import DomainError
from maestro.people.services import staff_bootstrap

PASSWORD_ENV = "MAESTRO_BOOTSTRAP_PASSWORD"


class Command(BaseCommand):
    help = (
        "Create the first staff account (staff and superuser). The password comes from "
        f"${PASSWORD_ENV} or is asked for twice; the password rules apply. Refused once a "
        "staff account exists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", help="Log-in name (asked for when missing).")
        parser.add_argument("--email", help="E-mail address (asked for when missing).")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--no-input",
            action="store_false",
            dest="interactive",
            help=f"Never prompt: --username, --email and ${PASSWORD_ENV} are required.",
        )

    def handle(self, *args, username, email, first_name, last_name, interactive, **options):
        username = username or self._ask("Username", interactive)
        email = email or self._ask("E-mail address", interactive)
        password = os.environ.get(PASSWORD_ENV, "")
        while True:
            if not password:
                password = self._password(interactive)
            try:
                user = staff_bootstrap(
                    username=username,
                    email=email,
                    password=password,
                    first_name=first_name,
                    last_name=last_name,
                )
            except DomainError as exc:
                raise CommandError(exc.message) from None
            except ValidationError as exc:
                errors = exc.message_dict
                problems = "\n".join(
                    f"  {field}: {message}"
                    for field, messages in errors.items()
                    for message in messages
                )
                # Only a password problem is worth asking again for; anything else is an
                # argument to fix.
                if interactive and set(errors) == {"password"} and PASSWORD_ENV not in os.environ:
                    self.stderr.write(f"The password was refused:\n{problems}")
                    password = ""
                    continue
                raise CommandError(f"Nothing was created:\n{problems}") from None
            break
        self.stdout.write(
            self.style.SUCCESS(
                f"Created staff account {user.get_username()} <{user.email}>. Log in, add a client "
                "(POST /api/clients/) and invite its people from the People page."
            )
        )

    def _ask(self, label: str, interactive: bool) -> str:
        if not interactive:
            raise CommandError(f"{label} is required with --no-input.")
        return input(f"{label}: ").strip()

    def _password(self, interactive: bool) -> str:
        if not interactive:
            raise CommandError(f"Set ${PASSWORD_ENV} with --no-input.")
        first = getpass.getpass("Password: ")
        second = getpass.getpass("Password (again): ")
        if first != second:
            self.stderr.write("The passwords differ; try again.")
            return self._password(interactive)
        return first
