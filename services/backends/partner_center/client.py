"""Partner Center REST API (`/v1`): customers and the still-documented service-request endpoints.

Every call carries a fresh MS-RequestId (Partner Center's idempotency key, reused by the retries of that
call) and the MS-CorrelationId of the operation it belongs to (all pages of one listing share one).
Collections are paged by following `links.next`, sending its headers (MS-ContinuationToken).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urljoin

from services.backends.live.upstream import ShapeCheck, Upstream, UpstreamError
from services.backends.partner_center.parsing import parse_customer, parse_customers
from services.backends.partner_center.service_requests import (
    PartnerServiceRequest,
    parse_service_request,
    parse_service_requests,
)
from services.domain.models import Customer

API = "Partner Center"
# The documented examples use 40; the maximum is not documented.
PAGE_SIZE = 40
# A runaway continuation chain must end somewhere.
MAX_PAGES = 500

SearchField = Literal["CompanyName", "Domain"]


def read_partner_center_error(payload: Any) -> tuple[str, str]:
    """`{"code": 3000, "description": ...}` (code an int on the wire, a string in the docs), or the
    throttling shape `{"statusCode": 429, "message": ...}`."""
    if not isinstance(payload, Mapping):
        return "", ""
    code = payload.get("code", payload.get("statusCode", ""))
    message = payload.get("description", payload.get("message", ""))
    return str(code), str(message)[:1024]


def is_collection(payload: Any) -> bool:
    """A page of a collection: `{"totalCount", "items": [...], "links", "attributes"}`."""
    return isinstance(payload, Mapping) and isinstance(payload.get("items"), list)


def is_entity(payload: Any) -> bool:
    """One resource (a customer, a service request): an object with its `id`."""
    return isinstance(payload, Mapping) and isinstance(payload.get("id"), str) and bool(payload["id"])


class PartnerCenterClient:
    def __init__(
        self, upstream: Upstream, base_url: str, partner_tenant_id: str, application_name: str
    ) -> None:
        self._upstream = upstream
        self._base = base_url.rstrip("/") + "/"
        self._tenant = partner_tenant_id
        self._application = application_name

    def _url(self, path: str) -> str:
        """Links in responses omit `/v1`; the SDK adds it back."""
        path = path.lstrip("/")
        if not path.startswith("v1/"):
            path = f"v1/{path}"
        return urljoin(self._base, path)

    async def _call(
        self,
        method: str,
        path: str,
        correlation_id: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        expect: ShapeCheck = is_entity,
    ) -> Any:
        sent = {
            "MS-RequestId": str(uuid.uuid4()),
            "MS-CorrelationId": correlation_id,
            "MS-PartnerCenter-Application": self._application,
            "X-Locale": "en-US",
            **(headers or {}),
        }
        reply = await self._upstream.call(
            method,
            self._url(path),
            tenant_id=self._tenant,
            headers=sent,
            params=params,
            json=body,
            expect=expect,
        )
        return reply.payload

    async def _collection(self, path: str, params: Mapping[str, str]) -> list[Mapping[str, Any]]:
        """Every page of a collection, following links.next with its continuation headers."""
        correlation_id = str(uuid.uuid4())
        pages: list[Mapping[str, Any]] = []
        page = await self._call("GET", path, correlation_id, params=params, expect=is_collection)
        for _ in range(MAX_PAGES):
            if not isinstance(page, Mapping):
                break
            pages.append(page)
            following = _next_link(page)
            if following is None:
                break
            next_path, next_headers = following
            page = await self._call(
                "GET", next_path, correlation_id, headers=next_headers, expect=is_collection
            )
        return pages

    async def list_customers(self, page_size: int = PAGE_SIZE) -> list[Customer]:
        pages = await self._collection("customers", {"size": str(page_size)})
        return [customer for page in pages for customer in parse_customers(page)]

    async def search_customers(self, field: SearchField, prefix: str) -> list[Customer]:
        """Partner Center's only search: a case-insensitive `starts_with` on company name or domain."""
        query = json.dumps({"Field": field, "Value": prefix, "Operator": "starts_with"})
        pages = await self._collection("customers", {"size": "0", "filter": query})
        return [customer for page in pages for customer in parse_customers(page)]

    async def get_customer(self, customer_id: str) -> Customer | None:
        """None when Partner Center doesn't know the id (404)."""
        try:
            payload = await self._call("GET", f"customers/{customer_id}", str(uuid.uuid4()))
        except UpstreamError as error:
            if error.status == 404:
                return None
            raise
        return parse_customer(payload) if isinstance(payload, Mapping) else None

    async def list_service_requests(self, customer_id: str) -> list[PartnerServiceRequest]:
        pages = await self._collection(f"customers/{customer_id}/servicerequests", {})
        return [request for page in pages for request in parse_service_requests(page)]

    async def get_service_request(self, request_id: str) -> PartnerServiceRequest | None:
        try:
            payload = await self._call("GET", f"servicerequests/{request_id}", str(uuid.uuid4()))
        except UpstreamError as error:
            if error.status == 404:
                return None
            raise
        return parse_service_request(payload) if isinstance(payload, Mapping) else None

    async def add_service_request_note(self, request_id: str, text: str) -> PartnerServiceRequest | None:
        """PATCH with only `NewNote`; Partner Center answers 200 with the updated request. The retries of
        this call reuse its MS-RequestId, so a note is added once however often the call is retried."""
        payload = await self._call(
            "PATCH", f"servicerequests/{request_id}", str(uuid.uuid4()), body={"NewNote": {"Text": text}}
        )
        return parse_service_request(payload) if isinstance(payload, Mapping) else None


def _next_link(page: Mapping[str, Any]) -> tuple[str, dict[str, str]] | None:
    links = page.get("links")
    following = links.get("next") if isinstance(links, Mapping) else None
    if not isinstance(following, Mapping) or not isinstance(following.get("uri"), str):
        return None
    headers: dict[str, str] = {}
    for header in following.get("headers") or []:
        if isinstance(header, Mapping) and isinstance(header.get("key"), str):
            headers[str(header["key"])] = str(header.get("value", ""))
    return str(following["uri"]), headers
