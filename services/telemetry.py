"""Traces and metrics for Azure Monitor (Application Insights), through OpenTelemetry.

Until `start_telemetry` is called with a connection string, the OpenTelemetry API's own no-op providers
are in place: spans and counters cost next to nothing and nothing leaves the process. Attributes carry
names from our own tables (activity type, command name, outcome, API name, HTTP method and status,
host), never message text, ids of people or conversations, URLs with their paths, or secrets.
"""

from __future__ import annotations

from opentelemetry import metrics, trace

_NAME = "csp-support-bot"

TRACER = trace.get_tracer(_NAME)
_METER = metrics.get_meter(_NAME)
TURNS = _METER.create_counter("bot.turns", description="Turns handled, by activity type and outcome")
NOTICES_SENT = _METER.create_counter("bot.notices_sent", description="Notice cards posted or updated")
THROTTLED_SENDS = _METER.create_counter("bot.throttled_sends", description="Connector sends answered 429")
REQUESTS_FILED = _METER.create_counter("bot.service_requests_filed", description="Service requests filed")


def start_telemetry(connection_string: str) -> bool:
    """Send traces and metrics to Azure Monitor; False (and nothing configured) without a connection
    string. Logs are not exported (they stay on stderr), nor are other libraries instrumented (their
    spans would carry URLs with conversation and tenant ids)."""
    if not connection_string:
        return False
    from azure.monitor.opentelemetry import configure_azure_monitor
    from azure.monitor.opentelemetry._constants import _ALL_SUPPORTED_INSTRUMENTED_LIBRARIES

    configure_azure_monitor(
        connection_string=connection_string,
        disable_logging=True,
        enable_live_metrics=False,
        instrumentation_options={name: {"enabled": False} for name in _ALL_SUPPORTED_INSTRUMENTED_LIBRARIES},
    )
    return True
