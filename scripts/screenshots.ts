import { launchChromium, DESKTOP, PHONE } from '../test/e2e/browser.js';
const base = process.argv[2] ?? 'http://127.0.0.1:3100';
const pages = (process.argv[3] ?? '/,/search,/browse?dataset=ptb-xl,/datasets/ptb-xl,/download,/stats,/nope').split(',');
const b = await launchChromium();
for (const [name, vp] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
  const ctx = await b.newContext({ viewport: vp });
  const p = await ctx.newPage();
  p.on('console', (m) => { if (m.type() === 'error') console.log('console error', m.text()); });
  p.on('pageerror', (e) => console.log('pageerror', e.message));
  for (const path of pages) {
    await p.goto(base + path, { waitUntil: 'networkidle' });
    const file = `/tmp/shots/${name}${path.replace(/[^a-z0-9]+/gi, '_')}.png`;
    await p.screenshot({ path: file, fullPage: true });
    const sw = await p.evaluate(() => document.documentElement.scrollWidth);
    console.log(file, 'scrollWidth', sw);
  }
  await ctx.close();
}
await b.close();
