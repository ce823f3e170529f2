"""The document's sections, in order. Each module has `gather(source) -> SectionData`: the
template's context and the section's part of the embedded JSON, read in a bounded number of
queries whatever the engagement's size (tests/handoff/test_document_queries.py)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from handoff.document.source import DocumentSource


@dataclass
class SectionData:
    """What a section gives the document: `context` for its template, `data` (JSON-serialisable)
    for the file attached inside the PDF."""

    context: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] | list[Any] | None = None


@dataclass(frozen=True)
class Section:
    key: str
    title: str | Promise
    gather: Callable[[DocumentSource], SectionData]
    # The cover has no entry in the table of contents.
    in_contents: bool = True

    @property
    def template(self) -> str:
        return f"handoff/document/sections/{self.key}.html"


def _sections() -> list[Section]:
    from handoff.document.sections import (
        audit_summary,
        cover,
        decision_risk,
        live_metrics,
        open_risks,
        playbook,
        process_maps,
        runbooks,
        sign_off,
        skill_transfer,
        summary,
        training,
    )

    return [
        Section("cover", _("Cover"), cover.gather, in_contents=False),
        Section("summary", _("Executive summary"), summary.gather),
        Section("process_maps", _("Process maps"), process_maps.gather),
        Section("decision_risk", _("Decision types and risk calibration"), decision_risk.gather),
        Section("training", _("Training history"), training.gather),
        Section("playbook", _("Escalation playbook"), playbook.gather),
        Section("live_metrics", _("Live metrics"), live_metrics.gather),
        Section("runbooks", _("Runbooks"), runbooks.gather),
        Section("skill_transfer", _("Skill transfer"), skill_transfer.gather),
        Section("open_risks", _("Open risks and open tasks"), open_risks.gather),
        Section("sign_off", _("Sign-off"), sign_off.gather),
        Section("audit_summary", _("Appendix: audit summary"), audit_summary.gather),
    ]


def sections() -> list[Section]:
    return _sections()
