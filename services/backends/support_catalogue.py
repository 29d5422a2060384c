"""What both desks offer the escalation dialog besides their topics: severities and field limits.

Microsoft 365 topics come from a Partner Center support-topics list (`supporttopics.json`); Partner
Center's own endpoint for it was retired in 2020, so the project ships the list and both desks read it.
"""

from __future__ import annotations

import json
from pathlib import Path

from services.backends.partner_center.parsing import parse_support_topics
from services.domain.models import FieldLimits, Severity, SeverityLevel, SupportTopic

# Within what Partner Center's form and Azure Support (title 200, description 5000) both accept.
FIELD_LIMITS = FieldLimits(
    title_max=100, description_max=4000, name_max=100, email_max=254, phone_pattern=r"\+?[0-9 ()./-]{6,20}"
)
SEVERITIES = (
    SeverityLevel(
        Severity.CRITICAL, "Critical", "Business can't run: a core service is down for many users.", "1 hour"
    ),
    SeverityLevel(
        Severity.MODERATE,
        "Moderate",
        "Significant impact: work is slowed or a workaround is needed.",
        "4 hours",
    ),
    SeverityLevel(
        Severity.MINIMAL,
        "Minimal",
        "Little impact: a question, or a problem with a workaround.",
        "8 business hours",
    ),
)


def load_support_topics(path: Path) -> list[SupportTopic]:
    """A `supporttopics.json`-shaped file (Partner Center's support-topics collection)."""
    return parse_support_topics(json.loads(path.read_text(encoding="utf-8")))
