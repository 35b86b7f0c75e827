// supervisor: the supervisor's screen (#/giam-sat) against the API. giamsat sees the current
// official year; figures on screen equal the API's; grouping and rules switch; a figure opens
// exactly the dossiers behind it; a dossier received, handed over and resolved through the API
// raises the resolved count by one after "Làm mới số liệu"; an alert provoked through the API
// (a liên thông leg handed over with 0 planned minutes is late one second later, whatever the
// hour: alerts.c evaluates a dossier ~100 ms after each write) arrives live over SSE without a
// reload; the trend chart is an accessible image with its data table; Biểu 06 downloads as an
// XLSX whose title and totals are those on screen, and as CSV.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

const ROOT_UNIT = '000.00.00.H19';
const SO_TU_PHAP = '000.00.10.H19';
const PROC = '1.014200'; // province procedure (5 working days), received at the provincial centre

// The official year today falls in (cut-off 15 December: the next year's period begins).
function officialYear() {
  const s = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  const [y, m, d] = s.split('-').map(Number);
  return m === 12 && d >= 15 ? y + 1 : y;
}
const int = s => Number(String(s).replace(/[^\d-]/g, ''));

export default async function ({ browser, lib }) {
  const t0 = Date.now();
  const [gs, clerk, leader] = await Promise.all([lib.token('giamsat'), lib.token('tiepnhan.tinh'), lib.token('lanhdao.tuphap')]);
  const year = officialYear();
  const base = { period: 'year', year, unit: ROOT_UNIT, include_sub_units: 'true', by: 'resolving' };
  const qs = o => '?' + new URLSearchParams(Object.entries(o).filter(([, v]) => v !== undefined)).toString();
  const apiGet = async (p, q) => {
    const r = await lib.api('GET', p + qs(q), undefined, gs);
    lib.ok(r.status === 200, `GET ${p}: ${r.status} ${JSON.stringify(r.data).slice(0, 300)}`);
    return r.data;
  };
  const apiTotal = async () => (await apiGet('/stats/ontime', { ...base, group: 'unit', rollup: 'subtree' })).items[0];

  // dossiers through the API as the staff would make them
  const docs = (await lib.api('GET', `/procedures/${PROC}`, undefined, clerk)).data.version.documents.slice(0, 2);
  async function receive(name) {
    const r = await lib.api('POST', '/dossiers', {
      procedure: PROC, channel: 1, return_method: 'counter', resolving_unit: SO_TU_PHAP, documents: docs,
      applicant: { name, id_number: '0750' + String(Date.now()).slice(-8), address: '12 đường Hùng Vương, tỉnh Đồng Nai', phone: '0912345678' },
    }, clerk, { 'Idempotency-Key': lib.key() });
    lib.ok(r.status === 201 && r.data.code, `receive: ${r.status} ${JSON.stringify(r.data).slice(0, 300)}`);
    return r.data;
  }
  async function event(code, token, body) {
    const d = await lib.api('GET', `/dossiers/${code}`, undefined, token);
    const r = await lib.api('POST', `/dossiers/${code}/events`, { expected_version: d.data.version, ...body }, token, { 'Idempotency-Key': lib.key() });
    lib.ok(r.status === 200, `${body.type} ${code}: ${r.status} ${JSON.stringify(r.data).slice(0, 300)}`);
    return r.data;
  }

  const page = await lib.newPage(browser);
  await lib.login(page, 'giamsat');
  // the supervisor's home is this screen
  await page.waitForURL(/#\/giam-sat/);
  const table = page.locator('#sup-rates-table');
  await table.waitFor();
  await page.getByRole('heading', { level: 1, name: 'Giám sát, báo cáo' }).waitFor();

  // brings a section to the top of the window (for the screenshots)
  const toTop = loc => loc.evaluate(el => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 8));
  const cellText = async (rowSel, col) => int(await page.locator(`#sup-rates-table ${rowSel} td[data-col="${col}"]`).innerText());
  const refresh = async () => {
    const btn = page.getByRole('button', { name: 'Làm mới số liệu' });
    await btn.click();
    await page.waitForFunction(() => !document.querySelector('.sup-refresh').disabled);
  };
  // figures on screen against the API (other writers may move them between the two reads:
  // then read both again)
  async function settled(check, what) {
    let last;
    for (let i = 0; i < 4; i++) {
      last = await check();
      if (last === true) return;
      await refresh();
    }
    throw new lib.Fail(`${what}: ${last}`);
  }

  // ---- 1. the current year's figures equal the API's ----
  const sub = await page.locator('#sup-sub').innerText();
  const tot0 = await apiTotal();
  const label = (await apiGet('/stats/ontime', { ...base, group: 'level' })).period.label;
  lib.eq(label, `Năm ${year}`, 'API period label');
  lib.ok(sub.includes(label), `subtitle shows the period "${label}": ${sub}`);
  await settled(async () => {
    const t = await apiTotal();
    const lv = await apiGet('/stats/ontime', { ...base, group: 'level' });
    const got = { received: await cellText('tfoot', 'received'), resolved: await cellText('tfoot', 'resolved'), late: await cellText('tfoot', 'late') };
    const want = { received: t.received, resolved: t.resolved, late: t.late };
    const commune = lv.items.find(x => x.key.level === 'commune');
    if (commune) {
      got.commune_early = await cellText(`tr[data-key='{"level":"commune"}']`, 'early');
      want.commune_early = commune.early;
    }
    const kpi = await page.locator('.sup-kpi.headline .sup-kpi-value').innerText();
    got.rate = kpi; want.rate = t.on_time_rate === null ? 'N/A' : `${t.on_time_rate.replace('.', ',')} %`;
    return JSON.stringify(got) === JSON.stringify(want) || `screen ${JSON.stringify(got)} vs API ${JSON.stringify(want)}`;
  }, 'rates of the year on screen equal the API');
  lib.ok(tot0.received > 0, 'the demo year has dossiers');
  await lib.axe(page, 'supervisor rates');
  await lib.shot(page, 'supervisor-rates');

  // ---- 2. grouping by unit, rules 766 ----
  await page.getByRole('tab', { name: 'Theo đơn vị' }).click();
  await page.locator('#sup-rates-table thead th', { hasText: 'Đơn vị giải quyết' }).waitFor();
  lib.eq(await page.getByRole('tab', { name: 'Theo đơn vị' }).getAttribute('aria-selected'), 'true', 'unit tab selected');
  await settled(async () => {
    const units = await apiGet('/stats/ontime', { ...base, group: 'unit' });
    const u = units.items.find(x => x.received > 0);
    const got = await cellText(`tr[data-key='{"unit":"${u.key.unit}"}']`, 'received');
    const rows = await page.locator('#sup-rates-table tbody tr').count();
    return (got === u.received && rows === units.items.length) || `unit ${u.key.unit}: ${got} vs ${u.received}, rows ${rows} vs ${units.items.length}`;
  }, 'unit rows equal the API');
  await page.getByRole('radio', { name: 'Theo Bộ chỉ số 766 (Cổng DVCQG)' }).check();
  await page.locator('#sup-rates-table thead tr:first-child th.headline', { hasText: 'Theo Bộ chỉ số 766' }).waitFor();
  await settled(async () => {
    const t = await apiTotal();
    const kpi = await page.locator('.sup-kpi.headline').innerText();
    const want = t.dvcqg766.rate.replace('.', ',');
    const pts = t.dvcqg766.points.replace('.', ',');
    const pOn = await page.locator('#sup-rates-table tfoot td[data-col="points"]').innerText();
    return (kpi.includes(want) && pOn.trim() === pts) || `766 KPI "${kpi}" / points "${pOn}" vs ${want} / ${pts}`;
  }, 'the 766 rate and points on screen');
  lib.ok(page.url().includes('rules=dvcqg766') && page.url().includes('group=unit'), 'the URL keeps grouping and rules: ' + page.url());
  await lib.axe(page, 'supervisor rates 766 by unit');

  // ---- 3. drill down one figure (≤ one page) ----
  const figs = page.locator('#sup-rates-table tbody button.sup-fig');
  const nf = await figs.count();
  // a figure of the 766 columns (the headline now) if one fits a page, else any
  let pick = null;
  for (let i = 0; i < nf; i++) {
    const n = Number(await figs.nth(i).getAttribute('data-n'));
    const cell = await figs.nth(i).getAttribute('data-cell');
    if (n < 2 || n > 50) continue;
    if (/766$/.test(cell)) { pick = { i, n, cell }; break; }
    if (!pick) pick = { i, n, cell };
  }
  lib.ok(pick, 'a figure between 2 and 50 to drill into');
  const fig = figs.nth(pick.i);
  const rowKey = JSON.parse(await fig.locator('xpath=ancestor::tr').getAttribute('data-key'));
  await fig.click();
  const dlg = page.locator('dialog.sup-drill[open]');
  await dlg.waitFor();
  await dlg.locator('tbody tr').first().waitFor();
  await dlg.locator('.sup-appl .muted', { hasText: '…' }).first().waitFor({ state: 'detached', timeout: 10000 }).catch(() => {});
  const shownCodes = await dlg.locator('tbody tr').evaluateAll(rs => rs.map(r => r.dataset.code));
  lib.eq(shownCodes.length, pick.n, `drill-down ${pick.cell} of ${rowKey.unit}: rows = figure`);
  const listed = await apiGet('/stats/ontime/dossiers', { ...base, cell: pick.cell, key_unit: rowKey.unit, limit: 500 });
  lib.eq(shownCodes.slice().sort(), listed.items.map(x => x.code).sort(), 'drill-down lists the API\'s dossiers');
  lib.ok(/^#\/ho-so\//.test(await dlg.locator('tbody tr a').first().getAttribute('href')), 'each code links to its dossier');
  lib.ok((await dlg.locator('tbody tr').first().locator('td').nth(2).innerText()).trim().length > 1, 'the applicant is shown');
  await lib.axe(page, 'supervisor drill-down');
  await lib.shot(page, 'supervisor-drilldown');
  await dlg.getByRole('button', { name: 'Đóng' }).click();
  await dlg.waitFor({ state: 'detached' }).catch(() => {});
  lib.ok(!(await page.locator('dialog.sup-drill[open]').count()), 'drill-down closed');
  // back to the legal rules (the rest reads the legal columns)
  await page.getByRole('radio', { name: 'Theo quy định (NĐ 61/118)' }).check();
  await page.locator('#sup-rates-table thead tr:first-child th.headline', { hasText: 'Theo quy định' }).waitFor();

  // ---- 4. the figures change: receive, hand over, resolve ----
  const rowSel = `tr[data-key='{"unit":"${SO_TU_PHAP}"}']`;
  const readResolved = async () => ((await page.locator(`#sup-rates-table ${rowSel}`).count()) ? cellText(rowSel, 'resolved') : 0);
  const apiResolvedCodes = async () => new Set((await apiGet('/stats/ontime/dossiers', { ...base, cell: 'resolved', key_unit: SO_TU_PHAP, limit: 500 })).items.map(x => x.code));
  await refresh();
  const before = await readResolved();
  const totBefore = await cellText('tfoot', 'resolved');
  const codesBefore = await apiResolvedCodes();
  lib.eq(before, codesBefore.size, 'Sở Tư pháp resolved on screen = API before');
  const a = await receive('Nguyễn Thị Giám Sát Thử');
  await event(a.code, clerk, { type: 'hand_over', step: 'Thẩm định hồ sơ', to_unit: SO_TU_PHAP });
  await event(a.code, leader, { type: 'resolve', outcome: 'granted' });
  await refresh();
  const after = await readResolved();
  const codesAfter = await apiResolvedCodes();
  const fresh = [...codesAfter].filter(c => !codesBefore.has(c));
  lib.ok(fresh.includes(a.code), `the resolved dossier ${a.code} is counted by the API`);
  // exactly one more (unless another writer resolved at Sở Tư pháp at the same moment: then as many as the API counts)
  lib.eq(after - before, fresh.length, 'resolved on screen went up by the dossiers newly resolved');
  if (fresh.length === 1) lib.eq(after, before + 1, 'resolved went up by one');
  lib.ok(await cellText('tfoot', 'resolved') >= totBefore + 1, 'total resolved went up');

  // ---- 5. an alert arrives live ----
  await page.locator('#sup-alerts .sup-conn[data-state="open"]', { hasText: 'Đang kết nối trực tiếp' }).waitFor({ timeout: 10000 });
  const urlBefore = page.url();
  const b = await receive('Trần Văn Cảnh Báo Thử');
  await event(b.code, clerk, { type: 'hand_over', step: 'Liên thông: Sở Tư pháp', to_unit: SO_TU_PHAP, leg: true, minutes: 0 });
  const live = page.locator(`#sup-alert-list li.is-new[data-kind="leg_late"]`, { has: page.locator(`a[href="#/ho-so/${b.code}"]`) });
  await live.waitFor({ timeout: 20000 });
  lib.eq(page.url(), urlBefore, 'no reload or navigation for the alert');
  lib.eq(await page.locator('#sup-alert-list').getAttribute('aria-live'), 'polite', 'alerts list is a live region');
  const alertsApi = await apiGet('/alerts', { unit: ROOT_UNIT, kind: 'leg_late', limit: 20 });
  const al = alertsApi.items.find(x => x.dossier === b.code);
  lib.ok(al, 'the API lists the alert');
  lib.eq(await live.getAttribute('data-id'), String(al.id), 'the live alert is the API\'s');
  await toTop(page.locator('#sup-alerts'));
  await lib.axe(page, 'supervisor alert');
  await lib.shot(page, 'supervisor-alert');

  // ---- 6. the trend chart ----
  await page.locator('#sup-trend').scrollIntoViewIfNeeded();
  const svg = page.locator('#sup-trend svg[role="img"]');
  await svg.waitFor();
  const aria = await svg.getAttribute('aria-label');
  lib.ok(aria && aria.includes('tiếp nhận') && aria.includes(label), 'chart has an accessible name: ' + aria);
  const xl = await svg.locator('.chart-xlabels text').allTextContents();
  lib.ok(xl.length >= 2 && xl.every(t => /^\d{2}\/\d{2}(\d{2})?$|^\d{2}\/\d{4}$/.test(t)), 'axis labels dd/mm or mm/yyyy: ' + xl.join(' '));
  lib.ok(await svg.locator('rect.chart-bar.received').count() > 0, 'bars drawn');
  await page.getByRole('button', { name: 'Xem số liệu dạng bảng' }).click();
  const tr = page.locator('#sup-trend table.sup-trend-data tbody tr');
  await tr.first().waitFor();
  const recSum = (await tr.evaluateAll(rs => rs.map(r => r.cells[1].textContent))).reduce((s, t) => s + int(t), 0);
  const kpiRec = int(await page.locator('.sup-kpi').first().locator('.sup-kpi-value').innerText());
  lib.eq(recSum, kpiRec, 'trend data table sums to the received total');
  await toTop(page.locator('#sup-trend'));
  await lib.axe(page, 'supervisor trend');
  await lib.shot(page, 'supervisor-trend');

  // ---- 7. Biểu 06 on screen, XLSX, CSV ----
  const bsec = page.locator('#sup-bieu06');
  await bsec.scrollIntoViewIfNeeded();
  await bsec.locator('tr.b06-total').waitFor();
  await bsec.getByRole('heading', { name: /^TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH/ }).waitFor();
  lib.eq(await bsec.locator('table.b06 thead tr').nth(0).locator('th').count(), 5, 'two-row header: 5 groups');
  lib.eq(await bsec.locator('table.b06 thead tr').nth(1).locator('th').count(), 11, 'two-row header: 11 sub-columns');
  await toTop(bsec);
  await lib.axe(page, 'supervisor bieu06');
  await lib.shot(page, 'supervisor-bieu06');
  // the screen and the file are read a moment apart: when another writer moved the figures
  // in between, refresh and download again
  let screenTotals, file, xlsxTotals, strings;
  for (let attempt = 0; ; attempt++) {
    await refresh();
    await bsec.locator('tr.b06-total').waitFor();
    screenTotals = (await bsec.locator('tr.b06-total td.num').allInnerTexts()).map(int);
    lib.eq(screenTotals.length, 11, 'eleven figures in the total row');
    const [dl] = await Promise.all([page.waitForEvent('download'), bsec.getByRole('button', { name: 'Tải Excel (XLSX)' }).click()]);
    lib.eq(dl.suggestedFilename(), `bieu06-nam-${year}.xlsx`, 'XLSX file name');
    fs.mkdirSync(lib.SHOTS, { recursive: true });
    file = path.join(lib.SHOTS, dl.suggestedFilename());
    await dl.saveAs(file);
    lib.eq(fs.readFileSync(file).subarray(0, 2).toString('latin1'), 'PK', 'XLSX is a zip');
    strings = execFileSync('unzip', ['-p', file, 'xl/sharedStrings.xml']).toString('utf8');
    const sheet = execFileSync('unzip', ['-p', file, 'xl/worksheets/sheet1.xml']).toString('utf8');
    const sst = [...strings.matchAll(/<si>(.*?)<\/si>/gs)].map(m => m[1].replace(/<[^>]+>/g, ''));
    const totalIdx = sst.indexOf('Tổng cộng');
    lib.ok(totalIdx >= 0, 'XLSX has the total row');
    const rowXml = [...sheet.matchAll(/<row [^>]*>(.*?)<\/row>/gs)].map(m => m[1])
      .find(r => new RegExp(`<c r="B\\d+"[^>]*t="s"[^>]*><v>${totalIdx}</v>`).test(r));
    lib.ok(rowXml, 'the XLSX total row');
    xlsxTotals = ['C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M']
      .map(c => Number((new RegExp(`<c r="${c}\\d+"[^>]*><v>([^<]*)</v>`).exec(rowXml) || [])[1]));
    if (JSON.stringify(xlsxTotals) === JSON.stringify(screenTotals) || attempt >= 2) break;
  }
  lib.ok(strings.includes('TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT'), 'XLSX has the form title');
  lib.ok(strings.includes(`Năm ${year}`), 'XLSX has the period');
  lib.eq(xlsxTotals, screenTotals, 'XLSX totals = on-screen totals');
  // the form's own sums, and its figures against the on-time table read in the same refresh
  const [c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13] = screenTotals;
  lib.eq(c3, c4 + c5 + c6, 'Biểu 06: (3) = (4) + (5) + (6)');
  lib.eq(c7, c8 + c9 + c10, 'Biểu 06: (7) = (8) + (9) + (10)');
  lib.eq(c11, c12 + c13, 'Biểu 06: (11) = (12) + (13)');
  lib.eq(c3, c7 + c11, 'Biểu 06: (3) = (7) + (11)');
  const tf = async col => cellText('tfoot', col);
  lib.eq([c3, c6, c7, c8, c9, c10, c11, c13],
    [await tf('received') + await tf('carried_over'), await tf('carried_over'), await tf('resolved'), await tf('early'),
      await tf('on_time'), await tf('late'), await tf('open'), await tf('open_overdue')], 'Biểu 06 totals = on-time table totals');
  const [dl2] = await Promise.all([page.waitForEvent('download'), bsec.getByRole('button', { name: 'Tải CSV' }).click()]);
  lib.eq(dl2.suggestedFilename(), `bieu06-nam-${year}.csv`, 'CSV file name');
  const csvFile = path.join(lib.SHOTS, dl2.suggestedFilename());
  await dl2.saveAs(csvFile);
  const csvTotal = fs.readFileSync(csvFile, 'utf8').split(/\r?\n/).find(l => l.includes('Tổng cộng'));
  lib.eq(csvTotal.split(',').slice(2).map(Number), screenTotals, 'CSV totals = on-screen totals');

  // ---- 8. an explicit date range: a bad date is refused next to the field, a good one applies ----
  await page.locator('.sup-filters').scrollIntoViewIfNeeded();
  await page.getByLabel('Kỳ báo cáo', { exact: true }).selectOption('range');
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  const [ty, tm] = today.split('-').map(Number);
  const fromIso = `${tm === 1 ? ty - 1 : ty}-${String(tm === 1 ? 12 : tm - 1).padStart(2, '0')}-01`;
  const vn = iso => iso.split('-').reverse().join('/');
  await page.getByLabel('Từ ngày', { exact: true }).fill(`31/02/${ty}`);
  await page.getByLabel('Đến ngày', { exact: true }).fill(vn(today));
  await page.getByRole('button', { name: 'Xem báo cáo' }).click();
  await page.locator('.sup-filters .field-error', { hasText: 'dd/mm/yyyy' }).waitFor();
  lib.eq(await page.getByLabel('Từ ngày', { exact: true }).getAttribute('aria-invalid'), 'true', 'the bad date is marked');
  lib.eq(await page.getByLabel('Từ ngày', { exact: true }).inputValue(), `31/02/${ty}`, 'the typed date is kept');
  await page.getByLabel('Từ ngày', { exact: true }).fill(vn(fromIso));
  await page.getByRole('button', { name: 'Xem báo cáo' }).click();
  await page.locator('#sup-sub', { hasText: `Từ ${vn(fromIso)} đến ${vn(today)}` }).waitFor();
  lib.ok(page.url().includes(`from=${fromIso}`) && page.url().includes(`to=${today}`), 'range in the URL: ' + page.url());
  await settled(async () => {
    const rr = await apiGet('/stats/ontime', { from: fromIso, to: today, unit: ROOT_UNIT, include_sub_units: 'true', by: 'resolving', group: 'unit', rollup: 'subtree' });
    const got = await cellText('tfoot', 'received');
    return got === rr.items[0].received || `range received ${got} vs ${rr.items[0].received}`;
  }, 'range figures');
  await lib.axe(page, 'supervisor range');

  // tidy: the alert dossier ends (no open dossier left behind)
  await event(b.code, leader, { type: 'resolve', outcome: 'granted' });
  lib.noProblems(page);
  lib.ok(Date.now() - t0 < 60000, `under 60 s (${Date.now() - t0} ms)`);
}
