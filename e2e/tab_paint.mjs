// `make bench`: first paint of the overview tab. Headless Chromium opens the stand-in Teams host (bench/tab_world.py)
// `RUNS` times; each time, the tab frame's "overview-shown" mark (set in the frame drawing the first board,
// bot/edge/tab_assets/tab.js) is read against the frame's own navigation start. Prints JSON.
import { chromium } from 'playwright-core';

const [hostUrl, runs] = [process.argv[2], Number(process.argv[3] ?? 5)];
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
const times = [];
let rows = 0;
try {
  const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
  for (let run = 0; run < runs; run++) {
    await page.goto(`${hostUrl}/host.html`, { waitUntil: 'domcontentloaded' });
    await page.frameLocator('#tab').locator('#grid').waitFor({ timeout: 30_000 });
    const tab = page.frames().find((f) => f.url().includes('/tab'));
    await tab.waitForFunction(() => performance.getEntriesByName('overview-shown').length > 0, null, { timeout: 30_000 });
    times.push(await tab.evaluate(() => performance.getEntriesByName('overview-shown')[0].startTime));
    rows = await tab.evaluate(() => document.querySelectorAll('#grid tbody tr').length);
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify({ first_paint_ms: times, rows }));
