// answers: the published answers to phản ánh, kiến nghị on the citizen's lookup page
// (/tra-cuu): a PAKN taken in at the counter is passed to the Sở Tư pháp, whose leader
// answers and publishes it (through the API); on a phone the page lists it newest first
// with the approved text and nothing of the sender; the citizen marks it Hài lòng, the count
// and the pressed state follow, GET /public/pakn says the same, and a change of mind moves
// the one vote to Chưa hài lòng. axe.
export default async function ({ browser, lib }) {
  const { ok, eq } = lib;
  const clerk = await lib.token('tiepnhan.tinh');
  const lead = await lib.token('lanhdao.tuphap');
  const text = `Sở Tư pháp đã niêm yết lại phí chứng thực tại Bộ phận Một cửa (${Date.now()}).`;
  const p = await lib.api('POST', '/pakn', {
    topic: 'regulation', channel: 'counter', content: 'Không thấy niêm yết phí chứng thực',
    sender: { name: 'Lê Thị Công Khai', address: 'Tổ 3, phường Tân Phong', phone: '0911222333' },
  }, clerk);
  eq(p.status, 201, 'intake ' + JSON.stringify(p.data));
  const step = async (tk, v, body) => {
    const r = await lib.api('POST', `/pakn/${p.data.id}/events`, { expected_version: v, ...body }, tk);
    eq(r.status, 200, `${body.type} ` + JSON.stringify(r.data));
  };
  await step(clerk, 1, { type: 'transfer', to_unit: '000.00.10.H19' });
  await step(lead, 2, { type: 'accept' });
  await step(lead, 3, { type: 'answer', answer: 'Đã trả lời bà Khai qua điện thoại' });
  await step(lead, 4, { type: 'publish', public_text: text });
  const page = await lib.newPage(browser, { viewport: { width: 390, height: 844 }, isMobile: true });
  await page.goto(lib.BASE + '/tra-cuu');
  const section = page.getByRole('region', { name: 'Kết quả trả lời phản ánh, kiến nghị' });
  const card = section.getByRole('article').filter({ hasText: text });
  await card.waitFor();
  const all = await section.innerText();
  ok(!all.includes('Lê Thị Công Khai') && !all.includes('0911222333') && !all.includes('bà Khai'),
    'nothing of the sender or the private answer');
  ok((await card.innerText()).includes('Quy định hành chính'), 'the topic in Vietnamese');
  await lib.axe(page, 'published answers');
  await card.getByRole('button', { name: 'Hài lòng (0)', exact: true }).click();
  await card.getByRole('button', { name: 'Hài lòng (1)', exact: true }).waitFor();
  eq(await card.getByRole('button', { name: 'Hài lòng (1)', exact: true }).getAttribute('aria-pressed'), 'true', 'pressed');
  await card.getByText('Cảm ơn ông/bà đã cho ý kiến về câu trả lời.').waitFor();
  const pub = await lib.api('GET', '/public/pakn?limit=50');
  const mine = pub.data.items.find(x => x.id === p.data.id);
  eq(JSON.stringify([mine.likes, mine.dislikes]), '[1,0]', 'the API counts it');
  await lib.shot(page, 'lookup-answers');
  await card.getByRole('button', { name: 'Chưa hài lòng (0)', exact: true }).click();
  await card.getByRole('button', { name: 'Chưa hài lòng (1)', exact: true }).waitFor();
  await card.getByRole('button', { name: 'Hài lòng (0)', exact: true }).waitFor();
  lib.noProblems(page);
}
