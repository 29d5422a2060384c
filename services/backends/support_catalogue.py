"""What both desks offer the escalation dialog: severities, field limits and how topics are read.

Microsoft 365 topics come from a Partner Center support-topics list (`supporttopics.json`); Partner
Center's own endpoint for it was retired in 2020, so the project ships the list and both desks read it.
Azure topics are Azure Support's problem classifications under its services (the products): the live desk
reads them from `Microsoft.Support`, the demo desk from its dataset in the same shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from services.backends.azure_support.client import (
    ProblemClassification,
    SupportService,
    parse_problem_classification,
    parse_service,
)
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


def azure_support_topics(
    services: Iterable[tuple[SupportService, Sequence[ProblemClassification]]],
) -> tuple[SupportTopic, ...]:
    """Each problem classification a topic of its service's product, its id the classification's (a ticket
    names both, the service's id being the classification's up to `/problemClassifications/`)."""
    return tuple(
        SupportTopic(c.classification_id, s.display_name or s.name, c.display_name or c.name)
        for s, found in services
        for c in found
    )


def load_azure_support_topics(directory: Path) -> tuple[SupportTopic, ...]:
    """`services.json` (Azure Support's services list) and `problemClassifications/<service name>.json`
    (each service's problem classifications list), as `GET /providers/Microsoft.Support/services` and
    `.../services/{serviceName}/problemClassifications` return them; none when the directory is absent."""
    path = directory / "services.json"
    if not path.is_file():
        return ()
    services = [parse_service(v) for v in json.loads(path.read_text(encoding="utf-8")).get("value") or []]
    return azure_support_topics(
        (service, [parse_problem_classification(v) for v in _values(directory, service)])
        for service in services
    )


def _values(directory: Path, service: SupportService) -> list[dict[str, object]]:
    path = directory / "problemClassifications" / f"{service.name}.json"
    found = json.loads(path.read_text(encoding="utf-8")).get("value") if path.is_file() else None
    return found if isinstance(found, list) else []
