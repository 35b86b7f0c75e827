// queues: the work queues and the dossier screen through a whole path, each step by the role
// that owns it. A dossier received at the provincial centre for Sở Tư pháp is found by the
// clerk under "Chờ chuyển xử lý" (search without diacritics, keyboard open) and handed over;
// the official finds it under "Đang xử lý"; the leader assigns it in a second window, so the
// official's supplement request on the stale page hits 409 VERSION_CONFLICT ("Tải lại", the
// typed text kept), then succeeds; the clerk receives the supplement (the pause shows, the
// legal due moves by the working time paused); the leader resolves; the clerk returns the
// result; the timeline lists every event in order. axe on each screen state; screenshots.

const TZ = 'Asia/Ho_Chi_Minh';
const fmt = iso => new Intl.DateTimeFormat('en-GB', {
  timeZone: TZ, day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
}).format(new Date(iso)).replace(', ', ' ');
const fold = s => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
const SYL = ['An', 'Bình', 'Cường', 'Dũng', 'Giang', 'Hải', 'Khánh', 'Linh', 'Minh', 'Nga', 'Oanh', 'Phúc',
  'Quang', 'Sơn', 'Tâm', 'Uyên', 'Vinh', 'Xuân', 'Yến', 'Đạt'];

export default async function ({ browser, lib }) {
  const { ok, eq } = lib;
  const n = Date.now();
  const pick = () => SYL[Math.floor(Math.random() * SYL.length)];
  const name = `Nguyễn Kiểm Thử ${pick()} ${pick()} ${pick()}`;

  // ---- set-up through the API: a complete dossier received by the provincial centre's clerk,
  // resolved by Sở Tư pháp (a chứng thực procedure of 2 working days)
  const tClerk = await lib.token('tiepnhan.tinh');
  const r = await lib.api('POST', '/dossiers', {
    applicant: { name, id_number: '0750' + String(n).slice(-8), address: 'Phường Trấn Biên, tỉnh Đồng Nai', phone: '0912' + String(n).slice(-6) },
    procedure: '2.000942', resolving_unit: '000.00.10.H19', channel: 1, sets: 1,
    documents: [{ name: 'Giấy tờ tùy thân của người yêu cầu', kind: 'original', count: 1 }],
    return_method: 'counter', complete: true,
  }, tClerk, { 'Idempotency-Key': lib.key() });
  eq(r.status, 201, 'reception ' + JSON.stringify(r.data));
  const code = r.data.code;
  const apiDossier = async () => (await lib.api('GET', '/dossiers/' + code, undefined, tClerk)).data;

  const dlg = page => page.getByRole('dialog');
  const state = (page, s) => page.locator(`.ds-badges .badge.st-${s}`).waitFor();
  async function act(page, type, fill, submit) {
    await page.locator(`.ds-actions button[data-action="${type}"]`).click();
    const d = dlg(page);
    await d.waitFor();
    if (fill) await fill(d);
    await d.getByRole('button', { name: submit, exact: true }).click();
  }
  // the screenshots show the screen, not the last toast over it
  const noToasts = page => page.evaluate(() => document.querySelectorAll('#toasts .toast').forEach(t => t.remove()));
  const timeline = page => page.locator('.ds-timeline > li').evaluateAll(li => li.map(x => x.dataset.type));

  // ---- 1. clerk: the queue "Chờ chuyển xử lý"
  const clerk = await lib.newPage(browser);
  await lib.login(clerk, 'tiepnhan.tinh');
  await clerk.locator('#nav').getByRole('link', { name: 'Hồ sơ cần xử lý' }).click();
  await clerk.getByRole('heading', { name: 'Hồ sơ cần xử lý', level: 1 }).waitFor();
  const tab2 = clerk.getByRole('tab', { name: /Chờ chuyển xử lý/ });
  eq(await tab2.getAttribute('aria-selected'), 'true', 'the clerk starts on "Chờ chuyển xử lý"');
  const row = clerk.locator(`tr.q-row[data-code="${code}"]`);
  await row.waitFor();
  eq((await row.locator('td.q-c-app').innerText()).trim(), name, 'row applicant');
  eq((await row.locator('td.q-c-date').innerText()).trim(), fmt(r.data.appointment_at), 'row appointment dd/mm/yyyy HH:MM');
  ok(/^(còn|quá) /.test((await row.locator('td.q-c-left').innerText()).trim()), 'row time left from the server');
  // sorted: every overdue row comes before any row that is not
  const kinds = await clerk.locator('tr.q-row').evaluateAll(t => t.map(x => x.classList.contains('q-row-over')));
  ok(kinds.indexOf(false) === -1 || !kinds.slice(kinds.indexOf(false)).includes(true), 'overdue rows first');
  const count2 = Number((await tab2.locator('.q-count').innerText()).replace(/\D/g, ''));
  eq(await clerk.locator('tr.q-row').count(), count2, 'the tab count is the number of rows');
  await lib.axe(clerk, 'queues');
  await lib.shot(clerk, 'queues');

  // search without diacritics: only the new dossier's rows remain, in every tab's count
  await clerk.getByLabel('Tìm hồ sơ').fill(fold(name));
  await clerk.getByRole('button', { name: 'Tìm', exact: true }).click();
  // every row left is this applicant's (an earlier run may have drawn the same name)
  await clerk.waitForFunction(([nm, c]) => {
    const rows = [...document.querySelectorAll('tr.q-row')];
    return rows.length > 0 && rows.every(r => r.querySelector('td.q-c-app').textContent.trim() === nm) &&
      rows.some(r => r.dataset.code === c);
  }, [name, code]);
  const found = await clerk.locator('tr.q-row').count();
  ok(found < count2 || count2 === 1, `the search narrowed the list (${found} of ${count2})`);
  eq((await tab2.locator('.q-count').innerText()).trim(), String(found), 'tab count after the search');
  ok(new URL(clerk.url()).hash.includes('q='), 'the search is in the address');
  // open it with the keyboard
  await clerk.locator(`a.q-code[data-code="${code}"]`).focus();
  await clerk.keyboard.press('Enter');
  await clerk.waitForURL(u => u.hash === '#/ho-so/' + encodeURIComponent(code) || u.hash === '#/ho-so/' + code);

  // ---- 2. clerk: the dossier, hand over to Sở Tư pháp
  await clerk.getByRole('heading', { level: 1, name: new RegExp(code.replace(/\./g, '\\.')) }).waitFor();
  await state(clerk, 2);
  eq((await clerk.locator('[data-k="appointment"]').innerText()).trim(), fmt(r.data.appointment_at), 'dossier appointment');
  await clerk.locator('.ds-actions button[data-action="hand_over"]').click();
  const d1 = dlg(clerk);
  await d1.waitFor();
  eq(await d1.getByLabel('Chuyển đến đơn vị').inputValue(), '000.00.10.H19', 'hand-over defaults to the resolving unit');
  await d1.getByLabel('Bước xử lý').fill('Thẩm định hồ sơ chứng thực');
  await lib.axe(clerk, 'dossier-action-dialog');
  await lib.shot(clerk, 'dossier-action-dialog');
  await d1.getByRole('button', { name: 'Chuyển xử lý', exact: true }).click();
  await state(clerk, 4);
  await d1.waitFor({ state: 'detached' });
  ok((await clerk.locator('[data-k="current-unit"]').innerText()).includes('Sở Tư pháp'), 'current unit after the hand-over');
  await clerk.locator('.ds-table tbody tr', { hasText: 'Thẩm định hồ sơ chứng thực' }).waitFor();

  // ---- 3. official: "Đang xử lý" is the default tab; open by clicking the row
  const official = await lib.newPage(browser);
  await lib.login(official, 'chuyenvien.tuphap');
  const tab4 = official.getByRole('tab', { name: /Đang xử lý/ });
  await tab4.waitFor();
  eq(await tab4.getAttribute('aria-selected'), 'true', 'the official starts on "Đang xử lý"');
  const orow = official.locator(`tr.q-row[data-code="${code}"]`);
  await orow.waitFor();
  ok((await orow.locator('td.q-c-unit').innerText()).includes('Sở Tư pháp'), 'current unit in the official\'s queue');
  await orow.locator('td.q-c-app').click();
  await state(official, 4);
  const dueBefore = (await official.locator('[data-k="legal-due"]').innerText()).trim();
  const dueBeforeApi = (await apiDossier()).deadlines.legal_due_at;
  eq(dueBefore, fmt(dueBeforeApi), 'legal due shown before the pause');

  // ---- 4. leader, in another window: assign the official (the official's page is now stale)
  const leader = await lib.newPage(browser);
  await lib.login(leader, 'lanhdao.tuphap');
  await leader.locator('#quick-code').fill(code);
  await leader.locator('#quick-code').press('Enter');
  await state(leader, 4);
  await act(leader, 'assign', d => d.getByLabel('Tên đăng nhập của người xử lý').fill('chuyenvien.tuphap'), 'Phân công');
  await leader.locator('.ds-timeline > li[data-type="assign"]').waitFor();

  // ---- 5. official: the supplement request on the stale page -> 409, "Tải lại", then again
  const reason = 'Bổ sung bản chính hợp đồng đã được chứng thực để đối chiếu';
  await official.locator('.ds-actions button[data-action="request_supplement"]').click();
  const d2 = dlg(official);
  await d2.waitFor();
  await d2.getByLabel('Lý do, nội dung cần bổ sung').fill(reason);
  await d2.getByLabel('Giấy tờ tùy thân của người yêu cầu').check();
  await d2.getByLabel('Giấy tờ khác (mỗi dòng một giấy tờ)').fill('Bản chính hợp đồng đã được chứng thực');
  await d2.getByRole('button', { name: 'Gửi yêu cầu bổ sung' }).click();
  await d2.getByText('Hồ sơ vừa được người khác thay đổi.').waitFor();
  ok((await d2.locator('.dlg-error').innerText()).includes('Đang xử lý'), 'the conflict says where the dossier is now');
  ok(await d2.getByRole('button', { name: 'Gửi yêu cầu bổ sung' }).isDisabled(), 'no resubmit with the stale version');
  await lib.axe(official, 'dossier-conflict');
  await lib.shot(official, 'dossier-conflict');
  await d2.getByRole('button', { name: 'Tải lại' }).click();
  await d2.waitFor({ state: 'detached' });
  await official.getByText('Đã tải lại hồ sơ').waitFor();
  eq((await official.locator('[data-k="official"]').innerText()).trim(), 'chuyenvien.tuphap', 'reloaded: the assignment shows');
  await official.locator('.ds-timeline > li[data-type="assign"]').waitFor();
  await official.locator('.ds-actions button[data-action="request_supplement"]').click();
  const d3 = dlg(official);
  await d3.waitFor();
  eq(await d3.getByLabel('Lý do, nội dung cần bổ sung').inputValue(), reason, 'the typed reason survived the conflict');
  ok(await d3.getByLabel('Giấy tờ tùy thân của người yêu cầu').isChecked(), 'the ticked document survived the conflict');
  await d3.getByRole('button', { name: 'Gửi yêu cầu bổ sung' }).click();
  await state(official, 5);
  await official.locator('.ds-pauses tbody tr').first().getByText('Đang chờ').waitFor();

  // ---- 6. clerk: "Chờ bổ sung" -> receive the supplement; the pause closes, the due moves
  await clerk.locator('#nav').getByRole('link', { name: 'Hồ sơ cần xử lý' }).click();
  await clerk.getByRole('tab', { name: /Chờ bổ sung/ }).click();
  const srow = clerk.locator(`tr.q-row[data-code="${code}"]`);
  await srow.waitFor();
  eq((await srow.locator('td.q-c-left').innerText()).trim() !== '', true, 'time left shown for a paused dossier');
  await srow.locator('a.q-code').click();
  await state(clerk, 5);
  await act(clerk, 'receive_supplement', null, 'Xác nhận tiếp nhận');
  await state(clerk, 4);
  const prow = clerk.locator('.ds-pauses tbody tr').first();
  await prow.waitFor();
  const pcells = await prow.locator('td').allInnerTexts();
  eq(pcells[1], 'Bổ sung hồ sơ', 'pause reason');
  ok(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/.test(pcells[3]), 'pause resolved time shown: ' + pcells[3]);
  const after = await apiDossier();
  const dueAfter = (await clerk.locator('[data-k="legal-due"]').innerText()).trim();
  const dl = after.deadlines;
  eq(dueAfter, fmt(dl.legal_due_at) + (dl.legal_due_at !== dl.appointment_at ? ' (đã lùi do tạm dừng)' : ''),
    'the shown legal due is the server\'s');
  if (dl.legal_due_at !== dueBeforeApi) ok(dueAfter !== dueBefore, `legal due moved on screen: ${dueBefore} -> ${dueAfter}`);
  else eq(dueAfter, dueBefore, 'no working time paused (outside working hours), no move');
  if (after.pauses[0].paused_minutes === 0) eq(pcells[4], '0 phút làm việc', 'pause of 0 working minutes shown');

  // ---- 7. leader: resolve (granted)
  await leader.locator('.ds-tools').getByRole('button', { name: 'Tải lại' }).click();
  await leader.locator('.ds-timeline > li[data-type="receive_supplement"]').waitFor();
  await lib.axe(leader, 'dossier');
  await noToasts(leader);
  await lib.shot(leader, 'dossier');
  await leader.locator('.ds-actions button[data-action="resolve"]').click();
  const d4 = dlg(leader);
  await d4.waitFor();
  ok(await d4.getByLabel('Giải quyết, cấp kết quả').isChecked(), 'granted is the default outcome');
  await d4.getByLabel('Từ chối giải quyết (nêu rõ lý do)').check();
  await d4.getByLabel('Lý do từ chối').waitFor();
  await d4.getByLabel('Giải quyết, cấp kết quả').check();
  ok(await d4.getByLabel('Lý do từ chối').isHidden(), 'no refusal reason for a grant');
  await d4.getByRole('button', { name: 'Ghi nhận kết quả' }).click();
  await state(leader, 9);

  // ---- 8. clerk: "Chờ trả kết quả" -> return at the counter
  await clerk.locator('#nav').getByRole('link', { name: 'Hồ sơ cần xử lý' }).click();
  await clerk.getByRole('tab', { name: /Chờ trả kết quả/ }).click();
  await clerk.locator(`tr.q-row[data-code="${code}"] a.q-code`).click();
  await state(clerk, 9);
  await act(clerk, 'return_result', async d => {
    eq(await d.getByLabel('Hình thức trả kết quả').inputValue(), 'counter', 'return method from the reception');
  }, 'Trả kết quả');
  await state(clerk, 10);
  await clerk.getByText('Hồ sơ đã kết thúc, không còn thao tác.').waitFor();
  eq(await clerk.locator('.ds-actions button').count(), 0, 'no action on a returned dossier');

  // ---- 9. the timeline: every step in order, readable
  eq(await timeline(clerk), ['receive', 'hand_over', 'assign', 'request_supplement', 'receive_supplement', 'resolve', 'return_result'],
    'timeline order');
  const names = await clerk.locator('.ds-timeline .ds-ev-name').allInnerTexts();
  eq(names, ['Tiếp nhận hồ sơ', 'Chuyển xử lý', 'Phân công xử lý', 'Yêu cầu bổ sung hồ sơ', 'Tiếp nhận hồ sơ bổ sung', 'Giải quyết xong', 'Trả kết quả'], 'timeline names');
  const sup = await clerk.locator('.ds-timeline > li[data-type="request_supplement"]').innerText();
  ok(sup.includes(reason) && sup.includes('Bản chính hợp đồng đã được chứng thực') && sup.includes('chuyenvien.tuphap'), 'supplement details and actor: ' + sup);
  ok((await clerk.locator('.ds-timeline > li[data-type="hand_over"]').innerText()).includes('Sở Tư pháp'), 'hand-over target unit by name');
  ok((await clerk.locator('.ds-timeline > li[data-type="resolve"]').innerText()).includes('Giải quyết (cấp kết quả)'), 'resolve outcome');
  const fin = await apiDossier();
  eq([fin.state, fin.outcome], [10, 'granted'], 'the server agrees');
  await lib.axe(clerk, 'dossier-returned');
  await noToasts(clerk);
  await lib.shot(clerk, 'dossier-returned');

  // the receipt (Mẫu 01) downloads as a PDF
  const [pdf] = await Promise.all([
    clerk.waitForEvent('download'),
    clerk.locator('.ds-forms li[data-form="receipt"]').getByRole('button', { name: /Tải PDF/ }).click(),
  ]);
  eq(pdf.suggestedFilename(), `receipt-${code}.pdf`, 'receipt file name');

  // at the counter after the return, the applicant's rating is keyed in (shared/domain.md §12.1)
  await clerk.getByRole('button', { name: 'Ghi nhận đánh giá của công dân' }).click();
  const rate = clerk.getByRole('dialog');
  await rate.getByLabel('Hài lòng', { exact: true }).check();
  await rate.getByLabel('Hình thức đánh giá').selectOption('paper');
  await lib.axe(clerk, 'rating dialog');
  await rate.getByRole('button', { name: 'Ghi nhận đánh giá' }).click();
  await clerk.getByText(`Đã ghi nhận đánh giá “Hài lòng” cho hồ sơ ${code}.`).waitFor();
  const tSup = await lib.token('giamsat');
  const ev = (await lib.api('GET', `/dossiers/${code}/evaluations`, undefined, tSup)).data;
  eq(JSON.stringify(ev.items.map(x => [x.rating, x.channel, x.entered_by])), JSON.stringify([['satisfied', 'paper', 'tiepnhan.tinh']]), 'the rating stored');
  // a second one is refused with the server's reason, in the dialog
  await clerk.getByRole('button', { name: 'Ghi nhận đánh giá của công dân' }).click();
  await rate.getByLabel('Rất hài lòng').check();
  await rate.getByRole('button', { name: 'Ghi nhận đánh giá' }).click();
  await rate.getByText('Hồ sơ này đã được đánh giá').waitFor();
  await rate.getByRole('button', { name: 'Hủy' }).click();

  for (const p of [clerk, official, leader]) lib.noProblems(p, ['409']);
}
