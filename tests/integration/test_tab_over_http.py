"""The overview tab's data over HTTP: only a proven Teams tab SSO token gets in, and it shows that person's
customers. Tokens are real RS256 JWTs signed by a local key that the Entra double publishes as its JWKS
(tests/doubles/entra.py), checked by the app's own validation against the double's OpenID metadata."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from app import create_app
from bot.edge.tab import TEAMS_JS
from cards.parts import status_label
from chatclient.people import find_person
from locales.translator import Translator
from services.access.people import AccessMode, GdapAccess
from services.backends.demo.gdap import DemoDirectory
from services.domain.access import PersonAccess
from services.domain.errors import AccessUnavailable
from services.domain.ports import Backend, PeopleAccess
from settings import Settings
from tests.doubles.channel_keys import OTHER_KEY
from tests.doubles.entra import FakeEntra
from tests.doubles.faults import Fault
from tests.support.harness import DEMO_NOW, demo_backend

APP_ID = "5f1c2a6e-7d2b-4c44-9a51-0c6f6d1e2a33"
DOMAIN = "tab.support.example"
BOARD = "/tab/api/board"
ANA = find_person("ana")
TENANT = ANA.tenant_id


@pytest.fixture
async def entra(aiohttp_server: Any) -> FakeEntra:
    fake = FakeEntra(client_id=APP_ID)
    server = await aiohttp_server(fake.app())
    fake.base_url = str(server.make_url("")).rstrip("/")
    return fake


class Stopwatch:
    """The app's wall clock, moved only by the test: whether a kept board is still fresh."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def _tab(
    aiohttp_client: Any,
    tmp_path: Path,
    entra: FakeEntra,
    backend: Backend | None = None,
    wall_clock: Callable[[], float] | None = None,
    people: PeopleAccess | None = None,
    **settings: Any,
) -> TestClient[Any, Any]:
    app = create_app(
        Settings(
            data_dir=tmp_path,
            app_id=APP_ID,
            app_password="app-password",
            app_type="SingleTenant",
            app_tenant_id=TENANT,
            tab_domain=DOMAIN,
            entra_authority_host=entra.base_url,
            notify_token="tick-token",
            **settings,
        ),
        backend=backend or demo_backend(),
        clock=lambda: DEMO_NOW,
        wall_clock=wall_clock or Stopwatch(),
        people=people,
    )
    return await aiohttp_client(app)


def _token(entra: FakeEntra, who: str = "ana", **changes: Any) -> str:
    person = find_person(who)
    return entra.tab_token(person.user["aadObjectId"], person.tenant_id, APP_ID, **changes)


async def _board(tab: TestClient[Any, Any], token: str, **headers: str) -> tuple[int, Any]:
    response = await tab.get(BOARD, headers={"Authorization": f"Bearer {token}", **headers})
    body = await response.json() if response.status == 200 else await response.text()
    return response.status, body


def _tampered(token: str) -> str:
    """The same signature over claims changed to name another person."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["oid"] = find_person("chloe").user["aadObjectId"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


async def test_the_board_without_a_token_is_401_and_says_a_teams_sign_in_is_needed(
    aiohttp_client: Any, tmp_path: Path, entra: FakeEntra
) -> None:
    tab = await _tab(aiohttp_client, tmp_path, entra)
    response = await tab.get(BOARD)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "customers" not in await response.text()


@pytest.mark.parametrize(
    "case",
    [
        "wrong audience",
        "another app's Application ID URI",
        "wrong issuer",
        "issuer of another tenant",
        "expired",
        "tampered",
        "signed by another key",
        "app-only (no delegated scope)",
        "not a JWT",
        "Basic scheme",
    ],
)
async def test_a_token_that_is_not_this_person_s_tab_sso_token_is_refused(
    aiohttp_client: Any, tmp_path: Path, entra: FakeEntra, case: str
) -> None:
    tab = await _tab(aiohttp_client, tmp_path, entra)
    other_tenant = "11111111-2222-4333-8444-555555555555"
    tokens = {
        "wrong audience": _token(entra, aud="00000003-0000-0000-c000-000000000000"),
        "another app's Application ID URI": _token(entra, aud=f"api://{DOMAIN}/botid-{other_tenant}"),
        "wrong issuer": _token(entra, iss=f"https://login.example.invalid/{TENANT}/v2.0"),
        "issuer of another tenant": _token(entra, iss=f"{entra.base_url}/{other_tenant}/v2.0"),
        "expired": _token(entra, exp=1_700_000_000, iat=1_699_990_000, nbf=1_699_990_000),
        "tampered": _tampered(_token(entra)),
        "signed by another key": _token(entra, key=OTHER_KEY),
        "app-only (no delegated scope)": _token(entra, scp=None, roles=["Overview.Read.All"]),
        "not a JWT": "not-a-token",
    }
    if case == "Basic scheme":
        response = await tab.get(BOARD, headers={"Authorization": f"Basic {_token(entra)}"})
        status = response.status
    else:
        status, _ = await _board(tab, tokens[case])
    assert status == 401, case


async def test_a_token_of_a_tenant_that_is_not_allowed_is_refused(
    aiohttp_client: Any, tmp_path: Path, entra: FakeEntra
) -> None:
    other_tenant = "11111111-2222-4333-8444-555555555555"
    tab = await _tab(aiohttp_client, tmp_path, entra)
    person = find_person("ana")
    token = entra.tab_token(person.user["aadObjectId"], other_tenant, APP_ID)
    assert (await _board(tab, token))[0] == 401


@pytest.mark.parametrize("audience", [APP_ID, f"api://{DOMAIN}/botid-{APP_ID}", f"api://{DOMAIN}/{APP_ID}"])
async def test_each_audience_naming_this_app_at_the_tab_s_domain_is_accepted(
    aiohttp_client: Any, tmp_path: Path, entra: FakeEntra, audience: str
) -> None:
    tab = await _tab(aiohttp_client, tmp_path, entra)
    status, body = await _board(tab, _token(entra, aud=audience))
    assert status == 200
    assert body["customers"]


async def test_on_the_demo_everyone_sees_every_customer_worst_first_with_the_grid_incidents_and_requests(
    aiohttp_client: Any, tmp_path: Path, entra: FakeEntra
) -> None:
    tab = await _tab(aiohttp_client, tmp_path, entra)
    status, body = await _board(tab, _token(entra, who="dev"))
    assert status == 200
    backend = demo_backend()
    customers = await backend.list_customers()
    assert sorted(c["name"] for c in body["customers"]) == sorted(c.name for c in customers)
    worst = [c["worst"] for c in body["customers"]]
    assert worst == sorted(worst, reverse=True) and worst[0] > 0
    # A customer whose health can't be read is listed last, saying why, in the reader's words.
    unread = [c for c in body["customers"] if c["worst"] < 0]
    assert unread and body["customers"][-len(unread) :] == unread
    assert {c["unread"] for c in unread} == {"No delegated access"}
    services = {s["id"] for s in body["services"]}
    active = []
    for customer in customers:
        try:
            health = await backend.tenant_health(customer)
        except Exception:  # noqa: BLE001 - a customer the demo can't read is listed without a grid row
            continue
        assert {s.service_id for s in health.services} <= services
        row = next(c for c in body["customers"] if c["name"] == customer.name)
        by_id = {s["id"]: i for i, s in enumerate(body["services"])}
        for service in health.services:
            level, words = row["cells"][by_id[service.service_id]]
            assert level == int(service.status.level)
            assert body["statuses"][words] == status_label(service.status, Translator("en"))
        active += [i.incident_id for i in health.incidents if not i.is_resolved]
    assert sorted(i["id"] for i in body["incidents"]) == sorted(active)
    assert body["read_at"] == DEMO_NOW.isoformat()
    assert all(r["status"] != "Closed" for r in body["requests"])


async def test_under_gdap_a_person_without_access_sees_none_and_one_with_some_sees_only_those(
    aiohttp_client: Any, tmp_path: Path, entra: FakeEntra
) -> None:
    tab = await _tab(aiohttp_client, tmp_path, entra, people_access=AccessMode.GDAP)
    customers = await demo_backend().list_customers()
    people = GdapAccess(DemoDirectory.load(now=lambda: DEMO_NOW), lambda: DEMO_NOW, 300)
    status, nobody = await _board(tab, _token(entra, who="dev"))
    assert status == 200
    assert nobody["customers"] == [] and nobody["incidents"] == [] and nobody["requests"] == []
    for who in ("ana", "ben"):
        access = await people.person(find_person(who).user["aadObjectId"])
        granted = {c.name for c in customers if access.sees(c.tenant_id, DEMO_NOW)}
        status, body = await _board(tab, _token(entra, who=who))
        assert status == 200
        assert granted and len(granted) < len(customers), who
        assert {c["name"] for c in body["customers"]} == granted, who
        assert {i["customer"] for i in body["incidents"]} <= granted, who
        assert {r["customer"] for r in body["requests"]} <= granted, who


async def test_polling_with_the_etag_is_304_until_the_demo_world_moves(
    aiohttp_client: Any, tmp_path: Path, entra: FakeEntra
) -> None:
    stopwatch = Stopwatch()
    tab = await _tab(aiohttp_client, tmp_path, entra, wall_clock=stopwatch)
    token = _token(entra)
    first = await tab.get(BOARD, headers={"Authorization": f"Bearer {token}"})
    etag = first.headers["ETag"]
    again = await tab.get(BOARD, headers={"Authorization": f"Bearer {token}", "If-None-Match": etag})
    assert again.status == 304 and again.headers["ETag"] == etag and not await again.read()
    for _ in range(3):
        ticked = await tab.post("/api/demo/tick", headers={"Authorization": "Bearer tick-token"})
        assert ticked.status == 200
        if (await ticked.json())["changes"]:
            break
    # Within BOT_TAB_BOARD_SECONDS the kept board answers; once they pass, the move shows.
    kept = await tab.get(BOARD, headers={"Authorization": f"Bearer {token}", "If-None-Match": etag})
    assert kept.status == 304
    stopwatch.now += Settings().tab_board_seconds
    moved = await tab.get(BOARD, headers={"Authorization": f"Bearer {token}", "If-None-Match": etag})
    assert moved.status == 200 and moved.headers["ETag"] != etag
    # In Korean the same data is another body, so another version.
    korean = await tab.get(f"{BOARD}?lang=ko", headers={"Authorization": f"Bearer {token}"})
    assert korean.headers["ETag"] != moved.headers["ETag"]
    assert (await korean.json())["language"] == "ko"


async def test_the_tab_pages_load_nothing_from_elsewhere_and_only_teams_may_frame_them(
    aiohttp_client: Any, tmp_path: Path, entra: FakeEntra
) -> None:
    tab = await _tab(aiohttp_client, tmp_path, entra)
    for path in ("/tab", "/tab/config"):
        response = await tab.get(path)
        assert response.status == 200
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "connect-src 'self'" in policy
        assert "frame-ancestors https://teams.microsoft.com" in policy
        page = await response.text()
        assert "http://" not in page and "https://" not in page, path
    assert (await tab.get("/tab/assets/tab.js")).status == 200
    assert (await tab.get("/tab/assets/tab.css")).status == 200
    if not TEAMS_JS.is_file():
        pytest.skip("the Teams JavaScript library is installed by `make tab-js` (needs npm)")
    library = await tab.get("/tab/assets/teams-js.js")
    assert library.status == 200 and b"microsoftTeams" in await library.read()
    assert (await tab.get("/tab/assets/..%2Fhttp.py")).status == 404


async def test_when_entra_s_keys_can_t_be_read_the_board_is_503_and_shows_nothing(
    aiohttp_client: Any, tmp_path: Path, entra: FakeEntra
) -> None:
    entra.faults.add(Fault(503, {"error": "temporarily_unavailable"}, path_contains="openid", times=5))
    tab = await _tab(aiohttp_client, tmp_path, entra)
    response = await tab.get(BOARD, headers={"Authorization": f"Bearer {_token(entra)}"})
    assert response.status == 503 and response.headers["Retry-After"]
    assert "customers" not in await response.text()


class AccessUnknown:
    """Who may see what can't be read right now (Graph failing): PeopleAccess refuses."""

    async def person(self, object_id: str) -> PersonAccess:
        raise AccessUnavailable()


async def test_when_access_can_t_be_checked_the_board_is_503_and_shows_nothing(
    aiohttp_client: Any, tmp_path: Path, entra: FakeEntra
) -> None:
    app = create_app(
        Settings(
            data_dir=tmp_path,
            app_id=APP_ID,
            app_password="app-password",
            app_type="SingleTenant",
            app_tenant_id=TENANT,
            entra_authority_host=entra.base_url,
        ),
        backend=demo_backend(),
        clock=lambda: DEMO_NOW,
        people=AccessUnknown(),
    )
    tab = await aiohttp_client(app)
    response = await tab.get(BOARD, headers={"Authorization": f"Bearer {_token(entra)}"})
    assert response.status == 503 and response.headers["Retry-After"]
    assert "customers" not in await response.text()
