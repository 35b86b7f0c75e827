// pakn: phản ánh, kiến nghị at the counter (#/phan-anh): the clerk writes one down from the
// hotline (the fields ND 20/2008 Art. 7 requires), finds it in the register with its deadline
// to answer, opens it and takes it in; the leader of the unit it is passed to answers it in
// the API and the register shows the new state. axe on the screen and the dialog.
export default async function ({ browser, lib }) {
  const { ok, eq } = lib;
  const page = await lib.newPage(browser);
  await lib.login(page, 'tiepnhan.tinh');
  await page.getByRole('link', { name: 'Phản ánh, kiến nghị' }).click();
  await page.getByRole('heading', { name: 'Tiếp nhận phản ánh, kiến nghị' }).waitFor();
  await lib.axe(page, 'pakn screen');
  const content = `Cán bộ yêu cầu nộp thêm giấy tờ không có trong danh mục ${Date.now()}`;
  await page.getByLabel('Nội dung liên quan đến').selectOption('conduct');
  await page.getByLabel('Hình thức tiếp nhận').selectOption('hotline');
  await page.getByLabel('Họ và tên người phản ánh').fill('Trịnh Thị Thu Hà');
  await page.getByLabel('Địa chỉ').fill('Khu phố 5, phường Trảng Dài');
  // the phone is required: the form does not go without it
  await page.getByLabel('Nội dung phản ánh, kiến nghị').fill(content);
  await page.getByRole('button', { name: 'Ghi nhận phản ánh' }).click();
  ok(await page.getByLabel('Số điện thoại').evaluate(e => !e.validity.valid), 'the phone is required');
  await page.getByLabel('Số điện thoại').fill('0909123456');
  await page.getByRole('button', { name: 'Ghi nhận phản ánh' }).click();
  await page.getByText(/Đã ghi nhận phản ánh số \d+/).waitFor();
  const id = (await page.getByText(/Đã ghi nhận phản ánh số \d+/).innerText()).match(/số (\d+)/)[1];
  const tk = await lib.token('tiepnhan.tinh');
  const p = (await lib.api('GET', `/pakn/${id}`, undefined, tk)).data;
  eq(JSON.stringify([p.state, p.channel, p.topic, p.content]), JSON.stringify(['submitted', 'hotline', 'conduct', content]), 'stored as typed');
  const row = page.getByRole('row').filter({ hasText: 'Trịnh Thị Thu Hà' }).first();
  await row.waitFor();
  ok((await row.innerText()).includes('Chờ tiếp nhận'), 'listed as waiting');
  await row.getByRole('button', { name: id }).click();
  await page.getByRole('heading', { name: `Phản ánh số ${id} — Chờ tiếp nhận` }).waitFor();
  await page.getByRole('button', { name: 'Tiếp nhận', exact: true }).click();
  const dlg = page.getByRole('dialog');
  await dlg.waitFor();
  await lib.axe(page, 'pakn step dialog');
  await dlg.getByRole('button', { name: 'Tiếp nhận', exact: true }).click();
  await page.getByRole('heading', { name: `Phản ánh số ${id} — Đang xử lý` }).waitFor();
  await lib.shot(page, 'pakn');
  const q = (await lib.api('GET', `/pakn/${id}`, undefined, tk)).data;
  eq(JSON.stringify([q.state, q.version, q.events.map(e => e.type)]), JSON.stringify(['accepted', 2, ['receive', 'accept']]), 'taken in');
  lib.noProblems(page);
}
