"""`make e2e`'s stand-in for Teams around the overview tab: a host page that frames the tab and answers the
Teams JavaScript library's messages (initialize, getContext, authentication.getAuthToken, themeChange), and
the Entra double (tests/doubles/entra.py, over https with a fresh test CA) whose published key signs the SSO
tokens it hands the tab. The bot under test trusts that CA (SSL_CERT_FILE) and takes the double for its
sign-in host (AZURE_AUTHORITY_HOST).

    python -m e2e.tab_host --work DIR --host-port N --entra-port M --bot-url URL --app-id ID

writes DIR/ca.pem and serves until stopped. GET /token?who=ana mints that demo person's tab token.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from aiohttp import web

from chatclient.people import find_person
from tests.doubles.entra import FakeEntra
from tests.doubles.tls import make_test_ca

HERE = Path(__file__).resolve().parent


def host_app(entra: FakeEntra, bot_url: str, app_id: str) -> web.Application:
    page = (HERE / "tab_host.html").read_text(encoding="utf-8").replace("{{BOT_URL}}", bot_url)

    async def host(_: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html")

    async def token(request: web.Request) -> web.Response:
        person = find_person(request.query.get("who", "ana"))
        minted = entra.tab_token(person.user["aadObjectId"], person.tenant_id, app_id)
        oid, tid = person.user["aadObjectId"], person.tenant_id
        return web.json_response({"token": minted, "oid": oid, "tid": tid})

    app = web.Application()
    app.router.add_get("/host.html", host)
    app.router.add_get("/token", token)
    return app


async def serve(work: Path, host_port: int, entra_port: int, bot_url: str, app_id: str) -> None:
    ca = make_test_ca(work)
    (work / "ca.pem").write_bytes(ca.bundle.read_bytes())
    entra = FakeEntra(client_id=app_id, base_url=f"https://127.0.0.1:{entra_port}")
    runners = []
    host = host_app(entra, bot_url, app_id)
    served = ((entra.app(), entra_port, ca.server_context()), (host, host_port, None))
    for app, port, tls in served:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port, ssl_context=tls).start()
        runners.append(runner)
    print(f"tab host on http://127.0.0.1:{host_port}, Entra double on {entra.base_url}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--host-port", type=int, required=True)
    parser.add_argument("--entra-port", type=int, required=True)
    parser.add_argument("--bot-url", required=True)
    parser.add_argument("--app-id", required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.work, args.host_port, args.entra_port, args.bot_url, args.app_id))


if __name__ == "__main__":
    main()
