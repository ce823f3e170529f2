"""Engagement list API (scoped, filtered, nested) vs a bare DRF list of the same rows."""

from bench.common import Result, interleaved, unique

ROWS = (50, 500)


def run() -> list[Result]:
    from django.test import Client as HttpClient
    from django.test.utils import override_settings

    from maestro.engagements.models import Engagement
    from maestro.tenancy.models import Client, Membership, User

    results = []
    consultant = User.objects.create_user(unique("bench-consultant"), password="x")
    client = Client.objects.create(name=unique("Bench client"), slug=unique("bench-client"))
    Membership.objects.create(user=consultant, client=client, role=Membership.Role.CONSULTANT)
    member = User.objects.create_user(unique("bench-member"))
    Membership.objects.create(user=member, client=client, role=Membership.Role.CONSULTANT)
    http = HttpClient()
    http.force_login(consultant)
    made = 0
    with override_settings(ROOT_URLCONF="bench.urls"):
        for rows in ROWS:
            new = Engagement.objects.bulk_create(
                Engagement(client=client, name=f"Bench {i}", lead=consultant)
                for i in range(made, rows)
            )
            Engagement.members.through.objects.bulk_create(
                Engagement.members.through(engagement_id=e.pk, user_id=member.pk) for e in new
            )
            made = rows
            query = f"?page_size={rows}"

            def ours(query=query, rows=rows):
                r = http.get("/api/engagements/" + query)
                assert r.status_code == 200 and r.json()["count"] == rows

            def bare(query=query, rows=rows):
                r = http.get(f"/bench/bare-engagements/{query}&client={client.pk}")
                assert r.status_code == 200 and r.json()["count"] == rows

            ours_ms, bare_ms = interleaved(ours, bare)
            results.append(Result("engagement list API", f"{rows} rows", ours_ms, bare_ms, 1.2))
    return results
