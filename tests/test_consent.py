"""`make consent` against the Entra double: device code, then an encrypted token cache the bot can use."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from app import consent_main
from tests.doubles.entra import FakeEntra
from tests.doubles.live_world import CLIENT_ID, start_servers
from tests.doubles.tls import LoopbackCA


async def test_consent_stores_an_encrypted_refresh_token(
    aiohttp_server: Any, test_ca: LoopbackCA, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entra = FakeEntra(client_id=CLIENT_ID)
    await start_servers(aiohttp_server, test_ca, entra)
    key = Fernet.generate_key().decode("ascii")
    env = {
        "BOT_BACKEND": "live",
        "CUSTOMER_ACCESS": "gdap",
        "PARTNER_TENANT_ID": "286d4538-4b9a-577f-acfd-7277c77c00bc",
        "PARTNER_CLIENT_ID": CLIENT_ID,
        "PARTNER_CLIENT_SECRET": "unused-for-public-client-flows",
        "AZURE_AUTHORITY_HOST": entra.base_url,
        "REQUESTS_CA_BUNDLE": str(test_ca.bundle),
        "TOKEN_CACHE_KEY": key,
        "BOT_DATA_DIR": str(tmp_path),
    }
    assert await asyncio.to_thread(consent_main, env) == 0
    out = capsys.readouterr().out
    assert "enter GDAP-1234" in out and "Consent stored (encrypted)" in out
    stored = (tmp_path / "token-cache.bin").read_bytes()
    assert b"RefreshToken" in Fernet(key.encode()).decrypt(stored) and b"RefreshToken" not in stored
