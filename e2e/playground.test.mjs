// What a support engineer sees in a Teams-like client: Microsoft's Adaptive Card renderer in the
// Agents Playground, driven by headless Chromium. Run by `make e2e` (e2e/run.sh starts everything).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

const url = process.env.PLAYGROUND_URL ?? 'http://127.0.0.1:56150';
const botUrl = process.env.BOT_URL ?? 'http://127.0.0.1:3978';
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
  page = await browser.newPage({ viewport: { width: 1300, height: 1400 } });
  await page.goto(url, { waitUntil: 'domcontentloaded' });
});

after(async () => {
  await page?.screenshot({ path: `${shots}/last.png` });
  await browser?.close();
});

const cards = (text) => page.locator('.ac-adaptiveCard').filter({ hasText: text });

async function latestCard(text) {
  const card = cards(text).last();
  await card.waitFor(WAIT);
  return card;
}

async function send(text) {
  const before = await page.locator('.ac-adaptiveCard').count();
  const box = page.locator('[data-lexical-editor=true]').last();
  await box.click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
  await page.waitForFunction((n) => document.querySelectorAll('.ac-adaptiveCard').length > n, before, WAIT);
}

async function clickForNewCard(target) {
  const before = await page.locator('.ac-adaptiveCard').count();
  await target.click();
  await page.waitForFunction((n) => document.querySelectorAll('.ac-adaptiveCard').length > n, before, WAIT);
}

const press = (card, title) => clickForNewCard(card.getByRole('button', { name: title, exact: true }).first());

test('installing greets once, teaching every command', async () => {
  const welcome = await latestCard('Support Bot commands');
  // Teams sends installationUpdate and conversationUpdate together; a second greeting would follow now.
  await page.waitForTimeout(2000);
  assert.equal(await cards('Support Bot commands').count(), 1);
  const text = await welcome.innerText();
  for (const usage of ['health <customer>', 'incidents <customer> [service] [all]', 'incident <id>']) {
    assert.ok(text.includes(usage), `help shows "${usage}"`);
  }
  await page.screenshot({ path: `${shots}/welcome.png` });
});

test('health, then its incidents, then one incident, all by clicking', async () => {
  await send('health contoso');
  const health = await latestCard('Service health · Contoso Ltd');
  assert.match(await health.innerText(), /Exchange Online\s+Interrupted\s+1 active incident/);
  await press(health, 'Show incidents');
  const incidents = await latestCard('Active incidents · Contoso Ltd');
  assert.match(await incidents.innerText(), /3 incidents in progress/);
  await clickForNewCard(incidents.getByText('EX1100014'));
  const detail = await latestCard('EX1100014 · Exchange Online · Contoso Ltd');
  const text = await detail.innerText();
  assert.ok(text.includes('Users may be unable to access their mailbox using Outlook on the web'));
  assert.ok(!text.includes('<br>'));
  await page.screenshot({ path: `${shots}/incident.png` });
});

test('an ambiguous customer is chosen from a card and the request finishes', async () => {
  await send('incidents fabrikam');
  const choice = await latestCard("Which customer did you mean by 'fabrikam'?");
  await press(choice, 'Choose');
  await latestCard('Active incidents · Fabrikam, Inc.');
});

test('a typo offers the right customer', async () => {
  await send('health contsoo');
  const offer = await latestCard("I don't know a customer called 'contsoo'.");
  await press(offer, 'Yes, this one');
  await latestCard('Service health · Contoso Ltd');
  await page.screenshot({ path: `${shots}/typo.png` });
});

test('a subscribed chat hears of a new incident, and Acknowledge updates the card', async () => {
  await send('subscribe northwind');
  await latestCard('Northwind Traders · every service · incidents');
  const before = await page.locator('.ac-adaptiveCard').count();
  const tick = await fetch(`${botUrl}/api/demo/tick`, { method: 'POST' });
  assert.equal(tick.status, 200);
  await page.waitForFunction((n) => document.querySelectorAll('.ac-adaptiveCard').length > n, before, WAIT);
  const notice = await latestCard('TM1200001');
  const text = await notice.innerText();
  assert.ok(text.includes('Northwind Traders'), text);
  await page.screenshot({ path: `${shots}/notice.png` });
  await notice.getByRole('button', { name: 'Acknowledge', exact: true }).click();
  await page.locator('.ac-adaptiveCard').filter({ hasText: 'Acknowledged by' }).first().waitFor(WAIT);
  await page.screenshot({ path: `${shots}/acknowledged.png` });
});

test('overview draws its charts above the list, not their text fallback', async () => {
  await send('overview');
  const overview = await latestCard('customers have active incidents');
  await overview.getByText('Contoso Ltd').first().waitFor(WAIT);
  // Microsoft's renderer draws Teams' charts; a host without them would show each one's fallback line
  // ('Customers by worst status · Interrupted: 1, …') instead.
  const text = await overview.innerText();
  assert.match(text, /Customers by worst status\s+22/, 'the stacked bar of every readable customer');
  assert.match(text, /Exchange Online\s+2/, 'the bars of incidents by service, with their counts');
  assert.ok(!text.includes(' · Interrupted: '), 'no fallback text where charts are drawn');
  assert.ok(text.indexOf('Exchange Online') < text.indexOf('Contoso Ltd'), 'charts above the list');
  await page.screenshot({ path: `${shots}/overview.png` });
});
