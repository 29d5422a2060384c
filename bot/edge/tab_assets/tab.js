// The overview tab and its configuration page (bot/edge/tab_page.py renders both).
// Inside Teams: the Teams JavaScript library gives the context (language, theme) and the SSO token the data
// endpoint requires; the board is polled with its ETag. Outside Teams the page says so and asks for nothing.
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const WORDS = JSON.parse($("tab-words").textContent);
  const SETTINGS = JSON.parse($("tab-settings").textContent);
  const LEVELS = ["operational", "informational", "degraded", "interrupted"];
  const MARKS = ["✓", "i", "▲", "✕"];
  const CONNECT_SECONDS = 5;
  let language = SETTINGS.language;

  function word(id, values) {
    let text = (WORDS[language] || WORDS.en)[id] || WORDS.en[id] || id;
    for (const [name, value] of Object.entries(values || {})) {
      text = text.split("{" + name + "}").join(String(value));
    }
    return text;
  }

  function esc(value) {
    const map = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
    return String(value).replace(/[&<>"']/g, (c) => map[c]);
  }

  function say(id, values) {
    const status = $("status");
    status.textContent = id ? word(id, values) : "";
    status.hidden = !id;
  }

  function applyWords() {
    document.documentElement.lang = language;
    document.querySelectorAll("[data-word]").forEach((element) => {
      element.textContent = word(element.dataset.word);
    });
    document.title = word(SETTINGS.page === "config" ? "tab.config_heading" : "tab.title");
  }

  function applyTheme(theme) {
    const name = theme === "dark" || theme === "contrast" ? theme : "default";
    document.body.className = "theme-" + name;
  }

  function languageOf(locale) {
    const code = String(locale || "").split("-")[0].toLowerCase();
    return WORDS[code] ? code : "en";
  }

  function outsideTeams() {
    say("tab.outside_teams");
    document.body.dataset.state = "outside";
    const main = document.querySelector("main");
    if (main) main.setAttribute("aria-busy", "false");
  }

  // Teams answers initialize at once; a page opened on its own (or framed by anything else) never hears back.
  async function connect() {
    if (window.parent === window || typeof microsoftTeams === "undefined") {
      outsideTeams();
      return false;
    }
    const origins = SETTINGS.hostOrigins.length ? SETTINGS.hostOrigins : undefined;
    const late = new Promise((_, reject) => setTimeout(() => reject(new Error("no host")), CONNECT_SECONDS * 1000));
    try {
      await Promise.race([microsoftTeams.app.initialize(origins), late]);
      const context = await microsoftTeams.app.getContext();
      language = languageOf(context.app && context.app.locale);
      applyWords();
      applyTheme(context.app && context.app.theme);
      microsoftTeams.app.registerOnThemeChangeHandler(applyTheme);
      microsoftTeams.app.notifySuccess();
      return true;
    } catch (error) {
      outsideTeams();
      return false;
    }
  }

  // The board.
  let board = null;
  let etag = "";
  let readAt = null;
  let servicesShown = "";

  function age(iso) {
    const minutes = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 60000));
    if (minutes < 60) return word("tab.age_minutes", { count: minutes });
    if (minutes < 48 * 60) return word("tab.age_hours", { count: Math.floor(minutes / 60) });
    return word("tab.age_days", { count: Math.floor(minutes / 1440) });
  }

  function clock(date) {
    return date.toLocaleTimeString(language === "ko" ? "ko-KR" : "en-US", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  // Act-by dates are days Microsoft names (midnight UTC): shown as that date, and how far off or overdue.
  function due(iso) {
    const ms = Date.parse(iso) - Date.now();
    const date = new Date(iso).toLocaleDateString(language === "ko" ? "ko-KR" : "en-US", { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
    if (ms < 0) return { overdue: true, text: date + " · " + word("tab.due_overdue_days", { count: Math.ceil(-ms / 86400000) }) };
    const days = Math.floor(ms / 86400000);
    return { overdue: false, text: date + " · " + (days === 0 ? word("tab.due_today") : word("tab.due_in_days", { count: days })) };
  }

  // Planned maintenance starts later: its date and time rather than an age.
  function startOf(iso) {
    if (Date.parse(iso) <= Date.now()) return age(iso);
    return new Date(iso).toLocaleString(language === "ko" ? "ko-KR" : "en-US", { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
  }

  function dueCell(customer) {
    if (customer.changes_unread) return '<td class="unread">' + esc(customer.changes_unread) + "</td>";
    if (!customer.due) return '<td class="due"></td>';
    const when = due(customer.due[0]);
    const more = customer.due[1] > 1 ? " (" + word("tab.due_more", { count: customer.due[1] - 1 }) + ")" : "";
    return '<td class="due' + (when.overdue ? " overdue" : "") + '">' + (when.overdue ? '<span class="mark" aria-hidden="true">! </span>' : "") +
      esc(when.text + more) + "</td>";
  }

  function levelCell(level, label) {
    return '<td class="level level-' + level + '"><span class="mark" aria-hidden="true">' + MARKS[level] +
      '</span> <span class="label">' + esc(label) + "</span></td>";
  }

  function fillSelect(select, options, keep) {
    select.innerHTML = options.map(([value, text]) => '<option value="' + esc(value) + '">' + esc(text) + "</option>").join("");
    select.value = options.some(([value]) => value === keep) ? keep : options[0][0];
  }

  function fillFilters() {
    const service = $("service-filter");
    const status = $("status-filter");
    const key = language + "|" + board.services.map((s) => s.id).join(",");
    if (key !== servicesShown) {
      const options = [["", word("tab.filter_service_all")]].concat(board.services.map((s) => [s.id, s.name]));
      fillSelect(service, options, service.value);
      const levels = [["", word("tab.filter_status_all")], ["attention", word("tab.filter_status_attention")]];
      for (let level = LEVELS.length - 1; level >= 0; level--) levels.push([String(level), word("tab.level." + LEVELS[level])]);
      fillSelect(status, levels, status.value);
      servicesShown = key;
    }
  }

  function matches(level, wanted) {
    if (wanted === "") return true;
    if (wanted === "attention") return level >= 2;
    return level === Number(wanted);
  }

  function render() {
    fillFilters();
    const serviceId = $("service-filter").value;
    const wanted = $("status-filter").value;
    const column = board.services.findIndex((s) => s.id === serviceId);
    const services = column >= 0 ? [board.services[column]] : board.services;
    const indexes = column >= 0 ? [column] : board.services.map((_, i) => i);
    const rows = board.customers.filter((c) => {
      if (c.worst < 0) return wanted === "" && column < 0;
      const cell = column >= 0 ? c.cells[column] : null;
      const level = column >= 0 ? (cell ? cell[0] : -1) : c.worst;
      return matches(level, wanted);
    });
    const total = board.customers.length;
    $("shown").textContent = total === 0 ? word("tab.no_customers")
      : rows.length === 0 ? word("tab.no_match")
      : word("tab.customers_shown", { shown: rows.length.toLocaleString(), total: total.toLocaleString() });

    const head = '<th scope="col">' + esc(word("tab.customer")) + '</th><th scope="col">' + esc(word("tab.worst")) +
      '</th><th scope="col">' + esc(word("tab.active")) + '</th><th scope="col">' + esc(word("tab.act_by")) + "</th>" +
      services.map((s) => '<th scope="col">' + esc(s.name) + "</th>").join("");
    const body = rows.map((c) => {
      const name = '<th scope="row">' + esc(c.name) + "</th>";
      if (c.worst < 0) {
        return "<tr>" + name + '<td class="unread" colspan="' + (services.length + 3) + '">' + esc(c.unread) + "</td></tr>";
      }
      const cells = indexes.map((i) => c.cells[i] ? levelCell(c.cells[i][0], board.statuses[c.cells[i][1]])
        : '<td class="level none">' + esc(word("tab.not_reported")) + "</td>");
      return "<tr>" + name + levelCell(c.worst, word("tab.level." + LEVELS[c.worst])) +
        '<td class="number">' + c.active.toLocaleString() + "</td>" + dueCell(c) + cells.join("") + "</tr>";
    }).join("");
    $("grid-scroll").innerHTML = '<table id="grid"><caption class="visually-hidden">' + esc(word("tab.grid_heading")) +
      " · " + esc(word("tab.grid_scroll")) + "</caption><thead><tr>" + head + "</tr></thead><tbody>" + body + "</tbody></table>";

    const names = new Set(services.map((s) => s.name));
    const incidents = board.incidents.filter((i) => (column < 0 || names.has(i.service)) && matches(i.level, wanted));
    $("incidents").innerHTML = incidents.length === 0 ? "<p>" + esc(word("tab.incidents_none")) + "</p>"
      : table(["tab.col_incident", "tab.customer", "tab.col_service", "tab.col_title", "tab.col_status", "tab.col_started"],
        incidents.map((i) => [i.id, i.customer, i.service, i.title, i.status, age(i.start)]), "incident-table");
    // The act-by dates of the customers shown (and, filtered by service, of messages about it).
    const shownNames = new Set(rows.map((c) => c.name));
    const changes = board.changes
      .filter((m) => column < 0 || m.services.includes(board.services[column].name))
      .map((m) => Object.assign({}, m, { customers: m.customers.filter((name) => shownNames.has(name)) }))
      .filter((m) => m.customers.length > 0);
    $("changes").innerHTML = changes.length === 0 ? "<p>" + esc(word("tab.changes_none")) + "</p>"
      : changesTable(changes);
    // Azure events of the customers shown; a customer whose Azure health can't be read says so below them.
    const azure = board.azure
      .map((e) => Object.assign({}, e, { customers: e.customers.filter((name) => shownNames.has(name)) }))
      .filter((e) => e.customers.length > 0);
    const azureUnread = board.azure_unread.filter((u) => shownNames.has(u.name))
      .map((u) => '<li><span class="unread-name">' + esc(u.name) + "</span>: " + esc(u.reason) + "</li>").join("");
    $("azure").innerHTML = (azure.length === 0 ? "<p>" + esc(word("tab.azure_none")) + "</p>"
      : table(["tab.col_tracking", "tab.col_type", "tab.col_title", "tab.col_services", "tab.col_started", "tab.col_customers"],
        azure.map((e) => [e.id, e.type, e.title, e.services.join(", "), e.start ? startOf(e.start) : "", e.customers.join(", ")]), "azure-table"))
      + (azureUnread ? '<ul id="azure-unread">' + azureUnread + "</ul>" : "");
    $("requests").innerHTML = board.requests.length === 0 ? "<p>" + esc(word("tab.requests_none")) + "</p>"
      : table(["tab.col_request", "tab.customer", "tab.col_title", "tab.col_status", "tab.col_severity", "tab.col_filed"],
        board.requests.map((r) => [r.number, r.customer, r.title, r.status, r.severity, age(r.created)]), "request-table");
    showRead();
  }

  function changesTable(changes) {
    const headings = ["tab.col_message", "tab.col_act_by", "tab.col_title", "tab.col_customers"];
    const rows = changes.map((m) => {
      const when = due(m.act_by);
      const title = m.major ? m.title + " · " + word("tab.major_change") : m.title;
      return '<tr><th scope="row">' + esc(m.id) + '</th><td class="due' + (when.overdue ? " overdue" : "") + '">' +
        (when.overdue ? '<span class="mark" aria-hidden="true">! </span>' : "") + esc(when.text) + "</td><td>" +
        esc(title) + "</td><td>" + esc(m.customers.join(", ")) + "</td></tr>";
    }).join("");
    return '<table id="change-table"><thead><tr>' + headings.map((h) => '<th scope="col">' + esc(word(h)) + "</th>").join("") +
      "</tr></thead><tbody>" + rows + "</tbody></table>";
  }

  function table(headings, rows, id) {
    return '<table id="' + id + '"><thead><tr>' + headings.map((h) => '<th scope="col">' + esc(word(h)) + "</th>").join("") +
      "</tr></thead><tbody>" + rows.map((cells) => "<tr>" + cells.map((c, i) => i === 0 ? '<th scope="row">' + esc(c) + "</th>"
        : "<td>" + esc(c) + "</td>").join("") + "</tr>").join("") + "</tbody></table>";
  }

  function showRead(failedAt) {
    if (!readAt) return;
    $("last-read").textContent = failedAt ? word("tab.stale", { time: clock(failedAt), read: clock(readAt) })
      : word("tab.last_read", { time: clock(readAt) });
  }

  async function refresh() {
    let token;
    try {
      token = await microsoftTeams.authentication.getAuthToken();
    } catch (error) {
      if (!board) say("tab.signin_failed");
      return;
    }
    const headers = { Authorization: "Bearer " + token };
    if (etag) headers["If-None-Match"] = etag;
    let response;
    try {
      response = await fetch("/tab/api/board?lang=" + encodeURIComponent(language), { headers, cache: "no-store" });
    } catch (error) {
      response = null;
    }
    if (response && response.status === 304) {
      readAt = new Date(response.headers.get("Date") || Date.now());
      showRead();
    } else if (response && response.status === 200) {
      board = await response.json();
      etag = response.headers.get("ETag") || "";
      readAt = new Date(board.read_at);
      say("");
      $("board").hidden = false;
      $("tab").setAttribute("aria-busy", "false");
      document.body.dataset.state = "shown";
      render();
      // The first board drawn: `make bench` times it from the frame's navigation (its first paint).
      if (!performance.getEntriesByName("overview-shown").length) {
        requestAnimationFrame(() => performance.mark("overview-shown"));
      }
    } else if (response && response.status === 401) {
      board = null;
      etag = "";
      $("board").hidden = true;
      say("tab.refused");
    } else if (board) {
      showRead(new Date());
    } else {
      say("tab.unavailable");
    }
  }

  async function poll() {
    await refresh();
    setTimeout(poll, SETTINGS.pollSeconds * 1000);
  }

  async function startTab() {
    $("filters").addEventListener("submit", (event) => event.preventDefault());
    for (const id of ["service-filter", "status-filter"]) {
      $(id).addEventListener("change", () => board && render());
    }
    if (await connect()) await poll();
  }

  async function startConfig() {
    if (!(await connect())) return;
    say("");
    microsoftTeams.pages.config.registerOnSaveHandler((save) => {
      const tab = window.location.origin + "/tab";
      microsoftTeams.pages.config
        .setConfig({ entityId: "overview", suggestedDisplayName: word("tab.title"), contentUrl: tab + "?locale={locale}", websiteUrl: tab })
        .then(() => save.notifySuccess(), (error) => save.notifyFailure(String(error)));
    });
    microsoftTeams.pages.config.setValidityState(true);
  }

  applyWords();
  if (SETTINGS.page === "config") startConfig();
  else startTab();
})();
