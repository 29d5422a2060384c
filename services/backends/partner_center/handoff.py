"""The Partner Center hand-off: Partner Center has no API to create a service request since 2020, so the
finished request is shown with a link to Partner Center's form and the text to paste into it."""

from __future__ import annotations

from services.domain.models import ServiceRequest

# Partner Center's page for a new support request (linked from Microsoft's own Partner Center docs, e.g.
# partner-center "Verify your company profile"); the deep link into a customer's request is UNCONFIRMED.
PARTNER_CENTER_NEW_REQUEST = "https://partner.microsoft.com/dashboard/v2/support/servicerequests/create"


def handoff_summary(request: ServiceRequest) -> str:
    """The request as text to paste into Partner Center's form, field by field."""
    contact = request.contact
    lines = [
        f"Customer: {request.customer_name} ({request.customer_id})",
        f"Product: {request.topic.product}",
        f"Topic: {request.topic.name} ({request.topic.topic_id})",
        f"Severity: {request.severity.value}",
        f"Title: {request.title}",
        f"Contact: {contact.name}, {contact.email}" + (f", {contact.phone}" if contact.phone else ""),
        "Description:",
        request.description,
    ]
    return "\n".join(lines)
