"""The demo's clients and people: a consultant at both clients, and an operator at each, so the
second client's operator must never see the first's data."""

from maestro.tenancy.models import Client, Membership, User

DEMO_PASSWORD = "maestro-demo"

# (username, first, last, client slug, role) — printed by `make demo`.
DEMO_PEOPLE = [
    ("maria", "Maria", "Consultant", "northwind", Membership.Role.CONSULTANT),
    ("olivia", "Olivia", "Operator", "northwind", Membership.Role.OPERATOR),
    ("sam", "Sam", "Sponsor", "northwind", Membership.Role.SPONSOR),
    ("bruno", "Bruno", "Operator", "globex", Membership.Role.OPERATOR),
]
DEMO_CLIENTS = {"northwind": "Northwind Supplies", "globex": "Globex Logistics"}


def _user(username: str, first: str, last: str) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def people_demo_seed() -> tuple[dict[str, Client], dict[str, User]]:
    """The clients by slug and the people by username; skips what exists."""
    clients = {
        slug: Client.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in DEMO_CLIENTS.items()
    }
    people = {}
    for username, first, last, slug, role in DEMO_PEOPLE:
        people[username] = _user(username, first, last)
        Membership.objects.get_or_create(
            user=people[username], client=clients[slug], defaults={"role": role}
        )
    # Maria also consults for Globex, so both clients have an engagement to isolate.
    Membership.objects.get_or_create(
        user=people["maria"],
        client=clients["globex"],
        defaults={"role": Membership.Role.CONSULTANT},
    )
    return clients, people
