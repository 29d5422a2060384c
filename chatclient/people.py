"""`--as`: who the terminal chat is, among the demo partner's people (`services/backends/demo/data/gdap/
users.json`, Graph's users shape), so that `make chat AS=ben` sees what Ben's GDAP groups grant.

Read as data, not imported: the client knows nothing of the bot's code."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "services" / "backends" / "demo" / "data"
USERS = DATA / "gdap" / "users.json"


@dataclass(frozen=True)
class Person:
    """The person as a Teams activity's `from` and as the roster's member (a TeamsChannelAccount)."""

    user: dict[str, str]
    member: dict[str, str]
    tenant_id: str


def demo_people(path: Path = USERS) -> list[dict[str, Any]]:
    people = json.loads(path.read_text(encoding="utf-8")).get("value", [])
    return [p for p in people if isinstance(p, dict) and p.get("id")]


def _names(person: dict[str, Any]) -> set[str]:
    display = str(person.get("displayName", ""))
    upn = str(person.get("userPrincipalName", ""))
    return {
        str(person["id"]).casefold(),
        display.casefold(),
        display.split(" ")[0].casefold(),
        upn.casefold(),
        upn.split("@")[0].casefold(),
    } - {""}


def listing(path: Path = USERS) -> str:
    return "\n".join(f"  {p['displayName']} ({p['id']})" for p in demo_people(path))


def find_person(wanted: str, path: Path = USERS) -> Person:
    """A demo person by first name, display name, UPN or object id (any case); LookupError otherwise."""
    matches = [p for p in demo_people(path) if wanted.strip().casefold() in _names(p)]
    if len(matches) != 1:
        raise LookupError(f"No demo person is called {wanted!r}. The demo people are:\n{listing(path)}")
    found = matches[0]
    display = str(found.get("displayName", ""))
    given, _, surname = display.partition(" ")
    upn = str(found.get("userPrincipalName", ""))
    tenant = str(json.loads((DATA / "index.json").read_text(encoding="utf-8"))["partner"]["tenantId"])
    user = {"id": f"29:{upn.split('@')[0] or found['id']}", "name": display, "aadObjectId": str(found["id"])}
    member = {
        **user,
        "givenName": given,
        "surname": surname,
        "email": upn,
        "userPrincipalName": upn,
        "tenantId": tenant,
        "userRole": "user",
    }
    return Person(user, member, tenant)
