"""What a generation of the handoff document is made from."""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from maestro.engagements.models import Engagement
from maestro.tenancy.models import PaperSize


@dataclass(frozen=True)
class DocumentSource:
    """The engagement (with its client loaded) a document describes, and the generation being
    made: its version, paper, and when. A print preview has no generation: version None."""

    engagement: Engagement
    version: int | None = None
    paper_size: str = PaperSize.A4
    generated_at: datetime = field(default_factory=timezone.now)

    @property
    def client(self):
        return self.engagement.client
