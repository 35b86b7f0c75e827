// run.mjs - runs one browser scenario: node tests/web/run.mjs NAME. The scenario is
// scenarios/NAME.mjs; its default export async ({browser, lib}) throws on failure.
// Exit 0 on success; 1 with the reason on stderr.
import * as lib from './lib.mjs';

const name = process.argv[2];
if (!name || !/^[a-z0-9_-]+$/.test(name)) { console.error('usage: run.mjs SCENARIO'); process.exit(2); }
let browser;
const t0 = Date.now();
try {
  const mod = await import(`./scenarios/${name}.mjs`);
  browser = await lib.launch();
  await mod.default({ browser, lib });
  console.log(`scenario ${name}: ok (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  await browser.close();
  process.exit(0);
} catch (e) {
  console.error(`scenario ${name}: FAILED: ${e && e.stack ? e.stack : e}`);
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
}
