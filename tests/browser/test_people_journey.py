"""People in a real browser, at a phone's width (390 px): a consultant invites an operator from
the client's People page; the operator opens the mailed link, chooses a password and lands on
the client's engagements; nothing overflows the screen sideways."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from maestro.tenancy.models import Membership
from tests.engagements.factories import EngagementFactory
from tests.people.conftest import GOOD_PASSWORD, LINK
from tests.tenancy.factories import ClientFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def test_an_invited_operator_joins_from_a_phone(live_server, page: Page):
    acme = ClientFactory(name="Acme", slug="acme")
    beta = ClientFactory(name="Beta", slug="beta")
    maria = MembershipFactory(
        client=acme, role=Membership.Role.CONSULTANT, user__username="maria"
    ).user
    maria.set_password(GOOD_PASSWORD)
    maria.save()
    EngagementFactory(client=acme, lead=maria, name="Acme agents")
    EngagementFactory(
        client=beta,
        lead=MembershipFactory(client=beta, role=Membership.Role.CONSULTANT).user,
        name="Beta agents",
    )
    page.set_viewport_size(PHONE)

    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(GOOD_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="People").click()
    page.get_by_role("link", name="Acme").click()
    expect(page.get_by_role("heading", name="People", level=1)).to_be_visible()
    page.get_by_label("E-mail address").fill("olga@example.com")
    page.get_by_label("Role").select_option("operator")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to olga@example.com")).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("not accepted yet"))).to_contain_text(
        "olga@example.com"
    )
    no_sideways_scroll(page)
    page.get_by_role("button", name="Log out").click()

    link = LINK.search(mail.outbox[-1].body).group(1)
    page.goto(live_server.url + link)
    expect(page.get_by_role("heading", name="Join Acme")).to_be_visible()
    no_sideways_scroll(page)
    page.get_by_label("Username").fill("olga")
    page.get_by_label("First name").fill("Olga")
    page.get_by_label("Password", exact=True).fill("password")
    page.get_by_label("Password again").fill("password")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("alert")).to_contain_text("This password is too common")
    page.get_by_label("Password", exact=True).fill(GOOD_PASSWORD)
    page.get_by_label("Password again").fill(GOOD_PASSWORD)
    page.get_by_role("button", name="Create my account").click()

    expect(page.get_by_text("Welcome to Acme: you are operator there.")).to_be_visible()
    expect(page.get_by_role("link", name="Acme agents")).to_be_visible()
    expect(page.get_by_text("Beta agents")).to_have_count(0)
    no_sideways_scroll(page)
    page.get_by_role("link", name="People").click()
    expect(page.get_by_role("table", name=re.compile("People of Acme"))).to_contain_text("Olga")
    no_sideways_scroll(page)
