"""Telemetry: one span per turn and per upstream call, counters, nothing configured without a connection
string, and no message text, ids or secrets in any attribute.

OpenTelemetry's providers can be set once per process: this module installs the SDK's in-memory ones
(what configure_azure_monitor would install, minus the exporter) and reads what the code recorded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services import telemetry
from tests.doubles.connector import FakeConnector
from tests.integration.conftest import StartBot
from tests.integration.teams import channel_message

ROOT = Path(__file__).resolve().parents[2]
SPANS = InMemorySpanExporter()
READER = InMemoryMetricReader()


@pytest.fixture(scope="module", autouse=True)
def _providers() -> None:
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(SPANS))
        trace.set_tracer_provider(provider)
        metrics.set_meter_provider(MeterProvider(metric_readers=[READER]))


@pytest.fixture
def spans() -> InMemorySpanExporter:
    SPANS.clear()
    return SPANS


def _counters() -> dict[str, int]:
    data = READER.get_metrics_data()
    totals: dict[str, int] = {}
    for resource in data.resource_metrics if data else []:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                points: Any = metric.data.data_points
                totals[metric.name] = sum(int(point.value) for point in points)
    return totals


async def test_a_turn_and_its_connector_calls_are_spans_without_what_was_said(
    start_bot: StartBot, connector: FakeConnector, service_url: str, spans: InMemorySpanExporter
) -> None:
    bot = await start_bot()
    before = _counters().get("bot.turns", 0)
    activity = channel_message(service_url, "health contoso hunter2-password")
    response = await bot.post("/api/messages", json=activity)
    assert response.status in (200, 201)
    finished = spans.get_finished_spans()
    names = [span.name for span in finished]
    assert "turn" in names and "connector" in names
    turn = next(span for span in finished if span.name == "turn")
    assert turn.attributes is not None
    assert turn.attributes["command"] == "health" and turn.attributes["activity.type"] == "message"
    connector_span = next(span for span in finished if span.name == "connector")
    assert connector_span.parent is not None and turn.context is not None
    assert connector_span.parent.span_id == turn.context.span_id, "the reply is sent inside the turn's span"
    said = ["hunter2", "contoso", activity["conversation"]["id"], activity["from"]["id"], "/amer/"]
    for span in finished:
        for value in (span.attributes or {}).values():
            assert not any(secret in str(value) for secret in said), (span.name, value)
    assert _counters()["bot.turns"] == before + 1


async def test_upstream_calls_of_the_live_backend_are_spans(
    live_world: Any, spans: InMemorySpanExporter
) -> None:
    await live_world.backend.list_customers()
    upstream = [span for span in spans.get_finished_spans() if span.name == "upstream"]
    assert upstream and upstream[0].attributes is not None
    assert (
        upstream[0].attributes["upstream.api"] and upstream[0].attributes["http.response.status_code"] == 200
    )
    assert all("/" not in str(value) for value in upstream[0].attributes.values())


def test_nothing_is_configured_without_a_connection_string(monkeypatch: pytest.MonkeyPatch) -> None:
    assert telemetry.start_telemetry("") is False
    probe = (
        "import app, settings, services.telemetry as t; from opentelemetry import trace, metrics;"
        "s = settings.Settings.from_env({});"
        "assert t.start_telemetry(s.telemetry_connection_string) is False;"
        "print(type(trace.get_tracer_provider()).__name__, type(metrics.get_meter_provider()).__name__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ProxyTracerProvider", "_ProxyMeterProvider"]


def test_the_connection_string_is_read_and_kept_out_of_repr() -> None:
    from settings import Settings

    settings = Settings.from_env({"APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=abc-secret"})
    assert settings.telemetry_connection_string == "InstrumentationKey=abc-secret"
    assert "abc-secret" not in repr(settings)
