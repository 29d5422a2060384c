from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from bot.edge.log_redaction import AZURE_SDK_LOGGERS, configure_logging, redact
from services.domain.models import DocumentWrite
from services.instances.turn_journal import TurnJournal
from services.storage.document_store import BotStateDocuments
from tests.support.azurite import open_container


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        (
            "Retrying (Retry(total=2)) after connection broken: /amer/v3/conversations/"
            "19%3Ab5c9%40thread.tacv2%3Bmessageid%3D1732458000016/activities/1732458000016",
            "1732458000016",
        ),
        ('"POST /amer/v3/conversations/a:1xYz-9_Q/activities/1732 HTTP/1.1" 503', "a:1xYz-9_Q"),
        ("conversation 19:b5c9a3f2e1d04f6c8e7a9b0c1d2e3f4a@thread.tacv2;messageid=17 failed", "b5c9a3f2"),
        ("from 29:1Ana-Bowman-Teams-Id to 28:5f1c2a6e-7d2b", "Ana-Bowman"),
        ("headers {'Authorization': 'Bearer abc.def-ghi_jkl=='}", "abc.def"),
        ("token eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJl seen", "eyJhbGci"),
    ],
)
def test_ids_and_tokens_are_redacted_from_any_line(line: str, secret: str) -> None:
    assert secret not in redact(line)


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("headers {'authorization': 'bearer 0pAque-notify-token'}", "0pAque-notify-token"),
        ("Authorization: bearer s3cr3t!x#y$z%2F&q=1", "x#y$z%2F&q=1"),
        ('{"Authorization": "BEARER tok~en.with/all+chars=="}', "tok~en"),
        ("refused header=bEaReR\tabc:def@ghi;jkl", "abc:def@ghi;jkl"),
        ("Bearer eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2ln", "eyJhdWQiOiJ4In0"),
    ],
)
def test_a_bearer_token_of_any_shape_is_redacted_however_the_scheme_is_spelt(line: str, secret: str) -> None:
    redacted = redact(line)
    assert secret not in redacted
    assert "Bearer <token>" in redacted


@pytest.mark.parametrize(
    "line",
    [
        "2026-11-25 19:05:33,123 INFO bot.startup serving http://10.0.0.8:3978/api/messages",
        "2026-11-25 00:28:59,724 WARNING x",
        "2026-11-25 08:29:01,000 INFO y port=8:80",
    ],
)
def test_times_addresses_and_ports_survive(line: str) -> None:
    assert redact(line) == line


def test_ordinary_words_survive() -> None:
    line = "turn type=message conversation=2aa7be46fd08 command=health duration_ms=9 outcome=ok data:x"
    assert redact(line) == line


# Every kind of Teams id, and what in it must never reach a log.
ID_KINDS = {
    "channel": ("19:b5c9a3f2e1d04f6c8e7a9b0c1d2e3f4a@thread.tacv2", "b5c9a3f2e1d04f6c"),
    "channel message": ("19:b5c9a3f2e1d04f6c@thread.tacv2;messageid=1732458000016", "b5c9a3f2e1d04f6c"),
    "group chat": ("19:meeting_MjdhNjM4YzUtYzExZi00OTFkLTkzMjEtNzBmMWVhNzNjNjA1@thread.v2", "MjdhNjM4YzUt"),
    "one-to-one": ("a:1xYzQw8tS2hRpL0vN3m", "1xYzQw8tS2hRpL0vN3m"),
    "unq chat": ("19:2f9c0e2a-6c1d@unq.gbl.spaces", "2f9c0e2a-6c1d"),
    "user": ("29:1Ana-Bowman-Teams-Id-0Qk", "Ana-Bowman-Teams"),
    "bot": ("28:5f1c2a6e-7d2b-4c1e-9a0b", "5f1c2a6e-7d2b"),
    "aad user": ("8:orgid:6f2b8c1e-3d4a-4b5c-9e8f-0a1b2c3d4e5f", "6f2b8c1e-3d4a"),
}
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def _encoded(text: str, times: int) -> str:
    for _ in range(times):
        text = quote(text, safe="")
    return text


# Where ids meet a log: a blob URL of the state store and the journal, a connector call, a plain message.
PLACES = [
    "Request URL: 'http://127.0.0.1:10000/devstoreaccount1/bot-state/documents/{blob}'",
    "Response status: 404 blob=turns/{blob}/1732458000016 elapsed=3ms",
    "state key {blob} not found",
]


@pytest.mark.parametrize("times", [0, 1, 2], ids=["raw", "encoded once", "encoded twice"])
@pytest.mark.parametrize("kind", list(ID_KINDS))
@pytest.mark.parametrize("place", PLACES)
def test_every_id_kind_is_redacted_raw_or_percent_encoded(kind: str, times: int, place: str) -> None:
    teams_id, secret = ID_KINDS[kind]
    # The state store's keys are botbuilder's (msteams/users/<id>, msteams/conversations/<id>/users/<id>),
    # made a blob name by quoting once, and a URL by the SDK quoting again.
    for key in (f"msteams/users/{teams_id}", f"msteams/conversations/{teams_id}/users/29:1Ana-Bowman-Teams"):
        line = place.format(blob=_encoded(key, times))
        redacted = redact(line)
        assert secret not in redacted, line
        assert _encoded(secret, times) not in redacted, line
        assert "Ana-Bowman-Teams" not in redacted, line


@pytest.mark.parametrize("times", [0, 1, 2], ids=["raw", "encoded once", "encoded twice"])
@pytest.mark.parametrize(
    "template",
    ['{{"tenantId": "{t}"}}', "tenant_id={t}", "tenant={t} scope=graph", "?tenantId={t}&x=1"],
)
def test_tenant_ids_are_redacted_raw_or_percent_encoded(template: str, times: int) -> None:
    line = "payload " + _encoded(template.format(t=TENANT), times)
    assert TENANT[:8] not in redact(line), line


@contextmanager
def logging_configured(level: str) -> Iterator[io.StringIO]:
    """configure_logging as the app calls it, writing to a string; pytest's own handlers and levels
    come back afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    stream = io.StringIO()
    configure_logging(level, stream)
    try:
        yield stream
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name in AZURE_SDK_LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)


def test_azure_sdk_request_logs_are_quiet_unless_debug() -> None:
    """The HTTP logging policy's INFO lines (every blob request) don't reach stderr at LOG_LEVEL=INFO."""
    policy = logging.getLogger("azure.core.pipeline.policies.http_logging_policy")
    for level, expected in (("INFO", False), ("WARNING", False), ("DEBUG", True)):
        with logging_configured(level) as stream:
            policy.info("Request URL: 'http://127.0.0.1:10000/devstoreaccount1/bot-state/documents/x'")
            logging.getLogger("azure.storage.blob").info("storage chatter")
            logging.getLogger("azure.identity").info("identity chatter")
            logging.getLogger("azure.core").warning("a real problem")
            logging.getLogger("bot.turn").info("our own line")
        written = stream.getvalue()
        assert ("Request URL" in written) is expected, level
        assert ("storage chatter" in written) is expected and ("identity chatter" in written) is expected
        assert "a real problem" in written
        assert ("our own line" in written) is (level != "WARNING")


async def test_the_azure_sdks_own_request_lines_at_debug_carry_no_teams_id(
    request: pytest.FixtureRequest,
) -> None:
    """Real blob requests through the SDK's HTTP logging policy (LOG_LEVEL=DEBUG): their URLs hold the
    ids percent-encoded twice, and the redactor still catches each."""
    container = await open_container(request)
    try:
        with logging_configured("DEBUG") as stream:
            documents = BotStateDocuments(container)
            journal = TurnJournal(container, "run")
            for kind, (teams_id, _) in ID_KINDS.items():
                await documents.write({f"msteams/users/{teams_id}": DocumentWrite({})})
                await journal.accept(teams_id, f"activity-{kind}", {}, "help", datetime.now(UTC))
    finally:
        await container.close()
    written = stream.getvalue()
    assert "Request URL" in written
    for teams_id, secret in ID_KINDS.values():
        assert secret not in written and quote(quote(secret, safe=""), safe="") not in written, teams_id
