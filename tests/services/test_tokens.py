"""Real MSAL against the https Entra double: discovery, client credentials, the cache, errors, GDAP."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from services.backends.live.config import Credential, CredentialKind, CustomerAccess, Endpoints, LiveConfig
from services.backends.tokens import EncryptedTokenCache, MsalTokens, TokenCacheInUse, TokenError
from tests.doubles.entra import DEVICE_CODE_GRANT, FakeEntra, claims_of
from tests.doubles.tls import LoopbackCA, make_client_certificate

CLIENT_ID = "c5a4e1f0-0000-4000-8000-0000000000b0"
PARTNER = "286d4538-4b9a-577f-acfd-7277c77c00bc"
CONTOSO = "aed00557-b713-5772-a4ff-9dabe7d2eb7b"
FABRIKAM = "3fe196fd-a9c1-50b4-9cee-98a4d2e9b315"
GRAPH = "https://graph.example.test/.default"
PARTNER_CENTER = "https://api.partnercenter.example.test/.default"


@pytest.fixture
async def entra(aiohttp_server: Any, test_ca: LoopbackCA) -> FakeEntra:
    fake = FakeEntra(client_id=CLIENT_ID, client_secret="s3cret")
    server = await aiohttp_server(fake.app(), ssl=test_ca.server_context())
    fake.base_url = str(server.make_url("")).rstrip("/")
    return fake


def _config(entra: FakeEntra, test_ca: LoopbackCA, **changes: Any) -> LiveConfig:
    config = LiveConfig(
        client_id=CLIENT_ID,
        partner_tenant_id=PARTNER,
        credential=Credential(CredentialKind.SECRET, secret="s3cret"),
        endpoints=Endpoints(authority_host=entra.base_url),
        ca_bundle=test_ca.bundle,
    )
    return replace(config, **changes)


async def test_many_calls_cost_one_token_request_per_authority(entra: FakeEntra, test_ca: LoopbackCA) -> None:
    tokens = MsalTokens(_config(entra, test_ca))
    try:
        asks = [tokens.bearer(tenant, GRAPH) for tenant in (CONTOSO, FABRIKAM) for _ in range(10)]
        asks += [tokens.bearer(PARTNER, PARTNER_CENTER) for _ in range(5)]
        bearers = await asyncio.gather(*asks)
        bearers += [await tokens.bearer(CONTOSO, GRAPH) for _ in range(5)]
    finally:
        tokens.close()
    assert len(entra.requests_for(CONTOSO)) == 1
    assert len(entra.requests_for(FABRIKAM)) == 1
    assert [r.scope for r in entra.requests_for(PARTNER)] == [PARTNER_CENTER]
    assert sorted(set(entra.discovery_requests)) == sorted([CONTOSO, FABRIKAM, PARTNER])
    assert len(entra.discovery_requests) == 3, "one MSAL application object per authority"
    contoso = claims_of(bearers[0])
    assert (
        contoso is not None and contoso["tid"] == CONTOSO and contoso["aud"] == "https://graph.example.test"
    )
    assert contoso["roles"] == ["ServiceHealth.Read.All", "ServiceMessage.Read.All"]


async def test_the_test_ca_is_trusted_even_when_requests_ca_bundle_points_elsewhere(
    entra: FakeEntra, test_ca: LoopbackCA, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "other.pem"
    elsewhere.write_text("", encoding="ascii")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(elsewhere))
    tokens = MsalTokens(_config(entra, test_ca))
    try:
        assert (await tokens.bearer(CONTOSO, GRAPH)).startswith("Bearer ")
    finally:
        tokens.close()


async def test_an_untrusted_certificate_is_refused(entra: FakeEntra, test_ca: LoopbackCA) -> None:
    tokens = MsalTokens(_config(entra, test_ca, ca_bundle=None))
    try:
        with pytest.raises(Exception, match="(?i)certificate"):
            await tokens.bearer(CONTOSO, GRAPH)
    finally:
        tokens.close()
    assert entra.token_requests == []


async def test_a_tenant_without_the_app_is_a_consent_problem(entra: FakeEntra, test_ca: LoopbackCA) -> None:
    entra.unconsented_tenants.add(FABRIKAM)
    tokens = MsalTokens(_config(entra, test_ca))
    try:
        with pytest.raises(TokenError) as raised:
            await tokens.bearer(FABRIKAM, GRAPH)
    finally:
        tokens.close()
    assert raised.value.codes == (700016,) and raised.value.reason == "consent"


async def test_a_wrong_secret_is_a_credentials_problem(entra: FakeEntra, test_ca: LoopbackCA) -> None:
    config = _config(entra, test_ca, credential=Credential(CredentialKind.SECRET, secret="wrong"))
    tokens = MsalTokens(config)
    try:
        with pytest.raises(TokenError) as raised:
            await tokens.bearer(CONTOSO, GRAPH)
    finally:
        tokens.close()
    assert raised.value.reason == "credentials"
    assert "wrong" not in str(raised.value)


async def test_a_certificate_credential_signs_a_client_assertion(
    entra: FakeEntra, test_ca: LoopbackCA, tmp_path: Path
) -> None:
    pem = make_client_certificate(tmp_path)
    entra.certificate_pem = pem.read_bytes()
    config = _config(entra, test_ca, credential=Credential(CredentialKind.CERTIFICATE, certificate_path=pem))
    tokens = MsalTokens(config)
    try:
        assert (await tokens.bearer(CONTOSO, GRAPH)).startswith("Bearer ")
    finally:
        tokens.close()


async def test_gdap_consent_is_persisted_encrypted_and_redeemed_per_customer_tenant(
    entra: FakeEntra, test_ca: LoopbackCA, tmp_path: Path
) -> None:
    key = Fernet.generate_key().decode("ascii")
    cache_path = tmp_path / "token-cache.bin"
    config = _config(
        entra,
        test_ca,
        customer_access=CustomerAccess.GDAP,
        token_cache_path=cache_path,
        token_cache_key=key,
    )
    before = MsalTokens(config)
    try:
        with pytest.raises(TokenError) as raised:
            await before.bearer(CONTOSO, GRAPH)
        assert raised.value.reason == "no-consent"
        prompt, wait = await before.start_consent()
        assert prompt.user_code == "GDAP-1234" and "devicelogin" in prompt.message
        assert "access_token" in await asyncio.to_thread(wait)
    finally:
        before.close()
    stored = cache_path.read_bytes()
    plain = json.loads(Fernet(key.encode()).decrypt(stored))
    # The issued refresh token itself (rt-<uuid>, 39 characters) is the marker: a short one such as
    # b"rt-" turns up by chance in base64 ciphertext.
    refresh_tokens = [entry["secret"] for entry in plain["RefreshToken"].values()]
    assert refresh_tokens and all(len(secret) > 30 for secret in refresh_tokens)
    for secret in refresh_tokens:
        assert secret.encode() not in stored
    assert b"RefreshToken" not in stored and b"refresh_token" not in stored

    after = MsalTokens(config)  # a restarted bot, reading the persisted cache
    try:
        contoso = claims_of(await after.bearer(CONTOSO, GRAPH))
        await after.bearer(CONTOSO, GRAPH)
    finally:
        after.close()
    assert contoso is not None and contoso["tid"] == CONTOSO and contoso["scp"] == "user_impersonation"
    grants = [(r.tenant, r.grant_type) for r in entra.token_requests]
    assert grants == [(PARTNER, DEVICE_CODE_GRANT), (CONTOSO, "refresh_token")]


async def test_a_persisted_cache_with_another_key_is_refused(
    entra: FakeEntra, test_ca: LoopbackCA, tmp_path: Path
) -> None:
    cache_path = tmp_path / "token-cache.bin"
    cache_path.write_bytes(Fernet(Fernet.generate_key()).encrypt(b"{}"))
    config = _config(
        entra,
        test_ca,
        customer_access=CustomerAccess.GDAP,
        token_cache_path=cache_path,
        token_cache_key=Fernet.generate_key().decode("ascii"),
    )
    with pytest.raises(ValueError, match="can't be decrypted"):
        MsalTokens(config)


def _gdap_config(entra: FakeEntra, test_ca: LoopbackCA, cache_path: Path, key: str) -> LiveConfig:
    return _config(
        entra, test_ca, customer_access=CustomerAccess.GDAP, token_cache_path=cache_path, token_cache_key=key
    )


async def _consent(config: LiveConfig) -> None:
    """What `make consent` leaves behind: the partner admin's refresh token in the encrypted cache."""
    consent = MsalTokens(config, for_consent=True)
    try:
        _, wait = await consent.start_consent()
        assert "access_token" in await asyncio.to_thread(wait)
    finally:
        consent.close()


ROOT = Path(__file__).resolve().parents[2]


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _stored(cache_path: Path, key: str) -> dict[str, Any]:
    stored: dict[str, Any] = json.loads(Fernet(key.encode()).decrypt(cache_path.read_bytes()))
    return stored


class _SlowFernet(Fernet):
    """A slow, uneven disk: every other save takes longer, so saves overlap and finish out of order."""

    saves = 0

    def encrypt(self, data: bytes) -> bytes:
        self.saves += 1
        time.sleep(0.05 if self.saves % 2 else 0.005)
        return super().encrypt(data)


async def test_twenty_customer_tenants_at_once_all_get_tokens_and_the_file_holds_them_all(
    entra: FakeEntra, test_ca: LoopbackCA, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`overview` in GDAP mode: MSAL redeems the refresh token for many tenants on worker threads at
    once, and every redemption saves the cache file."""
    key = Fernet.generate_key().decode("ascii")
    cache_path = tmp_path / "token-cache.bin"
    config = _gdap_config(entra, test_ca, cache_path, key)
    await _consent(config)
    tenants = [str(uuid.UUID(int=n + 1)) for n in range(20)]
    tokens = MsalTokens(config)
    persisted = tokens._persisted
    assert persisted is not None
    # A slow disk: each save takes long enough that the worker threads' saves overlap.
    persisted._fernet = _SlowFernet(key.encode("ascii"))
    try:
        bearers = await asyncio.gather(*(tokens.bearer(tenant, GRAPH) for tenant in tenants))
        # Read before close(): close saves again, which would hide a lost save.
        stored = _stored(cache_path, key)
    finally:
        tokens.close()
    assert [(claims_of(bearer) or {}).get("tid") for bearer in bearers] == tenants
    assert [r.getMessage() for r in caplog.records if r.name == "services.tokens" and r.levelno >= 30] == []
    realms = {entry["realm"] for entry in stored["AccessToken"].values()}
    assert realms >= set(tenants)
    assert cache_path.stat().st_mode & 0o777 == 0o600
    assert _names(tmp_path) == ["token-cache.bin", "token-cache.bin.lock"]


async def test_a_save_that_fails_before_the_rename_leaves_the_previous_file_whole(
    entra: FakeEntra, test_ca: LoopbackCA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = Fernet.generate_key().decode("ascii")
    cache_path = tmp_path / "token-cache.bin"
    config = _gdap_config(entra, test_ca, cache_path, key)
    await _consent(config)
    before = cache_path.read_bytes()
    real_replace = os.replace

    def crash(source: Any, target: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    tokens = MsalTokens(config)
    try:
        # The token is good even though it couldn't be written down.
        assert (claims_of(await tokens.bearer(CONTOSO, GRAPH)) or {}).get("tid") == CONTOSO
        assert cache_path.read_bytes() == before
        assert "RefreshToken" in _stored(cache_path, key)
        assert _names(tmp_path) == ["token-cache.bin", "token-cache.bin.lock"]
        monkeypatch.setattr(os, "replace", real_replace)
    finally:
        tokens.close()
    # The unsaved change is written by the next save.
    realms = {entry["realm"] for entry in _stored(cache_path, key)["AccessToken"].values()}
    assert CONTOSO in realms


async def test_make_consent_is_refused_in_one_line_while_the_bot_holds_the_cache(
    entra: FakeEntra, test_ca: LoopbackCA, tmp_path: Path
) -> None:
    key = Fernet.generate_key().decode("ascii")
    cache_path = tmp_path / "token-cache.bin"
    config = _gdap_config(entra, test_ca, cache_path, key)
    await _consent(config)
    bot = MsalTokens(config)
    try:
        await bot.bearer(CONTOSO, GRAPH)
        before = cache_path.read_bytes()
        env = {
            **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
            "BOT_BACKEND": "live",
            "CUSTOMER_ACCESS": "gdap",
            "PARTNER_TENANT_ID": PARTNER,
            "PARTNER_CLIENT_ID": CLIENT_ID,
            "PARTNER_CLIENT_SECRET": "unused-for-public-client-flows",
            "AZURE_AUTHORITY_HOST": entra.base_url,
            "REQUESTS_CA_BUNDLE": str(test_ca.bundle),
            "TOKEN_CACHE_KEY": key,
            "TOKEN_CACHE_PATH": str(cache_path),
            "BOT_DATA_DIR": str(tmp_path),
        }
        # A second process, as `make consent` runs it.
        consent = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "cli",
            "consent",
            env=env,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await consent.communicate()
        assert consent.returncode == 1
        assert err.decode().splitlines() == [
            f"Consent not started: the bot is running with the token cache {cache_path}: stop it, "
            "run make consent, then start it"
        ]
        assert out == b""
        assert [r.grant_type for r in entra.token_requests].count(DEVICE_CODE_GRANT) == 1
        assert cache_path.read_bytes() == before
        # And the other way round: a bot doesn't start on a cache that a consent is writing.
    finally:
        bot.close()
    consent_tokens = MsalTokens(config, for_consent=True)
    try:
        with pytest.raises(TokenCacheInUse, match="make consent is writing the token cache"):
            MsalTokens(config)
    finally:
        consent_tokens.close()
    assert "RefreshToken" in _stored(cache_path, key)


_SAVING_PROCESS = """
import sys
from pathlib import Path
from services.backends.tokens import EncryptedTokenCache
cache = EncryptedTokenCache(Path(sys.argv[1]), sys.argv[2])
print("ready", flush=True)
for _ in range(int(sys.argv[3])):
    cache.cache.has_state_changed = True
    cache.save()
cache.close()
"""


async def test_a_second_process_saving_the_same_cache_never_breaks_a_save_or_the_file(
    entra: FakeEntra, test_ca: LoopbackCA, tmp_path: Path
) -> None:
    """`make doctor` (GDAP) while the bot runs: two processes save the one cache file at the same time."""
    key = Fernet.generate_key().decode("ascii")
    cache_path = tmp_path / "token-cache.bin"
    await _consent(_gdap_config(entra, test_ca, cache_path, key))
    # What a save killed between write and rename leaves behind, or another process's save in flight.
    leftover = cache_path.with_name(cache_path.name + ".tmp")
    leftover.write_bytes(b"partial")
    saves = 300
    other = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _SAVING_PROCESS,
        str(cache_path),
        key,
        str(saves),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert other.stdout is not None
    assert await other.stdout.readline() == b"ready\n"
    bot = EncryptedTokenCache(cache_path, key)

    def save_repeatedly() -> None:
        for _ in range(saves):
            bot.cache.has_state_changed = True
            bot.save()

    try:
        await asyncio.to_thread(save_repeatedly)
    finally:
        bot.close()
    _, err = await other.communicate()
    assert other.returncode == 0, err.decode()[-600:]
    assert "RefreshToken" in _stored(cache_path, key)
    assert leftover.read_bytes() == b"partial"
    assert _names(tmp_path) == [
        "token-cache.bin",
        "token-cache.bin.lock",
        "token-cache.bin.tmp",
    ]
