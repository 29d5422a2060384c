from __future__ import annotations

import pytest

from bot.log_redaction import redact


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
