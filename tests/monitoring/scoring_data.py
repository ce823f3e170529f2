"""A small, hand-counted data set for the scoring tests (figures in test_scoring.py)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from maestro.decisions.models import Decision
from tests.decisions.factories import DecisionFactory

NEW_YORK = ZoneInfo("America/New_York")
AUTO, HUMAN = Decision.Route.AUTO, Decision.Route.HUMAN
REVIEW, FEEDBACK = Decision.OutcomeSource.REVIEW, Decision.OutcomeSource.FEEDBACK


def local(tz: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=tz)


def decide(
    process,
    received_at: datetime,
    *,
    category: str = "invoice",
    route: str = HUMAN,
    proposed: str = "approve",
    final: str = "",
    source: str = "",
    after: int | None = None,
    overridden: bool = False,
    is_test: bool = False,
) -> Decision:
    """A decision received at `received_at` (auto_now_add is overwritten), its outcome `final`
    from `source` `after` seconds later."""
    decision = DecisionFactory(
        process=process,
        category=category,
        route=route,
        proposed_outcome=proposed,
        is_test=is_test,
    )
    outcome_at = received_at + timedelta(seconds=after) if after is not None else None
    Decision.objects.filter(pk=decision.pk).update(
        received_at=received_at,
        final_outcome=final,
        outcome_source=source,
        outcome_at=outcome_at,
        overridden=overridden,
    )
    decision.refresh_from_db()
    return decision


def outcome_set(decision: Decision, *, final: str, source: str, at: datetime, overridden=False):
    Decision.objects.filter(pk=decision.pk).update(
        final_outcome=final, outcome_source=source, outcome_at=at, overridden=overridden
    )


def day_of_decisions(process, tz: ZoneInfo, y: int, m: int, d: int) -> dict[str, Decision]:
    """Eight live decisions of one local day, a test decision on it, and nothing else.

    invoice: 1 auto ✓ · 2 auto ✗ · 3 auto, no outcome yet · 4 human ✓ in 600 s ·
             5 human overridden in 1200 s
    refund:  6 human ✓ in 60 s, received 23:30 local (the next day in UTC west of Greenwich)
             7 human, unresolved
    "":      8 auto ✓ (uncategorised: counts in the process-wide row only)
    """
    at = lambda h, mi=0: local(tz, y, m, d, h, mi)  # noqa: E731
    return {
        "1": decide(process, at(9), route=AUTO, final="approve", source=FEEDBACK, after=3600),
        "2": decide(process, at(10), route=AUTO, final="reject", source=FEEDBACK, after=3600),
        "3": decide(process, at(11), route=AUTO),
        "4": decide(process, at(12), final="approve", source=REVIEW, after=600),
        "5": decide(process, at(13), final="reject", source=REVIEW, after=1200, overridden=True),
        "6": decide(
            process,
            at(23, 30),
            category="refund",
            proposed="refund",
            final="refund",
            source=REVIEW,
            after=60,
        ),
        "7": decide(process, at(14), category="refund", proposed="refund"),
        "8": decide(
            process,
            at(15),
            category="",
            route=AUTO,
            proposed="x",
            final="x",
            source=FEEDBACK,
            after=60,
        ),  # fmt: skip
        "test": decide(
            process, at(16), route=AUTO, final="reject", source=FEEDBACK, after=1, is_test=True
        ),  # fmt: skip
    }
