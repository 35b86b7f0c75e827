// lookup: the citizen's page the receipt's QR opens, on a phone: a dossier received through
// the API, its QR address (receipt.qr.lookup_url) opened with the code filled in, the
// printed secret typed, state, dates and unit shown in Vietnamese; a wrong secret refused
// without telling which of the two was wrong; no serious accessibility violation.
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
  lib.noProblems(page, ['404']);
}
