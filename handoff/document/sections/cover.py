"""Section: cover. (Skeleton: gathers nothing yet.)"""

from handoff.document.sections import SectionData
from handoff.document.source import DocumentSource


def gather(source: DocumentSource) -> SectionData:
    return SectionData()
