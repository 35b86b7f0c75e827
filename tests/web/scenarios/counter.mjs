// counter: the reception counter (#/quay) of the provincial centre's clerk, keyboard only.
// 0. ↓ in the empty procedure box lists the procedures of the centre's level;
// 1. a complete dossier, from typing the procedure name without diacritics to the printed
//    receipt: the preview's appointment is the created dossier's, the receipt PDF (A5) holds
//    the code and the lookup secret, all in under 30 s of clerk time;
// 2. a bad CCCD is refused inline without losing the other fields; then an unticked document
//    turns the reception into a guidance (Mẫu 02 PDF);
// 3. an out-of-scope dossier is refused (Mẫu 03 PDF, state 3);
// 4. a network error after the server received the dossier: the retry reuses the
//    Idempotency-Key, one dossier only, and the lookup secret is reissued;
// then a procedure with cases: the case's duration, previewed (Esc receives nothing);
// 5. a dossier code typed in the top bar (#quick-code) or in the procedure box opens it.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

const PROC = '1.014200';
const NOI_VU = '000.00.19.H19';

function pdfText(file) {
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/[ \t]+/g, ' ');
}
const digits = n => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('');
const fold = s => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();

export default async function ({ browser, lib }) {
  const page = await lib.newPage(browser);
  try {
    await run(page, lib);
  } catch (e) {
    await lib.shot(page, 'counter-failure').catch(() => {});
    throw e;
  }
}

async function run(page, lib) {
  const { ok, eq } = lib;
  const tok = await lib.token('tiepnhan.tinh');
  const save = async (resp, name) => {
    const buf = resp.pdf;
    ok(buf.subarray(0, 5).toString() === '%PDF-', `${name}: a PDF (${resp.headers['content-type']}, ${buf.length} bytes)`);
    fs.mkdirSync(lib.SHOTS, { recursive: true });
    const file = path.join(lib.SHOTS, name);
    fs.writeFileSync(file, buf);
    return file;
  };
  // the keyboard, at a clerk's pace in the timed reception (MOTCUA_COUNTER_KEY_MS a key),
  // counting the keys
  const kb = { pace: 0, keys: 0,
    async type(text) { this.keys += [...text].length; await page.keyboard.type(text, { delay: this.pace || 10 }); },
    async press(key) { this.keys++; if (this.pace) await page.waitForTimeout(this.pace); await page.keyboard.press(key); } };
  const focused = () => page.evaluate(() => {
    const a = document.activeElement;
    return a ? (a.id || a.textContent.trim()) : '';
  });
  // a printed form: the fetch of the PDF, and the tab it opens (the app stays where it is)
  const printWith = async (key, urlPart) => {
    // the PDF fetched by the page, captured on its way (a fetch read as a Blob has no body
    // for page.waitForResponse)
    let got = null;
    const match = u => u.href.includes(urlPart);
    const done = new Promise(resolve => {
      page.route(match, async route => {
        try {
          const resp = await route.fetch();
          const body = await resp.body();
          got = { url: route.request().url(), status: resp.status(), headers: resp.headers(), pdf: body };
          await route.fulfill({ response: resp, body });
        } catch (e) {
          got = { url: route.request().url(), status: 0, error: String(e).split('\n')[0], headers: {}, pdf: Buffer.alloc(0) };
          await route.abort().catch(() => {});
        }
        resolve();
      });
    });
    const popup = page.context().waitForEvent('page', { timeout: 8000 }).catch(() => null);
    const focusedNow = await focused();
    await page.keyboard.press(key);
    const late = new Promise((_, no) => setTimeout(
      () => no(new lib.Fail(`no request for ${urlPart} after pressing ${key} (focus: ${focusedNow})`)), 10000));
    await Promise.race([done, late]);
    await page.unroute(match);
    eq(got.status, 200, `GET ${urlPart} ${got.error || ''}`);
    const tab = await popup;
    ok(tab, `a new tab with the PDF for ${urlPart}`);
    ok(tab.url().startsWith('blob:'), `the PDF tab shows the blob (${tab.url()})`);
    await tab.close();
    ok(page.url().includes('#/quay'), `the counter stays open after printing (at ${page.url()})`);
    return got;
  };
  const pickProcedure = async (text, code, whileOpen) => {
    await kb.type(text);
    const opt = page.locator('#cnt-list [role="option"]', { hasText: code });
    await opt.first().waitFor();
    if (whileOpen) await whileOpen();
    for (let i = 0; i < 15 && (await opt.first().getAttribute('aria-selected')) !== 'true'; i++) await kb.press('ArrowDown');
    eq(await opt.first().getAttribute('aria-selected'), 'true', `option ${code} active`);
    eq(await page.locator('#cnt-q').getAttribute('aria-activedescendant'), await opt.first().getAttribute('id'),
      'aria-activedescendant follows the active option');
    await kb.press('Enter');
    await page.waitForFunction(() => ['cnt-name', 'cnt-ru'].includes(document.activeElement.id));
    if ((await focused()) === 'cnt-ru') {
      // no known resolving unit yet: choose Sở Nội vụ (else the first unit) with the arrow
      // keys, Enter goes on
      const want = await page.locator('#cnt-ru').evaluate((s, u) => {
        const o = [...s.options].find(x => x.value === u) || s.options[1];
        return o.index;
      }, NOI_VU);
      const cur = await page.locator('#cnt-ru').evaluate(s => s.selectedIndex);
      for (let i = cur; i < want; i++) await kb.press('ArrowDown');
      await kb.press('Enter');
      eq(await focused(), 'cnt-name', 'Enter on the resolving unit goes to the applicant');
    }
    eq(await page.locator('.cnt-proc-code').textContent(), code, 'chosen procedure');
  };

  // ---------- log in; the empty counter ----------
  await lib.login(page, 'tiepnhan.tinh');
  await page.waitForURL(/#\/quay$/);
  await page.getByRole('heading', { level: 1, name: 'Tiếp nhận hồ sơ' }).waitFor();
  await page.getByText('Trung tâm Phục vụ hành chính công tỉnh Đồng Nai (000.00.01.H19)').waitFor();
  eq(await focused(), 'cnt-q', 'focus starts in the procedure search');
  await lib.axe(page, 'counter-empty');
  await lib.shot(page, 'counter-empty');
  // ↓ in the empty box: the procedures of the centre's level
  await page.keyboard.press('ArrowDown');
  await page.locator('#cnt-list[aria-label] [role="option"]').first().waitFor();
  const browsed = await page.locator('#cnt-list [role="option"]').allTextContents();
  ok(browsed.length >= 3 && browsed.every(t => t.includes('Cấp tỉnh')) && browsed.some(t => t.includes(PROC)),
    'the province procedures: ' + browsed.join(' | '));
  await page.keyboard.press('Escape');
  eq(await page.locator('#cnt-q').getAttribute('aria-expanded'), 'false', 'Esc closes the list');

  // ---------- 1. complete dossier, keyboard only, timed ----------
  const name1 = 'Nguyễn Văn Bình';
  const id1 = '075' + digits(9);
  let overhead = 0;
  const notTimed = async fn => { const a = Date.now(); await fn(); overhead += Date.now() - a; };
  const KEY_MS = Number(process.env.MOTCUA_COUNTER_KEY_MS || 100);
  kb.pace = KEY_MS;
  kb.keys = 0;
  const t0 = Date.now();
  await pickProcedure('cap lai giay phep lao dong', PROC, () => notTimed(async () => {
    const opts = await page.locator('#cnt-list [role="option"]').allTextContents();
    ok(opts.some(t => t.includes(PROC) && t.includes('Cấp lại giấy phép lao động') && t.includes('5 ngày làm việc') &&
      t.includes('Việc làm')),
      'the result shows code, name, field and duration: ' + opts.join(' | '));
    await lib.axe(page, 'counter-search-results');
  }));
  const ru1 = await page.locator('#cnt-ru').inputValue();
  ok(ru1, 'a resolving unit is chosen');
  eq(await page.locator('.cnt-docs-count').textContent(), 'đã nhận 2/2', 'both documents ticked');
  await kb.type(name1);
  await kb.press('Tab');
  await kb.type(id1);
  await kb.press('Tab');
  await kb.type('0912345678');
  await kb.press('Tab');
  await kb.type('12 Hùng Vương, phường Trấn Biên, tỉnh Đồng Nai');
  const tPreview = Date.now();
  await kb.press('Enter');
  const dlg = page.locator('dialog.dlg[open]');
  await dlg.getByText('Ngày hẹn trả kết quả:').waitFor();
  const previewIso = await dlg.locator('time').getAttribute('datetime');
  const previewText = (await dlg.locator('time').textContent()).trim();
  ok(/^\d{2}:\d{2} \d{2}\/\d{2}\/\d{4}$/.test(previewText), `appointment shown as HH:MM dd/mm/yyyy: ${previewText}`);
  eq(await focused(), 'Xác nhận tiếp nhận', 'Enter confirms (focus on the confirm button)');
  await notTimed(async () => {
    await lib.shot(page, 'counter-filled');
    await lib.axe(page, 'counter-preview');
  });
  await kb.press('Enter');
  await page.locator('#cnt-code').waitFor();
  const tCreated = Date.now();
  eq(await focused(), 'In giấy tiếp nhận (Mẫu 01)', 'the print button has the focus');
  const code1 = (await page.locator('#cnt-code').textContent()).trim();
  const secret1 = (await page.locator('#cnt-secret').textContent()).trim();
  ok(/^000\.00\.01\.H19-\d{6}-\d{4,}$/.test(code1), 'dossier code ' + code1);
  ok(/^[A-Z0-9]{10}$/.test(secret1), 'lookup secret shown: ' + secret1);
  kb.keys++;
  await page.waitForTimeout(KEY_MS);
  const receipt = await printWith('Enter', `/dossiers/${code1}/documents/receipt`);
  const elapsed = Date.now() - t0 - overhead;
  kb.pace = 0;
  console.log(`counter: complete reception by keyboard in ${(elapsed / 1000).toFixed(1)} s, ` +
    `${kb.keys} keys at ${KEY_MS} ms a key (${(overhead / 1000).toFixed(1)} s of test checks left out)`);
  ok(elapsed < 30000, `reception under 30 s (took ${elapsed} ms)`);
  ok(receipt.url.includes('format=pdf') && receipt.url.includes('secret=' + secret1),
    'receipt asked as PDF with the secret: ' + receipt.url);
  const rfile = await save(receipt, 'counter-receipt.pdf');
  const rtext = pdfText(rfile);
  ok(rtext.includes(code1), 'the receipt PDF holds the dossier code');
  ok(rtext.includes(secret1), 'the receipt PDF holds the lookup secret');
  ok(rtext.includes('GIẤY TIẾP NHẬN HỒ SƠ') && rtext.includes(name1), 'the receipt is Mẫu 01 for ' + name1);
  const info = execFileSync('pdfinfo', [rfile], { encoding: 'utf8' });
  const m = /Page size:\s+([\d.]+) x ([\d.]+)/.exec(info);
  ok(m && Math.abs(Number(m[1]) - 419.5) < 3 && Math.abs(Number(m[2]) - 595.3) < 3, 'the receipt is A5: ' + (m ? m[0] : info));
  const d1 = await lib.api('GET', `/dossiers/${code1}`, undefined, tok);
  eq(d1.status, 200, 'GET the received dossier');
  // Outside working hours both are the same instant. Inside, the clock starts at the
  // acceptance, so the appointment moves on by the working seconds spent confirming.
  const shift = Date.parse(d1.data.deadlines.appointment_at) - Date.parse(previewIso);
  ok(d1.data.deadlines.appointment_at === previewIso || (shift > 0 && shift <= tCreated - tPreview + 2000),
    `the preview appointment ${previewIso} is the dossier's ${d1.data.deadlines.appointment_at} ` +
    `(or later by at most the ${tCreated - tPreview} ms spent confirming)`);
  console.log(`counter: preview ${previewIso}, dossier ${d1.data.deadlines.appointment_at}` +
    (shift ? ` (+${shift / 1000} s)` : ' (same instant)'));
  eq(await page.locator('#cnt-appt time').getAttribute('datetime'), d1.data.deadlines.appointment_at,
    'the result shows the dossier\'s appointment');
  eq([d1.data.state, d1.data.applicant.name, d1.data.applicant.id_number, d1.data.applicant.phone],
    [2, name1, id1, '0912345678'], 'state and applicant');
  eq(d1.data.resolving_unit.code, ru1, 'resolving unit as chosen');
  eq(d1.data.documents.map(d => d.name), ['Văn bản đề nghị cấp lại giấy phép lao động',
    'Giấy phép lao động còn thời hạn đã được cấp (trừ trường hợp bị mất)'], 'documents received');
  await page.locator('.cnt-result').getByText('Chỉ hiện một lần').waitFor();
  await lib.shot(page, 'counter-received');
  await lib.axe(page, 'counter-received');

  // ---------- 2. new dossier: bad CCCD, then an unticked document -> guidance ----------
  await page.keyboard.press('Alt+N');
  await page.waitForFunction(() => document.activeElement.id === 'cnt-q');
  eq(await page.locator('#cnt-name').inputValue(), '', 'the form is empty again');
  await pickProcedure(PROC, PROC);
  const name2 = 'Lê Thị Hạnh';
  await page.keyboard.type(name2);
  await page.keyboard.press('Tab');
  await page.keyboard.type('07509000012'); // 11 digits
  await page.keyboard.press('Tab');
  await page.keyboard.type('0987654321');
  await page.keyboard.press('Enter');
  await page.locator('#cnt-id[aria-invalid="true"]').waitFor();
  eq(await focused(), 'cnt-id', 'focus on the bad CCCD');
  ok((await page.locator('#cnt-id-err').textContent()).includes('12 chữ số'), 'the CCCD error says 12 digits');
  ok((await page.locator('#cnt-id').getAttribute('aria-describedby')).split(' ').includes('cnt-id-err'),
    'the error is tied with aria-describedby');
  const values = async (...ids) => Promise.all(ids.map(id => page.locator('#' + id).inputValue()));
  eq(await values('cnt-name', 'cnt-phone', 'cnt-id', 'cnt-ru'), [name2, '0987654321', '07509000012', ru1], 'nothing typed is lost');
  ok(await page.locator('dialog.dlg[open]').count() === 0, 'no preview for an invalid form');
  await lib.axe(page, 'counter-invalid');
  await lib.shot(page, 'counter-invalid');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('079' + digits(9));
  await page.locator('#cnt-doc-1').press('Space'); // the old permit is missing
  eq(await page.locator('.cnt-docs-count').textContent(), 'đã nhận 1/2', 'one document missing');
  eq((await page.locator('button.cnt-main').textContent()).trim(), 'Lập phiếu hướng dẫn Mẫu 02', 'Enter now makes a guidance');
  await page.locator('#cnt-phone').press('Enter');
  await dlg.getByText('Giấy tờ còn thiếu').waitFor();
  eq(await focused(), 'cnt-g-other', 'focus in the guidance dialog');
  await page.keyboard.type('Bản dịch hộ chiếu có chứng thực');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Người nộp chưa mang giấy phép lao động đã được cấp');
  await lib.axe(page, 'counter-guidance-dialog');
  await page.keyboard.press('Enter');
  await page.locator('.cnt-result-guidance').waitFor();
  eq(await focused(), 'In phiếu hướng dẫn (Mẫu 02)', 'focus on printing Mẫu 02');
  await lib.axe(page, 'counter-guidance');
  await lib.shot(page, 'counter-guidance');
  const gtext = pdfText(await save(await printWith('Enter', '/guidance/'), 'counter-guidance.pdf'));
  // the ND 118 title of Mẫu 02; 'HƯỚNG DẪN' is in its signature block (NGƯỜI HƯỚNG DẪN)
  ok(gtext.includes('Mẫu số 02') && gtext.includes('PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ') && gtext.includes('HƯỚNG DẪN'),
    'Mẫu 02 title: ' + gtext.slice(0, 400));
  ok(gtext.includes(name2) && gtext.includes('Giấy phép lao động còn thời hạn') && gtext.includes('Bản dịch hộ chiếu có chứng thực'),
    'Mẫu 02 lists what is missing for ' + name2);
  ok(gtext.includes('Người nộp chưa mang giấy phép lao động'), 'Mẫu 02 shows the note');

  // ---------- 3. out of scope -> refusal ----------
  await page.keyboard.press('Alt+N');
  await page.waitForFunction(() => document.activeElement.id === 'cnt-q');
  await pickProcedure('gia han giay phep lao dong', '1.014201');
  const name3 = 'Hoàng Đức Long';
  await page.keyboard.type(name3);
  await page.locator('button.cnt-refuse').press('Enter');
  await dlg.getByText('Lý do từ chối').waitFor();
  eq(await focused(), 'cnt-r-reason', 'focus on the refusal reason');
  await page.keyboard.press('Enter'); // no reason yet
  await dlg.locator('.dlg-error').getByText('Nhập lý do từ chối').waitFor();
  eq(await focused(), 'cnt-r-reason', 'focus back on the reason');
  await lib.axe(page, 'counter-refusal-dialog');
  const reason3 = 'Hồ sơ không thuộc thẩm quyền giải quyết của tỉnh Đồng Nai';
  await page.keyboard.type(reason3);
  await page.keyboard.press('Enter');
  await page.locator('.cnt-result-refusal').waitFor();
  const code3 = (await page.locator('#cnt-code').textContent()).trim();
  await lib.axe(page, 'counter-refusal');
  await lib.shot(page, 'counter-refusal');
  const ftext = pdfText(await save(await printWith('Enter', `/dossiers/${code3}/documents/refusal`), 'counter-refusal.pdf'));
  ok(ftext.includes('Mẫu số 03') && ftext.includes('PHIẾU TỪ CHỐI TIẾP NHẬN') && ftext.includes(name3) && ftext.includes(reason3),
    'Mẫu 03 with the applicant and the reason: ' + ftext.slice(0, 400));
  const d3 = await lib.api('GET', `/dossiers/${code3}`, undefined, tok);
  eq([d3.status, d3.data.state, d3.data.procedure.code], [200, 3, '1.014201'], 'the refused dossier: state 3');

  // ---------- 4. network lost after the server received it: same key, one dossier ----------
  await page.keyboard.press('Alt+N');
  await page.waitForFunction(() => document.activeElement.id === 'cnt-q');
  await pickProcedure(PROC, PROC);
  const name4 = `Phạm Thu Trang ${digits(6)}`;
  await page.keyboard.type(name4);
  await page.keyboard.press('Tab');
  await page.keyboard.type('001' + digits(9));
  await page.keyboard.press('Enter');
  await dlg.getByText('Ngày hẹn trả kết quả:').waitFor();
  const keys = [];
  let cut = true;
  await page.route('**/api/v1/dossiers', async route => {
    const req = route.request();
    const body = JSON.parse(req.postData() || '{}');
    if (req.method() !== 'POST' || body.dry_run) return route.continue();
    keys.push(req.headers()['idempotency-key']);
    if (cut) { // received by the server, the answer lost on the way
      cut = false;
      await route.fetch().catch(() => {});
      return route.abort('connectionreset');
    }
    return route.continue();
  });
  await page.keyboard.press('Enter');
  await dlg.locator('.dlg-error').getByText('Không kết nối được máy chủ').waitFor();
  await page.waitForFunction(() => document.activeElement && document.activeElement.textContent === 'Xác nhận tiếp nhận');
  await page.keyboard.press('Enter'); // retry
  await page.locator('#cnt-code').waitFor();
  await page.unroute('**/api/v1/dossiers');
  eq(keys.length, 2, 'two attempts');
  ok(keys[0] && keys[0] === keys[1], `the retry reuses the Idempotency-Key (${keys.join(', ')})`);
  const code4 = (await page.locator('#cnt-code').textContent()).trim();
  const list4 = await lib.api('GET', `/dossiers?q=${encodeURIComponent(fold(name4))}`, undefined, tok);
  eq(list4.data.items.map(x => x.code), [code4], 'one dossier only for ' + name4);
  await page.locator('.cnt-result').getByText('không hiển thị lại mã tra cứu').waitFor();
  await lib.axe(page, 'counter-replayed');
  await page.getByRole('button', { name: 'Cấp lại mã tra cứu' }).press('Enter');
  await page.locator('#cnt-secret').waitFor();
  const secret4 = (await page.locator('#cnt-secret').textContent()).trim();
  const lk = await lib.api('GET', `/lookup?code=${encodeURIComponent(code4)}&secret=${secret4}`);
  eq(lk.status, 200, 'the reissued lookup secret works');
  eq(await focused(), 'In giấy tiếp nhận (Mẫu 01)', 'back on printing after the reissue');

  // ---------- a procedure with cases: the case's duration, previewed by the server ----------
  await page.keyboard.press('Alt+N');
  await page.waitForFunction(() => document.activeElement.id === 'cnt-q');
  await pickProcedure('dang ky ket hon', '1.000894');
  ok(await page.locator('#cnt-case').isVisible(), 'the case select is shown');
  const caseOpts = await page.locator('#cnt-case option').allTextContents();
  eq(caseOpts, ['Thông thường — Trong ngày (nhận sau 15:00 trả ngày làm việc tiếp theo)',
    'Cần xác minh điều kiện kết hôn — 5 ngày làm việc'], 'cases with their durations');
  await page.locator('#cnt-case').press('ArrowDown');
  eq(await page.locator('#cnt-case').inputValue(), 'XM', 'case chosen by keyboard');
  ok((await page.locator('.cnt-procinfo').textContent()).includes('5 ngày làm việc (trường hợp: Cần xác minh điều kiện kết hôn)'),
    'the duration follows the case');
  await page.locator('#cnt-name').press('Control+A');
  await page.keyboard.type('Võ Minh Tâm');
  await page.keyboard.press('Tab');
  await page.keyboard.type('075' + digits(9));
  await page.keyboard.press('Enter');
  const caseResp = await Promise.race([
    dlg.getByText('Ngày hẹn trả kết quả:').waitFor().then(() => 'preview'),
    page.locator('.cnt-msg .error').waitFor().then(() => 'error'),
  ]);
  if (caseResp === 'preview') {
    ok((await dlg.textContent()).includes('5 ngày làm việc'), 'the preview uses the case duration');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.querySelector('dialog[open]'));
    ok(!(await page.locator('#cnt-code').count()), 'Esc: nothing received');
  } else { // a server that keeps commune procedures from the provincial centre: its error shown
    const err = await page.locator('.cnt-msg .error').textContent();
    ok(!err.startsWith('Còn ') && err.length > 10, 'the server\'s refusal is shown: ' + err);
    eq(await page.locator('#cnt-name').inputValue(), 'Võ Minh Tâm', 'the form is kept');
    console.log('counter: commune procedure at the provincial centre refused: ' + err);
  }
  lib.noProblems(page, ['ERR_CONNECTION_RESET', 'net::ERR_FAILED']);

  // ---------- 5. a dossier code opens the dossier ----------
  await page.keyboard.press('F2');
  eq(await focused(), 'quick-code', 'F2 goes to the dossier-code box');
  await page.keyboard.type(code1);
  await page.keyboard.press('Enter');
  await page.waitForURL(u => u.hash === '#/ho-so/' + encodeURIComponent(code1));
  await page.goBack();
  await page.waitForURL(/#\/quay$/);
  await page.getByRole('heading', { level: 1, name: 'Tiếp nhận hồ sơ' }).waitFor();
  await page.waitForFunction(() => document.activeElement.id === 'cnt-q');
  await page.keyboard.type(code3.toLowerCase());
  await page.locator('#cnt-list [role="option"]', { hasText: 'Mở hồ sơ' }).waitFor();
  await page.keyboard.press('Enter');
  await page.waitForURL(u => u.hash === '#/ho-so/' + encodeURIComponent(code3));
}
