"""The consultant edits a process map in a real browser and the diagram follows."""

import pytest
from playwright.sync_api import Page, expect

from maestro.demo.seed import demo_seed
from maestro.mapping.models import Step
from tests.browser.test_journey import ENGAGEMENT, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAP_SCREENSHOT = "/tmp/maestro-map.png"


def test_consultant_edits_the_procurement_map(live_server, page: Page):
    demo_seed()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # The refused edits below answer 400/409 on purpose; Chromium logs those as "Failed to load
    # resource". Any other console error, or an uncaught exception, fails the journey.
    page.on(
        "console",
        lambda msg: (
            msg.type == "error"
            and not msg.text.startswith("Failed to load resource")
            and errors.append(msg.text)
        ),
    )

    page.goto(live_server.url + "/login/")
    log_in(page, "maria")
    page.get_by_role("link", name=ENGAGEMENT).click()
    maps = page.get_by_role("table", name="Process maps with their summary counts")
    expect(maps.get_by_role("row", name="Procurement approval")).to_contain_text("11")
    maps.get_by_role("link", name="Procurement approval").click()

    diagram = page.locator("#map-diagram svg")
    expect(diagram).to_contain_text("Actual (what people do)")
    expect(diagram.locator("g.informal")).to_have_count(3)
    expect(diagram.locator(".marker-decision")).to_have_count(2)
    actual = page.locator(".flow-editor[data-flow=actual]")
    rows = actual.locator("li[data-step-id]")
    expect(rows).to_have_count(11)

    # Steps read as compact rows; a row's Edit opens its form (a <details>, no script needed).
    first = rows.nth(0)
    expect(first.get_by_label("Name")).to_be_hidden()
    first.get_by_text("Edit").click()
    # Rename the first actual step: the diagram redraws with the new name.
    first.get_by_label("Name").fill("Requester phones procurement")
    first.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(diagram).to_contain_text("1. Requester phones procurement")

    # A blank name is refused beside the field, and nothing is added.
    add = actual.locator("form.add-step-form")
    actual.get_by_text("Add an actual step").first.click()
    add.get_by_role("button", name="Add actual step").click()
    expect(add.locator(".field-error[data-error-for=name]")).to_contain_text("may not be blank")
    expect(rows).to_have_count(11)

    # Add an informal step, then move it up one place.
    add.get_by_label("Name").fill("Chase the CFO by phone")
    add.get_by_label("System").fill("Phone")
    add.get_by_label("Informal").check()
    add.get_by_role("button", name="Add actual step").click()
    expect(page.get_by_role("status")).to_have_text("Added “Chase the CFO by phone”.")
    expect(rows).to_have_count(12)
    expect(diagram).to_contain_text("12. Chase the CFO by phone")
    actual.locator("li", has_text="Chase the CFO by phone").get_by_text("Edit").click()
    expect(diagram.locator("g.informal")).to_have_count(4)
    page.get_by_role("button", name="Move “Chase the CFO by phone” up").click()
    expect(page.get_by_role("status")).to_have_text("Moved the step.")
    expect(diagram).to_contain_text("11. Chase the CFO by phone")
    expect(rows.nth(10).get_by_label("Name")).to_have_value("Chase the CFO by phone")

    # Mark the new step as a decision point: the diagram gets a third diamond. Then remove it.
    new_row = actual.locator(
        "li", has=page.get_by_role("button", name="Delete “Chase the CFO by phone”")
    )
    new_row.get_by_text("Add a decision point").click()
    new_row.get_by_label("Decision type").select_option(
        label="approve purchase order (review below threshold)"
    )
    new_row.get_by_label("Inputs looked at (comma-separated)").fill("amount, supplier")
    new_row.get_by_role("button", name="Add decision point to “Chase the CFO by phone”").click()
    expect(page.get_by_role("status")).to_have_text("Added the decision point.")
    expect(diagram.locator(".marker-decision")).to_have_count(3)
    assert list(
        Step.objects.get(name="Chase the CFO by phone").decision_points.values_list(
            "inputs", flat=True
        )
    ) == [["amount", "supplier"]]
    page.get_by_role(
        "button",
        name="Remove decision point “approve purchase order” from “Chase the CFO by phone”",
    ).click()
    expect(page.get_by_role("status")).to_have_text("Removed the decision point.")
    expect(diagram.locator(".marker-decision")).to_have_count(2)

    # A step that is a decision point cannot be deleted; the reason shows in its row.
    approval = actual.locator("li[data-step-id]", has_text="Line manager approves on WhatsApp")
    approval.get_by_text("Edit").click()
    approval.get_by_role("button", name="Delete").click()
    expect(approval.locator(".step-form .row-error")).to_contain_text("is a decision point")

    # The new step can be deleted; the summary follows.
    page.get_by_role("button", name="Delete “Chase the CFO by phone”").click()
    expect(page.get_by_role("status")).to_have_text("Deleted the step.")
    expect(rows).to_have_count(11)
    expect(page.locator("#map-summary [data-count=actual]")).to_have_text("11")
    expect(diagram).not_to_contain_text("Chase the CFO")
    page.screenshot(path=MAP_SCREENSHOT, full_page=True)

    orders = list(
        Step.objects.filter(process__name="Procurement approval", flow="actual")
        .order_by("order")
        .values_list("order", flat=True)
    )
    assert orders == list(range(1, 12))
    assert errors == []
