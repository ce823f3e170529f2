"""The starter runbooks for the three handoff duties, filled from the engagement.

Process maps and the escalation playbook are not in Maestro yet; once they are, these bodies
can list the engagement's processes and playbook rules too. Pure: no ORM writes.
"""

from dataclasses import dataclass

from maestro.engagements.models import Engagement
from runbooks.models import Runbook


@dataclass(frozen=True)
class Starter:
    slug: str
    title: str
    kind: str
    body: str


def _facts(engagement: Engagement) -> dict[str, str]:
    lead = engagement.lead
    return {
        "engagement": engagement.name,
        "client": engagement.client.name,
        "target": f"{engagement.target_accuracy:.1f}",
        "lead": lead.get_full_name() or lead.get_username(),
        "lead_email": lead.email or "their email",
    }


MONITORING = """\
# Monitoring — {engagement}

Daily monitoring of the agents of **{engagement}** for {client}. Target accuracy: **{target}%**.

## Every morning
- [ ] Open the engagement's metrics and read yesterday's accuracy against the {target}% target
- [ ] Check the override rate and the escalation rate against last week's
- [ ] Look for drift alerts and note any in the run notes
- [ ] Confirm the review queue was emptied yesterday

## When something looks wrong
If accuracy falls below {target}% two days running, follow [[escalation-management]].
Unusual cases go through [[edge-case-review]].

## Whom to call
| Who | Role | Contact |
|---|---|---|
| {lead} | Lead consultant | {lead_email} |
"""

EDGE_CASE_REVIEW = """\
# Edge-case review — {engagement}

How the operator reviews the cases the agents of **{engagement}** were unsure about.

## For each case in the review queue
- [ ] Read the case and the agent's proposed decision with its confidence
- [ ] Decide: accept, correct, or escalate
- [ ] When correcting, write why in one sentence: it feeds the next training round
- [ ] Tag cases that look like a new pattern

## Weekly
- [ ] Share the new patterns with {lead} at the check-in

See also [[monitoring]] and [[escalation-management]].
"""

ESCALATION = """\
# Escalation management — {engagement}

What to do when a case must go to a human decision-maker at {client}.

## Escalate when
- the agent's confidence is under the playbook's threshold
- the case is a compliance matter (always human)
- the amount or the supplier falls under an escalation rule of the playbook

## Steps
- [ ] Record the case and why it is escalated
- [ ] Route it to the named approver and tell them the deadline
- [ ] Follow up if there is no answer by the deadline
- [ ] Record the final decision so the agents learn from it

## Contacts
| Who | Role | Contact |
|---|---|---|
| {lead} | Lead consultant | {lead_email} |
"""


def starter_runbooks(engagement: Engagement) -> list[Starter]:
    facts = _facts(engagement)
    return [
        Starter("monitoring", "Monitoring", Runbook.Kind.MONITORING, MONITORING.format(**facts)),
        Starter(
            "edge-case-review",
            "Edge-case review",
            Runbook.Kind.EDGE_CASE_REVIEW,
            EDGE_CASE_REVIEW.format(**facts),
        ),
        Starter(
            "escalation-management",
            "Escalation management",
            Runbook.Kind.ESCALATION,
            ESCALATION.format(**facts),
        ),
    ]
