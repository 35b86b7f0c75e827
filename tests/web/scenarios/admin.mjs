// admin: the administrator's screen through the UI. Accounts: an API error shows in the
// create form, a new clerk logs in on a second page, is disabled and then cannot log in.
// Units: a unit created under the province is dissolved with a successor and shown so. The
// calendar of 2026 marks 02/09 as a holiday; an announcement for 2031 (far from any demo
// dossier) is refused while invalid, then shows its diff (2 added, 1 changed, 1 unchanged),
// is applied and read back through the API; the horizon alarm for next year is asserted
// from what the API says. The audit trail lists the account creation. axe on every tab.
const TAB = '\t';

function todayVN() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}
// toasts fade after 5 s: take them away so a screenshot shows the screen itself
const noToasts = page => page.evaluate(() => document.querySelectorAll('#toasts .toast').forEach(t => t.remove()));
const rnd = n => String(Math.floor(Math.random() * 10 ** n)).padStart(n, '0');

export default async function ({ browser, lib }) {
  const { ok, eq } = lib;
  const adminTok = await lib.token('admin');
  const login = `kiemthu.${rnd(6)}`;
  const password = `Kiem-Thu-${rnd(6)}-2026`;
  const person = 'Nguyễn Văn Kiểm Thử';
  const unitCode = `9${rnd(2)}.${rnd(2)}.${rnd(2)}.H19`;
  const unitName = `Phòng Kiểm thử tự động ${unitCode.slice(0, 9)}`;

  // 2031: the announcement's days; two of them exist before the import (one to change).
  const SWAP = '2031-05-02', MAKE = '2031-05-10', CHG = '2031-11-14', SAME = '2031-11-21';
  const calDays = [SWAP, MAKE, CHG, SAME];
  const cleanCalendar = async () => {
    for (const d of calDays) {
      const r = await lib.api('POST', `/calendar/days/${d}/delete`, undefined, adminTok);
      ok(r.status === 200 || r.status === 404, `delete ${d}: ${r.status} ${JSON.stringify(r.data)}`);
    }
  };
  await cleanCalendar();
  for (const [day, note] of [[CHG, 'Nghỉ địa phương (kiểm thử, bản cũ)'], [SAME, 'Nghỉ địa phương cố định (kiểm thử)']]) {
    const r = await lib.api('POST', '/calendar/days', { day, working: false, reason: 'local', note }, adminTok, { 'Idempotency-Key': lib.key() });
    eq(r.status, 201, `pre-create ${day}`);
  }

  const page = await lib.newPage(browser);
  await lib.login(page, 'admin');

  // ---- accounts ----
  await page.goto(lib.BASE + '/#/quan-tri/tai-khoan');
  await page.getByRole('heading', { level: 2, name: 'Tài khoản' }).waitFor();
  await page.locator('tr[data-login="tiepnhan.tinh"]').waitFor();
  ok((await page.locator('tr[data-login="tiepnhan.tinh"]').innerText()).includes('Cán bộ tiếp nhận'), 'role label of tiepnhan.tinh');
  await lib.axe(page, 'accounts');
  const form = page.getByRole('form', { name: 'Tạo tài khoản' });
  await form.getByLabel('Tên đăng nhập', { exact: true }).fill(login);
  await form.getByLabel('Họ và tên', { exact: true }).fill(person);
  await form.getByLabel('Vai trò', { exact: true }).selectOption('clerk');
  await form.getByLabel('Đơn vị', { exact: true }).selectOption('000.00.01.H19');
  await form.getByLabel('Mật khẩu ban đầu').fill('ngan');
  await form.getByRole('button', { name: 'Tạo tài khoản' }).click();
  const formErr = form.locator('.error[role="alert"]');
  await formErr.waitFor();
  ok((await formErr.innerText()).length > 5, 'the API error shows in the form');
  eq(await form.getByLabel('Tên đăng nhập', { exact: true }).inputValue(), login, 'the typed login is kept after an error');
  eq(await form.getByLabel('Mật khẩu ban đầu').getAttribute('aria-invalid'), 'true', 'the password field is marked');
  await form.getByLabel('Mật khẩu ban đầu').fill(password);
  await form.getByRole('button', { name: 'Tạo tài khoản' }).click();
  await form.locator('.success').filter({ hasText: `Đã tạo tài khoản ${login}` }).waitFor();
  const row = page.locator(`tr[data-login="${login}"]`);
  await row.waitFor();
  const rowText = await row.innerText();
  ok(rowText.includes(person) && rowText.includes('Cán bộ tiếp nhận') && rowText.includes('000.00.01.H19') && rowText.includes('Đang hoạt động'), 'new account row: ' + rowText);
  await page.getByLabel('Lọc theo vai trò').selectOption('clerk');
  await page.evaluate(() => window.scrollTo(0, 0));
  await noToasts(page);
  await lib.shot(page, 'admin-accounts');

  // the new clerk works: a second page logs in with it
  const page2 = await lib.newPage(browser);
  await lib.login(page2, login, password);
  await page2.locator('#who .who-name').filter({ hasText: person }).waitFor();

  // disabled: its session ends and it cannot log in again
  await row.getByRole('button', { name: `Khóa tài khoản ${login}` }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByRole('button', { name: 'Khóa tài khoản' }).click();
  await row.getByText('Đã khóa').waitFor();
  await page2.reload();
  await page2.getByRole('heading', { name: 'Phần mềm Một cửa' }).waitFor();
  await page2.getByLabel('Tên đăng nhập').fill(login);
  await page2.getByLabel('Mật khẩu').fill(password);
  await page2.getByRole('button', { name: 'Đăng nhập' }).click();
  await page2.getByText('Tên đăng nhập hoặc mật khẩu không đúng.').waitFor();
  const acc = await lib.api('GET', '/accounts?limit=500', undefined, adminTok);
  eq(acc.data.items.find(a => a.login === login)?.active, false, 'the account is disabled in the API');

  // ---- units ----
  await page.goto(lib.BASE + '/#/quan-tri/don-vi');
  await page.getByRole('heading', { level: 2, name: 'Đơn vị' }).waitFor();
  await page.locator('tr[data-code="000.00.10.H19"]').waitFor();
  // a unit dissolved in the demo data shows its successor
  ok((await page.locator('tr[data-code="000.00.12.H19"]').innerText()).includes('Giải thể từ 01/03/2025, kế thừa: Sở Tài chính (000.00.11.H19)'), 'demo dissolved unit');
  await lib.axe(page, 'units');
  await page.getByText('Tạo đơn vị mới').click();
  const uf = page.getByRole('form', { name: 'Tạo đơn vị mới' });
  await uf.getByLabel('Mã định danh').fill(unitCode);
  await uf.getByLabel('Tên đơn vị').fill(unitName);
  await uf.getByLabel('Cấp', { exact: true }).selectOption('province');
  await uf.getByLabel('Loại', { exact: true }).selectOption('department');
  await uf.getByLabel('Đơn vị cấp trên').selectOption('000.00.00.H19');
  await uf.getByLabel('Hiệu lực từ').fill('01/01/2026');
  await uf.getByRole('button', { name: 'Tạo đơn vị' }).click();
  await uf.locator('.success').filter({ hasText: unitCode }).waitFor();
  const urow = page.locator(`tr[data-code="${unitCode}"]`);
  await urow.waitFor();
  ok((await urow.innerText()).includes(unitName), 'new unit row');
  await urow.getByRole('button', { name: `Giải thể ${unitName} (${unitCode})` }).click();
  const ud = page.getByRole('dialog');
  await ud.getByLabel('Ngày cuối cùng còn hiệu lực').fill('30/11/2026');
  await ud.getByLabel('Lọc danh sách').fill('tư pháp');
  await ud.getByLabel('Sở Tư pháp (000.00.10.H19)').check();
  await lib.axe(page, 'dissolve dialog');
  await ud.getByRole('button', { name: 'Giải thể' }).click();
  await urow.getByText('Giải thể từ 01/12/2026, kế thừa: Sở Tư pháp (000.00.10.H19)').waitFor();
  ok(((await urow.getAttribute('class')) || '').includes('adm-off'), 'the dissolved unit is greyed');
  const ud2 = await lib.api('GET', `/units/${unitCode}`, undefined, adminTok);
  eq([ud2.data.valid_to, ud2.data.parent && ud2.data.parent.code, ud2.data.successors.map(s => [s.code, s.since])],
    ['2026-11-30', '000.00.00.H19', [['000.00.10.H19', '2026-12-01']]], 'the unit as the API has it');
  await urow.scrollIntoViewIfNeeded();
  await page.evaluate(() => window.scrollBy(0, 200));
  await lib.axe(page, 'units after dissolve');
  await noToasts(page);
  await lib.shot(page, 'admin-units');

  // ---- calendar ----
  await page.goto(lib.BASE + '/#/quan-tri/lich?nam=2026');
  await page.getByRole('heading', { level: 2, name: 'Lịch làm việc năm 2026' }).waitFor();
  const nd = page.locator('td[data-day="2026-09-02"]');
  eq(await nd.getAttribute('aria-label'), 'Thứ Tư 02/09/2026: nghỉ — Quốc khánh 2/9', '02/09/2026 label');
  ok((await nd.getAttribute('class')).includes('adm-d-off'), '02/09/2026 coloured as a day off');
  eq(await page.locator('td[data-day="2026-08-22"]').getAttribute('aria-label'), 'Thứ Bảy 22/08/2026: làm việc — Làm bù thứ Bảy', 'worked Saturday');
  eq(await page.locator('td[data-day="2026-09-03"]').getAttribute('aria-label'), 'Thứ Năm 03/09/2026: làm việc', 'ordinary day');
  eq(await page.locator('td[data-day="2026-09-05"]').getAttribute('aria-label'), 'Thứ Bảy 05/09/2026: nghỉ cuối tuần', 'weekend');
  const y2026 = await lib.api('GET', '/calendar/days?year=2026', undefined, adminTok);
  ok((await page.locator('.adm-cal-sum').innerText()).includes(`${y2026.data.working_days} ngày làm việc`), 'working days of 2026');

  // the horizon alarm, as the API says
  const today = todayVN();
  const next = Number(today.slice(0, 4)) + 1;
  const ny = await lib.api('GET', `/calendar/days?year=${next}`, undefined, adminTok);
  const wantAlarm = today.slice(5) >= '10-01' &&
    (ny.status !== 200 || ny.data.status !== 'announced' || !ny.data.items.some(d => d.reason === 'tet'));
  if (wantAlarm) {
    const al = page.locator('#adm-horizon');
    await al.waitFor();
    ok((await al.innerText()).includes(`Chưa nạp lịch nghỉ Tết Nguyên đán năm ${next}`), 'horizon alarm text');
  } else {
    await page.waitForTimeout(300);
    eq(await page.locator('#adm-horizon').count(), 0, 'no horizon alarm');
  }
  await lib.axe(page, 'calendar');
  await noToasts(page);
  await lib.shot(page, 'admin-calendar');

  // the import: an invalid announcement is refused with its reasons
  const ta = page.getByLabel('Nội dung thông báo (TSV hoặc JSON)');
  await ta.fill(['# thông báo sai', `${SWAP}${TAB}off${TAB}swap_off${TAB}Hoán đổi, làm bù thứ Bảy 10/05/2031`,
    `2031-13-01${TAB}off${TAB}local${TAB}Ngày không có thật`].join('\n'));
  await page.getByRole('button', { name: 'Kiểm tra và so sánh' }).click();
  const bad = page.locator('.adm-import-out');
  // the server checks the whole announcement (POST /calendar/import, dry run): a bad date on
  // line 3, a swap without its worked Saturday
  await bad.getByText('Thông báo chưa hợp lệ: 2 lỗi').waitFor();
  const badText = await bad.innerText();
  ok(badText.includes('bad date') && badText.includes('Ngày nghỉ hoán đổi không có ngày thứ Bảy làm bù'),
    'validation errors: ' + badText);
  eq(await page.getByRole('button', { name: /^Áp dụng/ }).count(), 0, 'no apply button while invalid');

  // the valid one: 2 added, 1 changed, 1 unchanged
  await ta.fill(['# Thông báo thử nghiệm năm 2031 (kiểm thử tự động)',
    `${SWAP}${TAB}off${TAB}swap_off${TAB}Hoán đổi, làm bù thứ Bảy 10/05/2031 (kiểm thử)`,
    `${MAKE}${TAB}work${TAB}makeup_saturday${TAB}Làm bù cho thứ Sáu 02/05/2031 (kiểm thử)`,
    `${CHG}${TAB}off${TAB}local${TAB}Nghỉ địa phương (kiểm thử, bản mới)`,
    `${SAME}${TAB}off${TAB}local${TAB}Nghỉ địa phương cố định (kiểm thử)`, ''].join('\n'));
  await page.getByRole('button', { name: 'Kiểm tra và so sánh' }).click();
  const sum = page.locator('.adm-diff-sum');
  await sum.waitFor();
  const sumText = await sum.innerText();
  ok(sumText.includes('Thông báo năm 2031 (TSV): 4 dòng hợp lệ') && sumText.includes('2 thêm mới') &&
    sumText.includes('1 thay đổi') && sumText.includes('1 không đổi'), 'diff summary: ' + sumText);
  const kinds = await page.locator('.adm-import-out tr[data-kind]').evaluateAll(rs => rs.map(r => [r.dataset.day, r.dataset.kind]));
  eq(kinds, [[SWAP, 'added'], [MAKE, 'added'], [CHG, 'changed'], [SAME, 'unchanged']], 'diff rows');
  await page.locator('.adm-diff-sum').scrollIntoViewIfNeeded();
  await page.evaluate(() => document.querySelector('.adm-import h3').scrollIntoView());
  await lib.axe(page, 'import diff');
  await noToasts(page);
  await lib.shot(page, 'admin-import-diff');
  await page.getByRole('button', { name: 'Áp dụng 3 dòng' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Áp dụng' }).click();
  await page.getByText('Đã áp dụng 3 dòng vào lịch năm 2031.').waitFor();
  const y31 = await lib.api('GET', '/calendar/days?year=2031', undefined, adminTok);
  const got = Object.fromEntries(y31.data.items.filter(d => calDays.includes(d.day)).map(d => [d.day, [d.working, d.reason, d.note, d.source]]));
  eq(got, {
    [SWAP]: [false, 'swap_off', 'Hoán đổi, làm bù thứ Bảy 10/05/2031 (kiểm thử)', 'import:admin'],
    [MAKE]: [true, 'makeup_saturday', 'Làm bù cho thứ Sáu 02/05/2031 (kiểm thử)', 'import:admin'],
    [CHG]: [false, 'local', 'Nghỉ địa phương (kiểm thử, bản mới)', 'import:admin'],
    [SAME]: [false, 'local', 'Nghỉ địa phương cố định (kiểm thử)', 'import:admin'], // restated by the import
  }, '2031 as the API has it');

  // ---- audit ----
  await page.goto(lib.BASE + '/#/quan-tri/nhat-ky');
  await page.getByRole('heading', { level: 2, name: 'Nhật ký' }).waitFor();
  await page.locator('tr[data-action]').first().waitFor();
  await page.getByLabel('Hành động').selectOption('account.create');
  const arow = page.locator(`tr[data-action="account.create"][data-target="${login}"]`);
  await arow.waitFor();
  const aText = await arow.innerText();
  ok(aText.includes('Tạo tài khoản') && aText.includes('admin') && aText.includes('Thành công'), 'audit row: ' + aText);
  await lib.axe(page, 'audit');
  await noToasts(page);
  await lib.shot(page, 'admin-audit');

  lib.noProblems(page, ['401']);
  lib.noProblems(page2, ['401']);
  await page.context().close();
  await page2.context().close();
  await cleanCalendar();
}
