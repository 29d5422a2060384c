"""Writes the live desk's escalation ledger as this release keeps it, for the next release's upgrade tests.

The ledger is only used with the live backend, so tests/upgrade/make_fixture.py's demo day never writes
it. `.venv/bin/python -m tests.upgrade.make_ledger_fixture` records, through the ledger's own methods,
what a day on the live desk leaves: an Azure ticket filed with its number, a Partner Center hand-off
still awaiting its number, and a hand-off linked to the number Microsoft gave. It writes them once in
an SQLite file (tests/upgrade/fixtures/ledger/bot-state.sqlite3) and once on blobs in Azurite (every
blob in blobs.json, name -> content), with what.json naming them. It is run by the release whose data
the next one must open, and its output is committed; later releases never regenerate it. It was run at
commit e353806, with that release's SqliteEscalationLedger (the `live_escalations` table) and
BlobEscalationLedger; both are one EscalationLedger since, so it refuses to write the fixture again.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from services.backends.live.escalation_ledger import AZURE, PARTNER_CENTER, Escalation, EscalationLedger
from services.domain.models import Contact, Severity, SupportTopic
from services.storage.blob_container import BlobContainer, BlobLocation
from services.storage.sqlite_database import SqliteDatabase
from tests.support.azurite import running_azurite

OUT = Path(__file__).parent / "fixtures" / "ledger"
MORNING = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
LINKED_NUMBER = "2611240010000417"

AZURE_TICKET = Escalation(
    key="3f0c2a9e8b7d4c1a9e6f5d4c3b2a1f0e",
    kind=AZURE,
    reference="",
    number="2611240050000123",
    customer_id="6f6795aa-eee4-5859-9d0d-eae69f1b3d1c",
    customer_name="Northwind Traders",
    tenant_id="6f6795aa-eee4-5859-9d0d-eae69f1b3d1c",
    subscription_id="9b1f6c2e-4d3a-4e8b-a1c7-5f2e0d9c8b7a",
    topic=SupportTopic("b4d0e877-0166-0474-1a76-b5ae3b3d2f10", "Virtual Machines", "Cannot connect"),
    severity=Severity.CRITICAL,
    title="VM web-01 unreachable over RDP",
    description="RDP times out since 08:40; the VM shows as running.",
    contact=Contact("Ana Bowman", "ana.bowman@contoso-partner.example", "+1 425 555 0100"),
    incident_id="",
    requested_by="Ana Bowman",
    created=MORNING,
)
AWAITING = Escalation(
    key="8d2e4f6a0b1c4d3e9f8a7b6c5d4e3f2a",
    kind=PARTNER_CENTER,
    reference="",
    number="",
    customer_id="c8e2b1a4-5d6f-4e3a-9b8c-7d6e5f4a3b2c",
    customer_name="Contoso Ltd",
    tenant_id="c8e2b1a4-5d6f-4e3a-9b8c-7d6e5f4a3b2c",
    subscription_id="",
    topic=SupportTopic("32444671", "Exchange Online", "Mail flow"),
    severity=Severity.MODERATE,
    title="Mail to gmail.com bounces",
    description="NDR 5.7.1 since 08:00.",
    contact=Contact("Ben Walters", "ben.walters@contoso-partner.example"),
    incident_id="EX2200001",
    requested_by="Ben Walters",
    created=MORNING + timedelta(minutes=12),
)
LINKED = Escalation(
    key="1a2b3c4d5e6f40718293a4b5c6d7e8f9",
    kind=PARTNER_CENTER,
    reference="",
    number="",
    customer_id="6f6795aa-eee4-5859-9d0d-eae69f1b3d1c",
    customer_name="Northwind Traders",
    tenant_id="6f6795aa-eee4-5859-9d0d-eae69f1b3d1c",
    subscription_id="",
    topic=SupportTopic("32444673", "Microsoft Teams", "Calls and meetings"),
    severity=Severity.MINIMAL,
    title="Teams calls drop after 20 minutes",
    description="Reported by three users in the Seoul office.",
    contact=Contact("민준 김", "minjun.kim@contoso-partner.example", "+82 2 555 0142"),
    incident_id="",
    requested_by="민준 김",
    created=MORNING + timedelta(minutes=30),
)


async def a_day_on_the_live_desk(ledger: EscalationLedger) -> dict[str, str]:
    for escalation in (AZURE_TICKET, AWAITING, LINKED):
        await ledger.record(escalation)
    awaiting, linked = await ledger.with_key(AWAITING.key), await ledger.with_key(LINKED.key)
    assert awaiting is not None and linked is not None
    assert await ledger.link(linked.reference, LINKED_NUMBER) == ""
    return {
        "azure_key": AZURE_TICKET.key,
        "azure_number": AZURE_TICKET.number,
        "awaiting_key": AWAITING.key,
        "awaiting_reference": awaiting.reference,
        "linked_key": LINKED.key,
        "linked_reference": linked.reference,
        "linked_number": LINKED_NUMBER,
    }


async def main() -> None:
    if (OUT / "blobs.json").exists():
        sys.exit(f"{OUT} was written by the release before the ledger moved to records; it is kept as it is")
    OUT.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - a one-off script
    (OUT / "bot-state.sqlite3").unlink(missing_ok=True)  # the ledger records once per key
    database = SqliteDatabase(OUT / "bot-state.sqlite3")
    what = await a_day_on_the_live_desk(EscalationLedger(database))
    database.close()
    with tempfile.TemporaryDirectory() as scratch, running_azurite(Path(scratch)) as azurite:
        container = BlobContainer(BlobLocation("upgrade", azurite.connection_string))
        await container.open()
        assert await a_day_on_the_live_desk(EscalationLedger(container)) == what
        blobs = {}
        async for item in container.client.list_blobs():
            download = await container.client.download_blob(item.name, encoding="utf-8")
            blobs[item.name] = await download.readall()
        await container.close()
    (OUT / "blobs.json").write_text(json.dumps(blobs, indent=1, sort_keys=True, ensure_ascii=False))
    (OUT / "what.json").write_text(json.dumps(what, indent=1, ensure_ascii=False))
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())
