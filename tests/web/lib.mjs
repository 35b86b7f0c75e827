// lib.mjs - what every browser scenario uses: Debian's Chromium through playwright-core,
// logging in through the real page, screenshots under the test output, an accessibility
// check with axe-core, and plain API calls (node's fetch) to set up or verify data.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const BASE = process.env.MOTCUA_WEB_BASE || 'http://127.0.0.1:8080';
export const PASSWORD = process.env.MOTCUA_DEMO_PASSWORD || 'motcua-demo-2026';
export const SHOTS = process.env.MOTCUA_WEB_SHOTS || path.resolve('build/test-output/web');
const CHROMIUM = process.env.MOTCUA_CHROMIUM || '/usr/bin/chromium';

export class Fail extends Error {}
export function ok(cond, what) { if (!cond) throw new Fail(what); }
export function eq(a, b, what) {
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Fail(`${what}: got ${JSON.stringify(a)}, want ${JSON.stringify(b)}`);
}

export async function launch() {
  if (!fs.existsSync(CHROMIUM)) throw new Fail(`Chromium not found at ${CHROMIUM}: apt-get install chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
  });
}

// A page at 1366x768 (the counter PC) with Vietnamese locale and Vietnam's time zone. Every
// console error and failed request is collected in page.problems, and a CSP violation fails.
export async function newPage(browser, opts = {}) {
  const ctx = await browser.newContext({
    viewport: opts.viewport || { width: 1366, height: 768 },
    locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh', acceptDownloads: true,
    deviceScaleFactor: 1, isMobile: !!opts.isMobile, hasTouch: !!opts.isMobile,
  });
  const page = await ctx.newPage();
  page.problems = [];
  page.on('console', m => { if (m.type() === 'error') page.problems.push('console: ' + m.text()); });
  page.on('pageerror', e => page.problems.push('page error: ' + e.message));
  page.setDefaultTimeout(15000);
  return page;
}

// Fails on page errors other than expected HTTP refusals the scenario provoked on purpose.
export function noProblems(page, allow = []) {
  const bad = page.problems.filter(p => !allow.some(a => p.includes(a)) &&
    !/Failed to load resource: the server responded with a status of (4\d\d)/.test(p));
  ok(bad.length === 0, 'no console or page errors: ' + bad.join(' | '));
}

export async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, name.replace(/[^a-z0-9_-]/gi, '_') + '.png');
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

// axe-core on the current page: fails on any serious or critical violation.
export async function axe(page, what) {
  const src = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(src);
  const r = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const res = await axe.run(document, { resultTypes: ['violations'] });
    return res.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }));
  });
  const bad = r.filter(v => v.impact === 'serious' || v.impact === 'critical');
  ok(bad.length === 0, `axe (${what}): ` + bad.map(v => `${v.id} [${v.impact}] ${v.help} at ${v.nodes.join(', ')}`).join('; '));
  return r;
}

export async function login(page, user, password = PASSWORD) {
  await page.goto(BASE + '/');
  await page.getByLabel('Tên đăng nhập').fill(user);
  await page.getByLabel('Mật khẩu').fill(password);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.locator('#topbar:not([hidden])').waitFor();
}

// The API from node (setting up data, checking results): api('POST', '/dossiers', body, token).
export async function api(method, p, body, token, headers = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (token) h.Authorization = 'Bearer ' + token;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const r = await fetch(BASE + '/api/v1' + p, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let data = null;
  try { data = JSON.parse(text); } catch { data = text; }
  return { status: r.status, data, headers: r.headers };
}
export async function token(user, password = PASSWORD) {
  const r = await api('POST', '/auth/login', { login: user, password });
  ok(r.status === 200, `login ${user}: ${r.status} ${JSON.stringify(r.data)}`);
  return r.data.token;
}
let keyn = 0;
export const key = () => `webtest-${process.pid}-${Date.now()}-${++keyn}`;
