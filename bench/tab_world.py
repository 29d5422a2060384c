"""The overview tab over `count` demo customers, for its first-paint measurement: the bot's app on the
demo backend grown to `count` customers (each a copy of a demo tenant, its health included), the Entra
double that signs the tab's SSO tokens, and e2e's stand-in Teams host that frames the tab.

Run: python -m bench.tab_world BOT_PORT HOST_PORT ENTRA_PORT COUNT WORKDIR
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from dataclasses import replace
from pathlib import Path

from aiohttp import web

from app import create_app
from chatclient.people import find_person
from e2e.tab_host import host_app
from services.backends.demo.backend import DemoBackend
from services.domain.models import ServiceHealth
from settings import Settings
from tests.doubles.entra import FakeEntra

APP_ID = "5f1c2a6e-7d2b-4c44-9a51-0c6f6d1e2a33"


async def grown_demo(count: int) -> DemoBackend:
    """The demo backend with `count` customers: the demo's readable ones, copied round-robin."""
    demo = DemoBackend.load()
    readable = [c for c in await demo.list_customers() if c.delegated_access]
    customers, health = [], {}
    for index in range(count):
        model = readable[index % len(readable)]
        tenant = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-tab-tenant-{index}"))
        customers.append(
            replace(
                model,
                customer_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-tab-customer-{index}")),
                tenant_id=tenant,
                name=f"{model.name} {index}",
            )
        )
        services: tuple[ServiceHealth, ...] = (await demo.tenant_health(model)).services
        health[tenant] = services
    return DemoBackend(customers, health, (await demo.tenant_health(readable[0])).as_of)


async def serve(bot_port: int, host_port: int, entra_port: int, count: int, workdir: Path) -> None:
    entra = FakeEntra(client_id=APP_ID, base_url=f"http://127.0.0.1:{entra_port}")
    settings = Settings(
        port=bot_port,
        data_dir=workdir / "tab-data",
        app_id=APP_ID,
        app_password="bench-unused",
        app_type="SingleTenant",
        app_tenant_id=find_person("ana").tenant_id,
        entra_authority_host=entra.base_url,
        tab_host_origins=frozenset({f"http://127.0.0.1:{host_port}"}),
        tab_poll_seconds=3600,
        demo_tick_seconds=0,
    )
    bot = create_app(settings, backend=await grown_demo(count))
    host = host_app(entra, f"http://127.0.0.1:{bot_port}", APP_ID)
    for app, port in ((bot, bot_port), (host, host_port), (entra.app(), entra_port)):
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    bot_port, host_port, entra_port, count = (int(a) for a in sys.argv[1:5])
    asyncio.run(serve(bot_port, host_port, entra_port, count, Path(sys.argv[5])))
