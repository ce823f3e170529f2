"""Section: the cover. Who the document is for (client, engagement), when it was made (the
client's local date), which generation it is, and who led the engagement for the consultancy."""

from django.utils import timezone

from handoff.document.sections import SectionData
from handoff.document.source import DocumentSource


def gather(source: DocumentSource) -> SectionData:
    engagement = source.engagement
    client = engagement.client
    lead = engagement.lead
    # The date the client reads on its own calendar, whatever zone the renderer runs in.
    generated_at = timezone.localtime(source.generated_at, client.tzinfo)
    context = {
        "client": client.name,
        "engagement": engagement.name,
        "description": engagement.description,
        "date": generated_at.date(),
        "time_zone": client.time_zone,
        "version": source.version,
        "lead": str(lead),
        "lead_email": lead.email,
        "phase": engagement.get_phase_display(),
        "stance": engagement.get_stance_display(),
    }
    data = {
        "client": client.name,
        "client_time_zone": client.time_zone,
        "engagement": engagement.name,
        "engagement_id": engagement.pk,
        "date": generated_at.date().isoformat(),
        "generated_at": generated_at.isoformat(),
        # None: a print preview, not a stored generation.
        "version": source.version,
        "lead": {"name": str(lead), "email": lead.email},
        "phase": engagement.phase,
        "stance": engagement.stance,
    }
    return SectionData(context=context, data=data)
