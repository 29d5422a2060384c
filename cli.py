"""The operator's command-line tools: `python -m cli doctor` (`make doctor`) and `python -m cli consent`
(`make consent`), both for BOT_BACKEND=live and read from the same settings as the bot."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Mapping

from services.access.people import AccessMode
from services.backends.doctor import Check, exit_code, render, run_doctor
from services.backends.live.backend import LiveBackend
from services.backends.live.config import CustomerAccess
from services.backends.tokens import MsalTokens, TokenCacheInUse, TokenError
from settings import settings_from_environment, stop


def doctor(environ: Mapping[str, str] | None = None) -> int:
    """What works and what is missing for BOT_BACKEND=live, with the fix for each: exit 1 when something
    the configuration asks for fails, 2 when the configuration can't be read."""
    settings = settings_from_environment(environ)
    if settings.live is None:
        stop("make doctor checks the live backend: set BOT_BACKEND=live and its settings")
    try:
        backend = LiveBackend(settings.live)
    except TokenCacheInUse as error:
        stop(str(error))

    async def check() -> list[Check]:
        try:
            operators = sorted(settings.access.operators)
            gdap = settings.people_access is AccessMode.GDAP
            return await run_doctor(backend, gdap=gdap, person=operators[0] if operators else "")
        finally:
            await backend.close()

    checks = asyncio.run(check())
    print(render(checks))
    return exit_code(checks)


def consent(environ: Mapping[str, str] | None = None) -> int:
    """A partner admin signs in once by device code (CUSTOMER_ACCESS=gdap); the refresh token is stored
    in the encrypted token cache."""
    settings = settings_from_environment(environ)
    if settings.live is None or settings.live.customer_access is not CustomerAccess.GDAP:
        stop("make consent is for BOT_BACKEND=live with CUSTOMER_ACCESS=gdap")
    try:
        tokens = MsalTokens(settings.live, for_consent=True)
    except TokenCacheInUse as error:
        print(f"Consent not started: {error}", file=sys.stderr)
        return 1
    try:
        prompt, wait = asyncio.run(tokens.start_consent())
        print(prompt.message, flush=True)
        result = wait()
    except TokenError as error:
        print(f"Consent failed: {error.error} {error.codes}", file=sys.stderr)
        return 1
    finally:
        tokens.close()
    if "access_token" not in result:
        print(f"Consent failed: {result.get('error')}: {result.get('error_description')}", file=sys.stderr)
        return 1
    print(f"Consent stored (encrypted) in {settings.live.token_cache_path}")
    return 0


COMMANDS: dict[str, Callable[[], int]] = {"doctor": doctor, "consent": consent}


def main(arguments: list[str]) -> int:
    if len(arguments) != 1 or arguments[0] not in COMMANDS:
        print(f"usage: python -m cli {{{','.join(COMMANDS)}}}", file=sys.stderr)
        return 2
    return COMMANDS[arguments[0]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
