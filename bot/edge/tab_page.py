"""The overview tab's two pages (the tab and its channel configuration page), rendered on the server.

Everything they load comes from this app (no CDN): the Teams JavaScript library from the package lock in
tools/teams-js, and the page's own script and style beside this module. Every word is from the catalogues,
both languages embedded, so the script speaks the language of the person's Teams client (its context's
locale) without another round trip; the server's first rendering uses `?locale=` (Teams fills in the
`{locale}` of the manifest's contentUrl) or the browser's Accept-Language.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from locales.translator import LANGUAGES, Translator

ASSETS = Path(__file__).resolve().parent / "tab_assets"
# The page's own words; the script reads them from the page, in both languages.
TAB_WORDS = (
    "tab.title",
    "tab.connecting",
    "tab.outside_teams",
    "tab.signin_failed",
    "tab.refused",
    "tab.unavailable",
    "tab.filters",
    "tab.filter_service",
    "tab.filter_service_all",
    "tab.filter_status",
    "tab.filter_status_all",
    "tab.filter_status_attention",
    "tab.level.operational",
    "tab.level.informational",
    "tab.level.degraded",
    "tab.level.interrupted",
    "tab.grid_heading",
    "tab.grid_scroll",
    "tab.customer",
    "tab.worst",
    "tab.active",
    "tab.act_by",
    "tab.not_reported",
    "tab.customers_shown",
    "tab.no_customers",
    "tab.no_match",
    "tab.incidents_heading",
    "tab.incidents_none",
    "tab.changes_heading",
    "tab.changes_none",
    "tab.azure_heading",
    "tab.azure_none",
    "tab.requests_heading",
    "tab.requests_none",
    "tab.col_incident",
    "tab.col_service",
    "tab.col_title",
    "tab.col_status",
    "tab.col_started",
    "tab.col_message",
    "tab.col_customers",
    "tab.col_act_by",
    "tab.col_tracking",
    "tab.col_type",
    "tab.col_services",
    "tab.col_request",
    "tab.col_severity",
    "tab.col_filed",
    "tab.age_minutes",
    "tab.age_hours",
    "tab.age_days",
    "tab.due_in_days",
    "tab.due_today",
    "tab.due_overdue_days",
    "tab.due_more",
    "tab.major_change",
    "tab.last_read",
    "tab.stale",
    "tab.config_heading",
    "tab.config_help",
)


def tab_words() -> dict[str, dict[str, str]]:
    return {language: {m: Translator(language)(m) for m in TAB_WORDS} for language in LANGUAGES}


def _data(element_id: str, value: Any) -> str:
    """JSON for the script, in a data block (not run, so the CSP needs no inline script); `</` can't
    close the element early."""
    text = json.dumps(value, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


def _shell(t: Translator, title: str, main: str, settings: dict[str, Any]) -> str:
    return f"""<!doctype html>
<html lang="{t.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="/tab/assets/tab.css">
{_data("tab-words", tab_words())}
{_data("tab-settings", settings)}
<script src="/tab/assets/teams-js.js" defer></script>
<script src="/tab/assets/tab.js" defer></script>
</head>
<body class="theme-default">
{main}
</body>
</html>
"""


def tab_page(t: Translator, poll_seconds: float, host_origins: list[str]) -> str:
    """The tab: filters, the grid, incidents, act-by dates, Azure events and requests; the script fills
    them once Teams has signed the person in. Until then (and outside Teams for good) the status line says
    what is happening."""
    main = f"""<main id="tab" aria-busy="true">
<h1 data-word="tab.title">{html.escape(t("tab.title"))}</h1>
<p id="status" role="status" aria-live="polite">{html.escape(t("tab.connecting"))}</p>
<noscript><p>{html.escape(t("tab.outside_teams"))}</p></noscript>
<div id="board" hidden>
<form id="filters" aria-labelledby="filters-heading">
<h2 id="filters-heading" class="visually-hidden" data-word="tab.filters"></h2>
<label for="service-filter" data-word="tab.filter_service"></label>
<select id="service-filter"></select>
<label for="status-filter" data-word="tab.filter_status"></label>
<select id="status-filter"></select>
</form>
<p id="shown" aria-live="polite"></p>
<section aria-labelledby="grid-heading">
<h2 id="grid-heading" data-word="tab.grid_heading"></h2>
<div id="grid-scroll" class="scroll" tabindex="0" role="region" aria-labelledby="grid-heading"></div>
</section>
<section aria-labelledby="incidents-heading">
<h2 id="incidents-heading" data-word="tab.incidents_heading"></h2>
<div id="incidents" class="scroll" tabindex="0" role="region" aria-labelledby="incidents-heading"></div>
</section>
<section aria-labelledby="changes-heading">
<h2 id="changes-heading" data-word="tab.changes_heading"></h2>
<div id="changes" class="scroll" tabindex="0" role="region" aria-labelledby="changes-heading"></div>
</section>
<section aria-labelledby="azure-heading">
<h2 id="azure-heading" data-word="tab.azure_heading"></h2>
<div id="azure" class="scroll" tabindex="0" role="region" aria-labelledby="azure-heading"></div>
</section>
<section aria-labelledby="requests-heading">
<h2 id="requests-heading" data-word="tab.requests_heading"></h2>
<div id="requests" class="scroll" tabindex="0" role="region" aria-labelledby="requests-heading"></div>
</section>
<p id="last-read"></p>
</div>
</main>"""
    settings = {
        "page": "tab",
        "language": t.language,
        "pollSeconds": poll_seconds,
        "hostOrigins": host_origins,
    }
    return _shell(t, t("tab.title"), main, settings)


def config_page(t: Translator, host_origins: list[str]) -> str:
    """The channel tab's configuration page: says what the tab shows and lets Teams save it."""
    main = f"""<main id="config">
<h1 data-word="tab.config_heading">{html.escape(t("tab.config_heading"))}</h1>
<p id="status" role="status" aria-live="polite">{html.escape(t("tab.connecting"))}</p>
<p data-word="tab.config_help">{html.escape(t("tab.config_help"))}</p>
</main>"""
    settings = {"page": "config", "language": t.language, "hostOrigins": host_origins}
    return _shell(t, t("tab.config_heading"), main, settings)
