"""Parse Partner Center responses into domain models; shared by the demo and live backends."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.domain.models import Customer, SupportTopic


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def parse_customer(item: Mapping[str, Any]) -> Customer | None:
    """One item of `GET /v1/customers`; None when it lacks the ids a customer needs."""
    profile = item.get("companyProfile")
    profile = profile if isinstance(profile, Mapping) else {}
    customer_id = _text(item.get("id"))
    tenant_id = _text(profile.get("tenantId")) or customer_id
    if not customer_id:
        return None
    domain = _text(profile.get("domain")).lower()
    relationship = _text(item.get("relationshipToPartner")).lower() or "unknown"
    # Only resellers hold delegated admin rights unless the response says otherwise.
    delegated = item.get("allowDelegatedAccess")
    return Customer(
        customer_id=customer_id,
        tenant_id=tenant_id,
        name=_text(profile.get("companyName")) or domain or customer_id,
        domain=domain,
        relationship=relationship,
        delegated_access=delegated if isinstance(delegated, bool) else relationship == "reseller",
    )


def parse_customers(collection: Mapping[str, Any]) -> list[Customer]:
    """The customers of one collection page, skipping malformed items."""
    items = collection.get("items")
    if not isinstance(items, list):
        return []
    parsed = (parse_customer(item) for item in items if isinstance(item, Mapping))
    return [customer for customer in parsed if customer is not None]


def parse_support_topics(collection: Mapping[str, Any]) -> list[SupportTopic]:
    """`GET /v1/servicerequests/supporttopics` items: `name` is "<product> - <topic>", ids are numbers."""
    items = collection.get("items")
    topics = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), int | str):
            continue
        product, _, topic = _text(item.get("description")).partition(": ")
        if not topic:
            product, _, topic = _text(item.get("name")).partition(" - ")
        if product and topic:
            topics.append(SupportTopic(topic_id=str(item["id"]), product=product, name=topic))
    return topics
