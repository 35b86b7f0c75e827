// view-pakn.js - phản ánh, kiến nghị (#/phan-anh; shared/domain.md §12.2): the register of the
// caller's scope with its state filter, each row's deadline to answer (overdue in red), the
// intake form for the counter, the hotline or a letter (content, name, address and phone are
// required by ND 20/2008 Art. 7), and the steps of one PAKN in a dialog: accept, reject,
// request and receive information, transfer, answer and publish (a leader).
import { get, post } from './api.js';
import { h, mount, field, fmtDate, fmtTime, table, errorBox, modal, toast, loading } from './ui.js';

const STATES = {
  submitted: 'Chờ tiếp nhận', accepted: 'Đang xử lý', rejected: 'Từ chối tiếp nhận',
  transferred: 'Đã chuyển cơ quan có thẩm quyền', supplement_requested: 'Chờ bổ sung thông tin',
  answered: 'Đã trả lời, chờ công khai', published: 'Đã công khai',
};
const TOPICS = { regulation: 'Quy định hành chính', conduct: 'Hành vi của cán bộ, công chức' };
const CHANNELS = {
  counter: 'Tại Bộ phận Một cửa', letter: 'Văn bản, thư điện tử', phone: 'Điện thoại',
  hotline: 'Tổng đài 1022', portal: 'Cổng dịch vụ công tỉnh', dvcqg: 'Cổng DVC quốc gia',
  survey: 'Phiếu lấy ý kiến',
};
// the steps each state allows (domain/pakn.c pakn_next), with what each one asks for
const STEPS = {
  submitted: ['accept', 'reject', 'transfer'],
  accepted: ['request_info', 'answer', 'transfer'],
  supplement_requested: ['receive_info'],
  answered: ['publish'],
};
const STEP = {
  accept: { label: 'Tiếp nhận' },
  reject: { label: 'Từ chối tiếp nhận', text: 'reason', textLabel: 'Lý do từ chối' },
  transfer: { label: 'Chuyển xử lý', transfer: true },
  request_info: { label: 'Yêu cầu bổ sung thông tin', text: 'reason', textLabel: 'Thông tin cần bổ sung' },
  receive_info: { label: 'Đã nhận thông tin bổ sung' },
  answer: { label: 'Trả lời', text: 'answer', textLabel: 'Nội dung trả lời', leader: true },
  publish: { label: 'Công khai kết quả', text: 'public_text', textLabel: 'Nội dung công khai (không có thông tin cá nhân)', leader: true },
};

const dt = iso => (iso ? `${fmtDate(iso)} ${fmtTime(iso)}` : '—');

function intakeForm(onDone) {
  const topic = h('select', { name: 'topic', required: true },
    Object.entries(TOPICS).map(([v, l]) => h('option', { value: v }, l)));
  const channel = h('select', { name: 'channel', required: true },
    Object.entries(CHANNELS).filter(([v]) => v !== 'portal' && v !== 'dvcqg').map(([v, l]) => h('option', { value: v }, l)));
  const name = h('input', { name: 'name', required: true, autocomplete: 'off' });
  const address = h('input', { name: 'address', required: true, autocomplete: 'off' });
  const phone = h('input', { name: 'phone', required: true, inputmode: 'tel', autocomplete: 'off' });
  const content = h('textarea', { name: 'content', required: true, rows: '4', maxlength: '8000' });
  const dossier = h('input', { name: 'dossier_code', autocomplete: 'off', spellcheck: 'false' });
  const msg = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'primary' }, 'Ghi nhận phản ánh');
  const form = h('form', { class: 'card pakn-intake', 'aria-labelledby': 'pk-new', onsubmit: async ev => {
    ev.preventDefault();
    btn.disabled = true;
    mount(msg);
    const body = { topic: topic.value, channel: channel.value, content: content.value.trim(),
      sender: { name: name.value.trim(), address: address.value.trim(), phone: phone.value.trim() } };
    if (dossier.value.trim()) body.dossier_code = dossier.value.trim().toUpperCase();
    try {
      const r = await post('/pakn', body);
      toast(`Đã ghi nhận phản ánh số ${r.id}; hạn trả lời ${dt(r.answer_due_at)}.`, 'ok');
      form.reset();
      onDone();
    } catch (e) {
      mount(msg, errorBox(e));
    } finally {
      btn.disabled = false;
    }
  } },
  h('h2', { id: 'pk-new' }, 'Tiếp nhận phản ánh, kiến nghị'),
  h('p', { class: 'muted' }, 'Ghi trung thực nội dung; phản ánh không rõ nội dung, họ tên, địa chỉ, số điện thoại thì không được tiếp nhận. Khiếu nại, tố cáo được hướng dẫn theo quy định riêng.'),
  field('Nội dung liên quan đến', topic), field('Hình thức tiếp nhận', channel),
  field('Họ và tên người phản ánh', name), field('Địa chỉ', address), field('Số điện thoại', phone),
  field('Nội dung phản ánh, kiến nghị', content),
  field('Mã hồ sơ liên quan (nếu có)', dossier), msg, btn);
  return form;
}

async function doStep(p, step, account, reload) {
  const s = STEP[step];
  const text = s.text ? h('textarea', { name: s.text, rows: '4', required: true }) : null;
  const toUnit = s.transfer ? h('input', { name: 'to_unit', autocomplete: 'off', spellcheck: 'false' }) : null;
  const toBody = s.transfer ? h('input', { name: 'to_body', autocomplete: 'off' }) : null;
  const body = [h('p', null, `Phản ánh số ${p.id}: ${STATES[p.state]}.`)];
  if (text) body.push(field(s.textLabel, text));
  if (s.transfer) body.push(field('Mã đơn vị nhận (trong hệ thống)', toUnit, 'Ví dụ: 000.00.10.H19'),
    field('Hoặc cơ quan ngoài hệ thống', toBody));
  const r = await modal({ title: s.label, body,
    actions: [{ label: 'Hủy', value: null }, { label: s.label, value: 'ok', primary: true }],
    onSubmit: async () => {
      const b = { type: step, expected_version: p.version };
      if (text) b[s.text] = text.value.trim();
      if (toUnit && toUnit.value.trim()) b.to_unit = toUnit.value.trim();
      if (toBody && toBody.value.trim()) b.to_body = toBody.value.trim();
      return post(`/pakn/${p.id}/events`, b);
    } });
  if (r) {
    toast(`${s.label}: ${STATES[r.state]}.`, 'ok');
    reload();
  }
}

function detail(p, account, reload) {
  const lead = ['leader', 'admin'].includes(account.role);
  const acts = (STEPS[p.state] || []).filter(s => !STEP[s].leader || lead)
    .filter(() => account.role !== 'supervisor')
    .map(s => h('button', { type: 'button', class: s === 'reject' ? 'danger' : '', onclick: () => doStep(p, s, account, reload) }, STEP[s].label));
  const rows = [
    ['Nội dung', p.content], ['Người phản ánh', `${p.sender.name || ''} · ${p.sender.phone || ''}`],
    ['Địa chỉ', p.sender.address || '—'], ['Liên quan', TOPICS[p.topic]], ['Hình thức', CHANNELS[p.channel] || p.channel],
    ['Hồ sơ liên quan', p.dossier_code || '—'], ['Đơn vị đang xử lý', p.unit_name],
    ['Ngày tiếp nhận', dt(p.received_at)], ['Hạn trả lời', dt(p.answer_due_at)],
  ];
  if (p.answer) rows.push(['Trả lời', p.answer]);
  if (p.public_text) rows.push(['Đã công khai', p.public_text]);
  return h('section', { class: 'card pakn-detail', 'aria-labelledby': 'pk-d' },
    h('h2', { id: 'pk-d' }, `Phản ánh số ${p.id} — ${STATES[p.state]}`),
    p.overdue ? h('p', { class: 'error' }, 'Đã quá hạn trả lời.') : null,
    h('dl', { class: 'kv' }, rows.map(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
    acts.length ? h('div', { class: 'actions' }, acts) : null);
}

export default function render(root, ctx) {
  ctx.title('Phản ánh, kiến nghị');
  const state = h('select', { name: 'state', onchange: () => load() },
    h('option', { value: '' }, 'Tất cả'), Object.entries(STATES).map(([v, l]) => h('option', { value: v }, l)));
  const list = h('div');
  const side = h('div');
  const canTake = ['clerk', 'official', 'leader', 'admin'].includes(ctx.account.role);
  const show = async id => {
    try {
      mount(side, detail(await get(`/pakn/${id}`), ctx.account, () => { load(); show(id); }));
    } catch (e) {
      mount(side, errorBox(e));
    }
  };
  const load = () => loading(list, async () => {
    const q = { limit: 200 };
    if (state.value) q.state = state.value;
    const r = await get('/pakn', q);
    return table([
      { label: 'Số', get: p => h('button', { type: 'button', class: 'link', onclick: () => show(p.id) }, String(p.id)) },
      { label: 'Ngày tiếp nhận', get: p => dt(p.received_at) },
      { label: 'Liên quan', get: p => TOPICS[p.topic] },
      { label: 'Người phản ánh', get: p => (p.sender && p.sender.name) || '—' },
      { label: 'Hạn trả lời', get: p => h('span', { class: p.overdue ? 'bad' : '' }, dt(p.answer_due_at)) },
      { label: 'Trạng thái', get: p => STATES[p.state] },
    ], r.items, { caption: 'Sổ theo dõi phản ánh, kiến nghị', empty: 'Chưa có phản ánh, kiến nghị.' });
  });
  mount(root, h('h1', null, 'Phản ánh, kiến nghị'),
    h('div', { class: 'pakn-layout' },
      h('div', null, field('Trạng thái', state), list),
      h('div', null, side, canTake ? intakeForm(load) : null)));
  load();
}
