"""What a guided escalation knows, flat and plain, and how the `escalate` argument is read."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dialogs.guided_flow import FlowState
from locales.translator import keywords
from services.domain.azure_events import looks_like_tracking_id
from services.domain.incidents import looks_like_incident_id
from services.domain.typed_ids import typed_id

STEPS = ("customer", "product", "guard", "topic", "severity", "title", "description", "contact", "phone")
SUMMARY = "summary"
# Steps whose answer is free text: there a complete command could be the answer too, so it is asked about
# (at the other steps it runs; anything less is an answer everywhere, dialogs/root.py).
FREE_TEXT_STEPS = frozenset({"title", "description", "contact", "phone"})
_ABOUT = re.compile(
    rf"(?:^|\s)(?:{'|'.join(map(re.escape, sorted(keywords('keyword.about'))))})\s+(?P<incident>\S+)\s*$",
    re.IGNORECASE,
)
_ON = re.compile(r"(?:^|\s)on\s+(?P<service>.+)$", re.IGNORECASE)


@dataclass
class EscalationState(FlowState):
    """Everything the dialog knows, stored under the same names as before the guided-flow base."""

    customer_id: str = ""
    customer_name: str = ""
    incident_id: str = ""
    # An incident named with a customer still to be chosen ('escalate fabrikam about EX…').
    pending_incident: str = ""
    service: str = ""
    # `service` is an Azure service (Resource Health's name): the product question offers Azure's products.
    azure: bool = False
    product: str = ""
    topic_id: str = ""
    severity: str = ""
    title: str = ""
    description: str = ""
    contact_name: str = ""
    contact_email: str = ""
    phone: str = ""
    phone_answered: bool = False
    guard_passed: bool = False
    suggested_title: str = ""
    suggested_description: str = ""
    suggested_name: str = ""
    suggested_email: str = ""

    def missing(self) -> str:
        """The first step still unanswered, or the summary."""
        known = {
            "customer": bool(self.customer_id),
            "product": bool(self.product),
            "guard": self.guard_passed,
            "topic": bool(self.topic_id),
            "severity": bool(self.severity),
            "title": bool(self.title),
            "description": bool(self.description),
            "contact": bool(self.contact_name and self.contact_email),
            "phone": self.phone_answered,
        }
        return next((step for step in STEPS if not known[step]), SUMMARY)

    def forget(self, step: str) -> None:
        """Clear a step's answer (and what depends on it) so it is asked again."""
        if step == "customer":
            self.customer_id = self.customer_name = ""
            self.guard_passed = False
        elif step == "product":
            self.product = self.topic_id = ""
            self.guard_passed = False
        elif step == "topic":
            self.topic_id = ""
        elif step == "guard":
            self.guard_passed = False
        elif step == "contact":
            self.contact_name = self.contact_email = ""
        elif step == "phone":
            self.phone, self.phone_answered = "", False
        else:
            setattr(self, step, "")


def split_argument(argument: str) -> tuple[str, str, str]:
    """'contoso about EX1100014' -> (customer, incident, service); 'EX1100014' names the incident, and
    so does an Azure tracking id ('about VNL2‐8S8', as pasted: quoted, any dash)."""
    text = argument.strip()
    incident = service = ""
    about = _ABOUT.search(text)
    if about:
        incident, text = about.group("incident"), text[: about.start()].strip()
    on = _ON.search(text)
    if on:
        service, text = on.group("service").strip(), text[: on.start()].strip()
    first = text.split(" ", 1)[0]
    if not incident and (looks_like_incident_id(first) or looks_like_tracking_id(first)):
        incident, _, text = text.partition(" ")
    return text.strip(), typed_id(incident) or incident.upper(), service
