// satisfaction: the supervisor's satisfaction screen (#/hai-long). A dossier received through
// the API is rated Không hài lòng from the lookup route; the screen's unit table shows the
// same figures as GET /stats/evaluations for the same query (rated, shares, total, class),
// the official table flags the reception clerk, and the 766 group table is there; a PAKN
// taken in today counts in the register table as GET /stats/pakn says, grouped by topic on
// request, and the register downloads as an Excel workbook. axe.
export default async function ({ browser, lib }) {
  const { ok, eq } = lib;
  const tk = await lib.token('tiepnhan.tinh');
  const r = await lib.api('POST', '/dossiers', {
    applicant: { name: 'Phan Văn Đánh Giá', id_number: '075190000888' },
    procedure: '1.014200', resolving_unit: '000.00.19.H19', channel: 1, complete: true,
    documents: [{ name: 'Văn bản đề nghị cấp lại giấy phép lao động', kind: 'original', count: 1 }],
  }, tk, { 'Idempotency-Key': lib.key() });
  eq(r.status, 201, 'reception ' + JSON.stringify(r.data));
  const e = await lib.api('POST', '/lookup/evaluation', { code: r.data.code, secret: r.data.lookup_secret,
    rating: 'dissatisfied', reason: 'Phải chờ lâu', answers: [null, null, 1, 1, 1, 1, 0, 1, 1] });
  eq(e.status, 201, 'evaluation ' + JSON.stringify(e.data));
  const pk = await lib.api('POST', '/pakn', { topic: 'conduct', channel: 'hotline', content: 'Cán bộ hẹn nhiều lần',
    sender: { name: 'Đinh Văn Hẹn', address: 'Tổ 9', phone: '0977000111' } }, tk);
  eq(pk.status, 201, 'a PAKN ' + JSON.stringify(pk.data));
  const page = await lib.newPage(browser);
  await lib.login(page, 'giamsat');
  await page.getByRole('link', { name: 'Mức độ hài lòng' }).click();
  await page.getByRole('heading', { name: 'Mức độ hài lòng của người dân, tổ chức' }).waitFor();
  const units = page.getByRole('region', { name: 'Kết quả đánh giá theo đơn vị' });
  await units.waitFor();
  const sup = await lib.token('giamsat');
  const me = (await lib.api('GET', '/auth/me', undefined, sup)).data;
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).format(new Date());
  const q = `/stats/evaluations?from=${today.slice(0, 8)}01&to=${today}&unit=${me.unit_code || me.account?.unit_code || ''}&group=unit`;
  const api = (await lib.api('GET', q, undefined, sup)).data;
  ok(api.rows && api.rows.length > 0, 'the API has rows: ' + JSON.stringify(api));
  const row = api.rows.find(x => x.rated > 0 && x.total !== null);
  const tr = units.getByRole('row').filter({ hasText: row.name }).first();
  const text = await tr.innerText();
  ok(text.includes(String(row.rated)) && text.includes(row.total.replace('.', ',')) && text.includes(row.class_name),
    `the screen shows the API's figures (${row.rated}, ${row.total}, ${row.class_name}): ${text}`);
  const officials = page.getByRole('region', { name: 'Kết quả đánh giá theo cán bộ' });
  await officials.waitFor();
  ok((await officials.innerText()).includes('⚑'), 'an official above the Không hài lòng share is flagged');
  await page.getByRole('region', { name: 'Nhóm chỉ số mức độ hài lòng (Bộ chỉ số 766)' }).waitFor();
  const [csv] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Tải bảng đánh giá (CSV)' }).click(),
  ]);
  ok(/^danh-gia-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/.test(csv.suggestedFilename()), 'CSV file name ' + csv.suggestedFilename());
  const body = await new Promise((resolve, reject) => csv.createReadStream().then(st => {
    let t = '';
    st.on('data', d => { t += d; });
    st.on('end', () => resolve(t));
    st.on('error', reject);
  }, reject));
  ok(body.includes('Bảng đánh giá việc giải quyết thủ tục hành chính') && body.includes(row.name), 'the CSV holds the table');
  // the register of phản ánh, kiến nghị
  const reg = page.getByRole('region', { name: 'Sổ theo dõi phản ánh, kiến nghị' });
  await reg.waitFor();
  const pq = q.replace('/stats/evaluations', '/stats/pakn');
  const pr = (await lib.api('GET', pq, undefined, sup)).data;
  const prow = pr.rows.find(x => x.total > 0);
  ok(prow, 'the API counts the PAKN: ' + JSON.stringify(pr));
  const ptr = reg.getByRole('row').filter({ hasText: prow.name }).first();
  ok((await ptr.innerText()).includes(`${prow.answer.on_time}/${prow.answer.competent}`),
    'the screen shows the API figures: ' + await ptr.innerText());
  await page.getByLabel('Nhóm theo').selectOption('topic');
  await reg.getByRole('row').filter({ hasText: 'Hành vi của cán bộ, công chức' }).first().waitFor();
  const [xlsx] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Tải sổ phản ánh, kiến nghị (Excel)' }).click(),
  ]);
  ok(/^phan-anh-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.xlsx$/.test(xlsx.suggestedFilename()), 'XLSX file name ' + xlsx.suggestedFilename());
  const head = await new Promise((resolve, reject) => xlsx.createReadStream().then(st => {
    const parts = [];
    st.on('data', d => parts.push(d));
    st.on('end', () => resolve(Buffer.concat(parts).subarray(0, 4).toString('latin1')));
    st.on('error', reject);
  }, reject));
  eq(head, 'PK\x03\x04', 'a workbook (zip)');
  await lib.axe(page, 'satisfaction');
  await lib.shot(page, 'satisfaction');
  lib.noProblems(page);
}
