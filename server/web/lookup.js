// lookup.js - the citizen's lookup page (/tra-cuu), opened by the QR on the receipt
// (/tra-cuu?ma=<code>): no login; the code and the lookup secret printed beside the QR
// (mã tra cứu) give the dossier's state, dates and handling unit in plain Vietnamese.
import { get } from './api.js';
import { h, mount, field, fmtDateTime, fmtDate } from './ui.js';

const PLAIN = {
  1: 'Hồ sơ nộp trực tuyến đang chờ Bộ phận Một cửa kiểm tra và tiếp nhận.',
  2: 'Hồ sơ đã được tiếp nhận và đang được chuyển đến cơ quan giải quyết.',
  3: 'Hồ sơ không được tiếp nhận. Lý do được ghi trên phiếu từ chối tiếp nhận.',
  4: 'Cơ quan có thẩm quyền đang giải quyết hồ sơ của ông/bà.',
  5: 'Cơ quan giải quyết cần ông/bà bổ sung giấy tờ. Xin liên hệ Bộ phận Một cửa nơi đã nộp hồ sơ; thời gian chờ bổ sung không tính vào thời hạn giải quyết.',
  6: 'Ông/bà cần thực hiện nghĩa vụ tài chính (phí, lệ phí, thuế) theo thông báo trước khi hồ sơ được giải quyết tiếp.',
  7: 'Đã ghi nhận yêu cầu rút hồ sơ của ông/bà.',
  8: 'Việc giải quyết hồ sơ đã dừng.',
  9: 'Đã có kết quả. Mời ông/bà đến nhận kết quả, mang theo giấy tiếp nhận hồ sơ.',
  10: 'Kết quả đã được trả.',
};
// progress bar: which of the four milestones the state has reached
const STEPS = ['Tiếp nhận', 'Đang giải quyết', 'Có kết quả', 'Đã trả kết quả'];
const REACHED = { 1: 0, 2: 1, 3: 0, 4: 2, 5: 2, 6: 2, 7: 1, 8: 1, 9: 3, 10: 4 };

function progress(state) {
  const n = REACHED[state] || 0;
  return h('ol', { class: 'steps', 'aria-label': 'Tiến độ hồ sơ' }, STEPS.map((s, i) =>
    h('li', { class: i < n ? 'done' : '', 'aria-current': i === n - 1 ? 'step' : false },
      h('span', { class: 'dot', 'aria-hidden': 'true' }, i < n ? '✓' : String(i + 1)), s)));
}

function result(r) {
  const rows = [
    ['Thủ tục', r.procedure_name],
    ['Ngày tiếp nhận', r.received_at ? fmtDateTime(r.received_at) : 'Chưa tiếp nhận'],
    ['Ngày hẹn trả kết quả', r.appointment_at ? fmtDateTime(r.appointment_at) : '—'],
  ];
  if (r.new_appointment_at) rows.push(['Ngày hẹn trả mới', fmtDateTime(r.new_appointment_at)]);
  if (r.returned_at) rows.push(['Ngày trả kết quả', fmtDate(r.returned_at)]);
  rows.push(['Cơ quan giải quyết', r.unit_name || '—']);
  if (r.current_unit_name && r.current_unit_name !== r.unit_name) rows.push(['Hồ sơ đang ở', r.current_unit_name]);
  return h('section', { class: 'card lookup-result', 'aria-labelledby': 'res-h' },
    h('h2', { id: 'res-h' }, 'Hồ sơ ', h('span', { class: 'code' }, r.code)),
    h('p', { class: `state state-${r.state}` }, r.state_name),
    h('p', { class: 'plain' }, PLAIN[r.state] || ''),
    r.state !== 3 ? progress(r.state) : null,
    h('dl', { class: 'kv' }, rows.map(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
    r.new_appointment_at ? h('p', { class: 'notice' }, 'Cơ quan giải quyết đã gửi thư xin lỗi và hẹn lại ngày trả kết quả.') : null);
}

function render() {
  const root = document.getElementById('main');
  const q = new URLSearchParams(location.search);
  const code = h('input', { name: 'ma', value: q.get('ma') || '', required: true, autocomplete: 'off', spellcheck: 'false', inputmode: 'text', autocapitalize: 'characters' });
  const secret = h('input', { name: 'secret', required: true, autocomplete: 'off', spellcheck: 'false', autocapitalize: 'characters', maxlength: '32' });
  const out = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'primary' }, 'Tra cứu');
  const form = h('form', { class: 'card lookup-form', onsubmit: async ev => {
    ev.preventDefault();
    const c = code.value.trim().toUpperCase(), s = secret.value.trim().toUpperCase().replace(/\s+/g, '');
    if (!c || !s) return;
    btn.disabled = true;
    mount(out, h('p', { class: 'loading' }, 'Đang tra cứu…'));
    try {
      const r = await get('/lookup', { code: c, secret: s });
      mount(out, result(r));
      const head = out.querySelector('h2');
      head.tabIndex = -1;
      head.focus({ preventScroll: true });
      head.scrollIntoView({ block: 'start', behavior: 'smooth' });
      history.replaceState(null, '', '/tra-cuu?ma=' + encodeURIComponent(c));
    } catch (e) {
      const msg = e.status === 429 ? 'Ông/bà đã tra cứu quá nhiều lần. Xin thử lại sau một phút.'
        : e.status === 404 ? 'Mã hồ sơ hoặc mã tra cứu không đúng. Xin kiểm tra lại hai mã in trên giấy tiếp nhận hồ sơ.'
        : e.message;
      mount(out, h('div', { class: 'error', role: 'alert' }, msg));
    } finally {
      btn.disabled = false;
    }
  } },
  h('h1', null, 'Tra cứu tình trạng hồ sơ'),
  h('p', { class: 'muted' }, 'Nhập mã hồ sơ và mã tra cứu in trên giấy tiếp nhận hồ sơ và hẹn trả kết quả.'),
  field('Mã hồ sơ', code, 'Ví dụ: 000.00.01.H19-261207-0001'),
  field('Mã tra cứu', secret, '10 ký tự in cạnh mã QR trên giấy tiếp nhận'),
  btn);
  mount(root, form, out);
  (code.value ? secret : code).focus();
}

render();
