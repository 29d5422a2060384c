// The overview tab in headless Chromium, framed by a stand-in Teams host (tab_host.html) that answers the
// Teams JavaScript library and hands out SSO tokens signed by the local Entra double. Run by `make e2e`.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

const botUrl = process.env.TAB_BOT_URL ?? 'http://127.0.0.1:3980';
const hostUrl = process.env.TAB_HOST_URL ?? 'http://127.0.0.1:56152';
const tickToken = process.env.TICK_TOKEN ?? 'e2e-tick';
const shots = process.env.SCREENSHOTS ?? '../build/e2e';
const WAIT = { timeout: 20_000 };
let browser;
let page;

before(async () => {
  mkdirSync(shots, { recursive: true });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1250, height: 1450 } });
});

after(async () => {
  await browser?.close();
});

async function board(who = 'ana', lang = 'en') {
  const { token } = await (await fetch(`${hostUrl}/token?who=${who}`)).json();
  const response = await fetch(`${botUrl}/tab/api/board?lang=${lang}`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200);
  return response.json();
}

async function openTab(query = '') {
  const requests = [];
  page.removeAllListeners('request');
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(`${hostUrl}/host.html?${query}`, { waitUntil: 'domcontentloaded' });
  const frame = page.frameLocator('#tab');
  await frame.locator('#grid').waitFor(WAIT);
  const tab = page.frames().find((f) => f.url().startsWith(`${botUrl}/tab`));
  return { frame, tab, requests };
}

test('in the Teams host the tab signs in and shows every customer Ana may see, worst first, in the grid', async () => {
  const expected = await board();
  const { frame, tab, requests } = await openTab();
  const rows = frame.locator('#grid tbody tr');
  assert.equal(await rows.count(), expected.customers.length);
  assert.equal(await rows.first().locator('th').innerText(), expected.customers[0].name);
  const worst = await frame.locator('#grid tbody tr td:nth-child(2)').allInnerTexts();
  assert.match(worst[0], /Interrupted|Degraded/);
  const headers = await frame.locator('#grid thead th').allInnerTexts();
  assert.deepEqual(headers.slice(4), expected.services.map((s) => s.name));
  assert.equal(await frame.locator('#incident-table tbody tr').count(), expected.incidents.length);
  assert.match(await frame.locator('#last-read').innerText(), /Data read at/);
  assert.equal(await tab.evaluate(() => document.body.className), 'theme-default');
  // Everything the page loaded came from the bot or the host: nothing from a CDN.
  const elsewhere = requests.filter((url) => !url.startsWith(botUrl) && !url.startsWith(hostUrl));
  assert.deepEqual(elsewhere, []);
  await page.screenshot({ path: `${shots}/tab-default.png` });
});

test("the message center's act-by dates within 30 days show nearest first, and each customer's nearest in the grid", async () => {
  const expected = await board();
  assert.ok(expected.changes.length > 0, 'the demo has act-by dates due for Ana');
  const { frame } = await openTab();
  const ids = await frame.locator('#change-table tbody th').allInnerTexts();
  assert.deepEqual(ids, expected.changes.map((c) => c.id));
  const dates = expected.changes.map((c) => c.act_by);
  assert.deepEqual(dates, [...dates].sort(), 'nearest first');
  // Each says how far off it is, or that it is overdue, in words as well as colour.
  const rows = frame.locator('#change-table tbody tr');
  for (const [index, change] of expected.changes.entries()) {
    const [when, title, customers] = await rows.nth(index).locator('td').allInnerTexts();
    assert.match(when, Date.parse(change.act_by) < Date.now() ? /overdue \d+ d/ : /in \d+ d|today/, change.id);
    assert.equal(customers, change.customers.join(', '));
    assert.ok(title.startsWith(change.title), change.id);
  }
  // The grid's act-by column: each customer's nearest date and how many more, blank where none is due.
  assert.equal((await frame.locator('#grid thead th').allInnerTexts())[3], 'Next act-by');
  const grid = frame.locator('#grid tbody tr');
  for (const [index, customer] of expected.customers.entries()) {
    if (customer.worst < 0) continue;
    const cell = await grid.nth(index).locator('td').nth(2).innerText();
    if (!customer.due) {
      assert.equal(cell.trim(), '', customer.name);
      continue;
    }
    assert.match(cell, Date.parse(customer.due[0]) < Date.now() ? /overdue/ : /in \d+ d|today/, customer.name);
    if (customer.due[1] > 1) assert.match(cell, new RegExp(`\\+${customer.due[1] - 1} more`), customer.name);
  }
  await frame.locator('#changes').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${shots}/tab-act-by.png` });
});

test('the active Azure service health events of the customers with subscriptions show, each once with its customers', async () => {
  const expected = await board();
  assert.ok(expected.azure.length > 0, 'the demo has active Azure events for Ana');
  const { frame } = await openTab();
  assert.deepEqual(await frame.locator('#azure-table tbody th').allInnerTexts(), expected.azure.map((e) => e.id));
  const rows = frame.locator('#azure-table tbody tr');
  for (const [index, event] of expected.azure.entries()) {
    const [type, title, , , customers] = await rows.nth(index).locator('td').allInnerTexts();
    assert.equal(type, event.type);
    assert.equal(title, event.title);
    assert.equal(customers, event.customers.join(', '));
  }
  await frame.locator('#azure').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${shots}/tab-azure.png` });
});

// The lowest contrast (WCAG 2 ratio) between the page's background and any text of the grid, its headings,
// the filters and the status words, as the browser draws them in the current theme.
const lowestContrast = (tab) => tab.evaluate(() => {
  const rgb = (text) => text.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number);
  const luminance = ([r, g, b]) => {
    const [R, G, B] = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * R + 0.7152 * G + 0.0722 * B;
  };
  const page = luminance(rgb(getComputedStyle(document.body).backgroundColor));
  let lowest = 21;
  for (const element of document.querySelectorAll('h1, h2, label, select, th, td, #shown, #last-read')) {
    const text = luminance(rgb(getComputedStyle(element).color));
    lowest = Math.min(lowest, (Math.max(text, page) + 0.05) / (Math.min(text, page) + 0.05));
  }
  return lowest;
});

test('the host switching theme restyles the tab: dark, then high contrast, each readable', async () => {
  const { frame, tab } = await openTab();
  const background = () => tab.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const light = await background();
  assert.ok(await lowestContrast(tab) >= 4.5, 'default theme');
  await page.evaluate(() => window.setTheme('dark'));
  await tab.waitForFunction(() => document.body.className === 'theme-dark', null, WAIT);
  assert.notEqual(await background(), light);
  assert.ok(await lowestContrast(tab) >= 4.5, 'dark theme');
  await page.screenshot({ path: `${shots}/tab-dark.png` });
  await page.evaluate(() => window.setTheme('contrast'));
  await tab.waitForFunction(() => document.body.className === 'theme-contrast', null, WAIT);
  assert.equal(await background(), 'rgb(0, 0, 0)');
  assert.ok(await lowestContrast(tab) >= 7, 'high contrast theme');
  await frame.locator('#status-filter').focus();
  await page.screenshot({ path: `${shots}/tab-contrast.png` });
});

test('filters by status and by service, from the keyboard', async () => {
  const expected = await board();
  const { frame } = await openTab();
  await frame.locator('#status-filter').focus();
  await frame.locator('#status-filter').selectOption('3');
  const interrupted = expected.customers.filter((c) => c.worst === 3);
  assert.ok(interrupted.length > 0, 'the demo has an interrupted customer');
  const rows = frame.locator('#grid tbody tr');
  assert.equal(await rows.count(), interrupted.length);
  assert.deepEqual(await frame.locator('#grid tbody th').allInnerTexts(), interrupted.map((c) => c.name));
  assert.match(await frame.locator('#shown').innerText(), new RegExp(`^${interrupted.length} of ${expected.customers.length}`));

  await frame.locator('#status-filter').selectOption('');
  const service = expected.services[0];
  await frame.locator('#service-filter').selectOption(service.id);
  const headers = await frame.locator('#grid thead th').allInnerTexts();
  assert.deepEqual(headers.slice(4), [service.name]);
  const incidents = await frame.locator('#incident-table tbody tr td:nth-child(3)').allInnerTexts().catch(() => []);
  assert.ok(incidents.every((name) => name === service.name));
  await page.screenshot({ path: `${shots}/tab-filtered.png` });
});

test('a demo tick changes the open tab without reloading it', async () => {
  const { frame, tab } = await openTab();
  await tab.evaluate(() => { window.loadedOnce = true; });
  const before = await frame.locator('#incidents').innerText();
  let changed = false;
  for (let step = 0; step < 4 && !changed; step++) {
    const ticked = await fetch(`${botUrl}/api/demo/tick`, { method: 'POST', headers: { Authorization: `Bearer ${tickToken}` } });
    assert.equal(ticked.status, 200);
    if ((await ticked.json()).changes.length === 0) continue;
    changed = await tab.waitForFunction((text) => document.getElementById('incidents').innerText !== text, before, { timeout: 10_000 })
      .then(() => true, () => false);
  }
  assert.ok(changed, 'the incidents shown changed after a tick');
  assert.equal(await tab.evaluate(() => window.loadedOnce), true, 'the page was not reloaded');
  await page.screenshot({ path: `${shots}/tab-after-tick.png` });
});

test('in a narrow side panel, in Korean, nothing spills sideways but the grid, which scrolls', async () => {
  const { frame, tab } = await openTab('width=320&locale=ko-kr');
  assert.equal(await frame.locator('h1').innerText(), '고객 개요');
  assert.equal(await tab.evaluate(() => document.documentElement.lang), 'ko');
  const overflow = await tab.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the panel`);
  const grid = await tab.evaluate(() => {
    const scroll = document.getElementById('grid-scroll');
    return { scrolls: scroll.scrollWidth > scroll.clientWidth, focusable: scroll.tabIndex === 0 };
  });
  assert.deepEqual(grid, { scrolls: true, focusable: true });
  await page.screenshot({ path: `${shots}/tab-side-panel-ko.png` });
});

test('each person sees their own customers: some for Ben, none for Dev', async () => {
  const bens = await board('ben');
  const all = await board('ana');
  assert.ok(bens.customers.length > 0 && bens.customers.length < all.customers.length);
  let { frame } = await openTab('who=ben');
  assert.deepEqual(await frame.locator('#grid tbody th').allInnerTexts(), bens.customers.map((c) => c.name));
  await page.goto(`${hostUrl}/host.html?who=dev`, { waitUntil: 'domcontentloaded' });
  frame = page.frameLocator('#tab');
  await frame.locator('#shown').filter({ hasText: 'You have no customers to see here.' }).waitFor(WAIT);
  assert.equal(await frame.locator('#grid tbody tr').count(), 0);
  await page.screenshot({ path: `${shots}/tab-no-customers.png` });
});

test('opened outside Teams it says so and asks for no data', async () => {
  const requests = [];
  page.removeAllListeners('request');
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(`${botUrl}/tab`, { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.state === 'outside', null, WAIT);
  assert.match(await page.locator('#status').innerText(), /Open it in Teams/);
  assert.equal(await page.locator('#board').isHidden(), true);
  assert.deepEqual(requests.filter((url) => url.includes('/tab/api/')), []);
  await page.screenshot({ path: `${shots}/tab-outside-teams.png` });
});

test("the channel tab's configuration page saves the tab with Teams", async () => {
  await page.goto(`${hostUrl}/host.html?page=config`, { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => window.hostCalls.includes('settings.setValidityState'), null, WAIT);
  assert.equal(await page.frameLocator('#tab').locator('h1').innerText(), 'Add the customer overview');
  await page.evaluate(() => window.save());
  await page.waitForFunction(() => window.hostCalls.includes('settings.save.success'), null, WAIT);
  const saved = await page.evaluate(() => window.savedConfig);
  assert.equal(saved.entityId, 'overview');
  assert.equal(saved.contentUrl, `${botUrl}/tab?locale={locale}`);
  assert.equal(saved.suggestedDisplayName, 'Customer overview');
  await page.screenshot({ path: `${shots}/tab-config.png` });
});
