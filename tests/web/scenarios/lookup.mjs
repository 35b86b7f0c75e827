// lookup: the citizen's page the receipt's QR opens, on a phone: a dossier received through
// the API, its QR address (receipt.qr.lookup_url) opened with the code filled in, the
// printed secret typed, state, dates and unit shown in Vietnamese; a wrong secret refused
// without telling which of the two was wrong; the applicant rates the handling (Hài lòng,
// one indicator scored) and the supervisor reads it; a second rating is refused kindly; no
// serious accessibility violation.
export default async function ({ browser, lib }) {
  const tk = await lib.token('tiepnhan.tinh');
  const r = await lib.api('POST', '/dossiers', {
    applicant: { name: 'Phạm Thị Tra Cứu', id_number: '075190000777' },
    procedure: '1.014200', resolving_unit: '000.00.19.H19', channel: 1, complete: true,
    documents: [{ name: 'Văn bản đề nghị cấp lại giấy phép lao động', kind: 'original', count: 1 }],
  }, tk, { 'Idempotency-Key': lib.key() });
  lib.eq(r.status, 201, 'reception ' + JSON.stringify(r.data));
  const url = r.data.receipt.qr.lookup_url;
  lib.ok(url.endsWith('/tra-cuu?ma=' + r.data.code), 'the QR opens the lookup page: ' + url);
  const page = await lib.newPage(browser, { viewport: { width: 390, height: 844 }, isMobile: true });
  // the QR carries the installation's public address; the test server is at BASE
  await page.goto(lib.BASE + new URL(url).pathname + new URL(url).search);
  await page.getByRole('heading', { name: 'Tra cứu tình trạng hồ sơ' }).waitFor();
  lib.eq(await page.getByLabel('Mã hồ sơ').inputValue(), r.data.code, 'code filled in from the QR');
  lib.ok(await page.getByLabel('Mã tra cứu').evaluate(e => e === document.activeElement), 'focus on the secret');
  await lib.axe(page, 'lookup form');
  await lib.shot(page, 'lookup-form');
  await page.getByLabel('Mã tra cứu').fill('SAIMA12345');
  await page.getByRole('button', { name: 'Tra cứu' }).click();
  await page.getByText('Mã hồ sơ hoặc mã tra cứu không đúng').waitFor();
  await page.getByLabel('Mã tra cứu').fill(r.data.lookup_secret.toLowerCase());
  await page.getByRole('button', { name: 'Tra cứu' }).click();
  await page.getByText('Được tiếp nhận', { exact: true }).waitFor();
  const text = await page.locator('.lookup-result').innerText();
  const appt = new Intl.DateTimeFormat('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric' }).format(new Date(r.data.appointment_at));
  lib.ok(text.includes(appt), `appointment ${appt} shown: ${text}`);
  lib.ok(text.includes('Sở Nội vụ'), 'handling unit shown: ' + text);
  lib.ok(text.includes('Cấp lại giấy phép lao động'), 'procedure shown');
  lib.ok(!text.includes('Phạm Thị Tra Cứu'), 'nothing personal on the public page');
  await lib.axe(page, 'lookup result');
  await lib.shot(page, 'lookup-result');
  // the evaluation (shared/domain.md §12.1): the open dossier has no indicators 1-2 yet
  const form = page.getByRole('form', { name: 'Đánh giá việc giải quyết hồ sơ' });
  await form.waitFor();
  lib.eq(await form.locator('select').count(), 7, 'indicators 3-9 offered while open');
  await form.getByLabel('Không hài lòng', { exact: true }).check();
  lib.ok(await form.getByLabel('Lý do không hài lòng').isVisible(), 'a reason asked for Không hài lòng');
  await form.getByLabel('Hài lòng', { exact: true }).check();
  lib.ok(!(await form.getByLabel('Lý do không hài lòng').isVisible()), 'no reason needed for Hài lòng');
  await form.getByText('Chấm điểm chi tiết (không bắt buộc)').click();
  await form.getByLabel('3. Số lần phải liên hệ với nơi tiếp nhận hồ sơ để hoàn thiện hồ sơ').selectOption('2');
  await lib.axe(page, 'evaluation form');
  await lib.shot(page, 'lookup-evaluation');
  await form.getByRole('button', { name: 'Gửi đánh giá' }).click();
  await page.getByText('Cảm ơn ông/bà đã đánh giá').waitFor();
  const sup = await lib.token('giamsat');
  const ev = await lib.api('GET', `/dossiers/${r.data.code}/evaluations`, undefined, sup);
  lib.eq(ev.status, 200, 'the supervisor reads it');
  const it = ev.data.items[0] || {};
  lib.eq(JSON.stringify([ev.data.items.length, it.rating, it.channel, it.answers && it.answers[2]]),
    JSON.stringify([1, 'satisfied', 'portal', 2]), 'stored as given: ' + JSON.stringify(ev.data));
  // the same applicant again: told it is done, nothing stored
  await page.getByRole('button', { name: 'Tra cứu' }).click();
  const again = page.getByRole('form', { name: 'Đánh giá việc giải quyết hồ sơ' });
  await again.getByLabel('Rất hài lòng').check();
  await again.getByRole('button', { name: 'Gửi đánh giá' }).click();
  await page.getByText('Hồ sơ này đã được đánh giá').waitFor();
  lib.noProblems(page, ['404', '409']);
}
